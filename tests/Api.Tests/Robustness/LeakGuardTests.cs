using System.Net;
using System.Text.Json.Nodes;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Robustness;

/// <summary>The scan every response of the run goes through (<see cref="LeakGuard"/>) does catch leaks.</summary>
public sealed class LeakGuardTests
{
    [Theory]
    [InlineData(200, """{"user":{"username":"a","passwordHash":"AQAAAA"}}""")]
    [InlineData(200, """{"articles":[{"author":{"hash":"x"}}]}""")]
    [InlineData(500, """{"errors":{"server":["NullReferenceException: Object reference not set"]}}""")]
    [InlineData(500, """{"errors":{"server":["   at Conduit.Features.Users.LoginUser.Handler.Handle(Command command) in /src/LoginUser.cs:line 42"]}}""")]
    [InlineData(422, """{"errors":{"body":["42601: syntax error at or near \"DROP\""]}}""")]
    [InlineData(409, """{"errors":{"body":["duplicate key value violates unique constraint \"users_email_key\""]}}""")]
    [InlineData(400, """{"errors":{"sql":["SELECT id FROM users WHERE email = 'x'"]}}""")]
    public void A_leaking_response_is_caught(int status, string body)
    {
        var check = () => LeakGuard.Check((HttpStatusCode)status, JsonNode.Parse(body), body);

        check.Should().Throw<InvalidOperationException>();
    }

    [Theory]
    [InlineData(200, """{"article":{"title":"SELECT * FROM users; at Foo.Bar()","body":"Exception handling in C#"}}""")]
    [InlineData(422, """{"errors":{"password":["can't be blank"]}}""")]
    [InlineData(404, """{"errors":{"article":["not found"]}}""")]
    public void Legitimate_responses_pass(int status, string body)
    {
        var check = () => LeakGuard.Check((HttpStatusCode)status, JsonNode.Parse(body), body);

        check.Should().NotThrow();
    }
}
