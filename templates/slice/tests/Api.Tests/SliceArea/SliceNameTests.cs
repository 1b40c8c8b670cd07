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

#if (isCommand)
        var reply = await client.PostAsync("/api/slicearealower/slicenamelower", new { reason = "because" }, user.Token);
#else
        var reply = await client.GetAsync("/api/slicearealower/slicenamelower?limit=20&offset=0", user.Token);
#endif

        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        reply.Json!["outcome"].Should().NotBeNull("TODO: assert the answer the contract pins");
    }
}
