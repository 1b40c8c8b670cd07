using System.Net;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.SliceArea;

/// <summary>SliceName over HTTP on a real database. Fails (500: not implemented) until the handler is written.</summary>
public sealed class SliceNameTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task SliceName_answers_what_the_contract_says()
    {
        using var client = api.CreateConduitClient();
        var user = await client.RegisterAsync("slicenamelower");

#if (isQuery)
        var reply = await client.GetAsync("/api/slicearealowerSLICE_TEST_PATH?limit=20&offset=0", user.Token);

        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        reply.Json!["outcome"].Should().NotBeNull("TODO: assert the answer the contract pins");
#elif (isPut)
        var reply = await client.PutAsync("/api/slicearealowerSLICE_TEST_PATH", new { reason = "because" }, user.Token);

        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        reply.Json!["outcome"].Should().NotBeNull("TODO: assert the answer the contract pins");
#elif (isDelete)
        var reply = await client.DeleteAsync("/api/slicearealowerSLICE_TEST_PATH", user.Token);

        reply.Status.Should().Be(HttpStatusCode.NoContent, reply.Text);
#else
        var reply = await client.PostAsync("/api/slicearealowerSLICE_TEST_PATH", new { reason = "because" }, user.Token);

        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        reply.Json!["outcome"].Should().NotBeNull("TODO: assert the answer the contract pins");
#endif
    }
}
