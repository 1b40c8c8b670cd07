using System.Net;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Admin;

/// <summary>SuspendUser over HTTP on a real database. Fails (500: not implemented) until the handler is written.</summary>
public sealed class SuspendUserTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task SuspendUser_answers_what_the_contract_says()
    {
        using var client = api.CreateConduitClient();
        var user = await client.RegisterAsync("suspenduser");

        var reply = await client.PostAsync("/api/admin/suspenduser", new { reason = "because" }, user.Token);

        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        reply.Json!["outcome"].Should().NotBeNull("TODO: assert the answer the contract pins");
    }
}
