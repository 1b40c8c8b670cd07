using System.Net;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Profiles;

/// <summary>GetProfile, FollowProfile and UnfollowProfile.</summary>
public sealed class ProfileTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly ConduitClient client = api.CreateConduitClient();

    [Fact]
    public async Task Get_anonymously_shows_the_profile_not_followed()
    {
        var celeb = await client.RegisterAsync("celeb");

        var reply = await client.GetAsync($"/api/profiles/{celeb.Username}");

        reply.Status.Should().Be(HttpStatusCode.OK);
        var profile = reply.Json!["profile"]!;
        profile["username"]!.GetValue<string>().Should().Be(celeb.Username);
        profile["bio"].Should().BeNull();
        profile["image"].Should().BeNull();
        profile["following"]!.GetValue<bool>().Should().BeFalse();
        profile.AsObject().Select(member => member.Key).Should().BeEquivalentTo(["username", "bio", "image", "following"]);
    }

    [Fact]
    public async Task Follow_then_unfollow_is_reflected_for_the_follower_only()
    {
        var celeb = await client.RegisterAsync("celeb");
        var fan = await client.RegisterAsync("fan");
        var other = await client.RegisterAsync("other");

        var follow = await client.PostAsync($"/api/profiles/{celeb.Username}/follow", token: fan.Token);

        follow.Status.Should().Be(HttpStatusCode.OK);
        follow.Json!["profile"]!["following"]!.GetValue<bool>().Should().BeTrue();
        (await client.GetAsync($"/api/profiles/{celeb.Username}", fan.Token)).Json!["profile"]!["following"]!.GetValue<bool>().Should().BeTrue();
        (await client.GetAsync($"/api/profiles/{celeb.Username}", other.Token)).Json!["profile"]!["following"]!.GetValue<bool>().Should().BeFalse();

        var unfollow = await client.DeleteAsync($"/api/profiles/{celeb.Username}/follow", fan.Token);

        unfollow.Status.Should().Be(HttpStatusCode.OK);
        unfollow.Json!["profile"]!["following"]!.GetValue<bool>().Should().BeFalse();
        (await client.GetAsync($"/api/profiles/{celeb.Username}", fan.Token)).Json!["profile"]!["following"]!.GetValue<bool>().Should().BeFalse();
    }

    [Fact]
    public async Task Following_and_unfollowing_twice_is_idempotent()
    {
        var celeb = await client.RegisterAsync("celeb");
        var fan = await client.RegisterAsync("fan");

        (await client.PostAsync($"/api/profiles/{celeb.Username}/follow", token: fan.Token)).Status.Should().Be(HttpStatusCode.OK);
        var second = await client.PostAsync($"/api/profiles/{celeb.Username}/follow", token: fan.Token);
        (await client.DeleteAsync($"/api/profiles/{celeb.Username}/follow", fan.Token)).Status.Should().Be(HttpStatusCode.OK);
        var secondUnfollow = await client.DeleteAsync($"/api/profiles/{celeb.Username}/follow", fan.Token);

        second.Json!["profile"]!["following"]!.GetValue<bool>().Should().BeTrue();
        secondUnfollow.Status.Should().Be(HttpStatusCode.OK);
        secondUnfollow.Json!["profile"]!["following"]!.GetValue<bool>().Should().BeFalse();
    }

    [Fact]
    public async Task Profiles_are_found_regardless_of_case()
    {
        var celeb = await client.RegisterAsync("CaseCeleb");

        var reply = await client.GetAsync($"/api/profiles/{celeb.Username.ToLowerInvariant()}");

        reply.Status.Should().Be(HttpStatusCode.OK);
        reply.Json!["profile"]!["username"]!.GetValue<string>().Should().Be(celeb.Username);
    }

    [Fact]
    public async Task Following_yourself_is_ignored()
    {
        var user = await client.RegisterAsync("narcissus");

        var reply = await client.PostAsync($"/api/profiles/{user.Username}/follow", token: user.Token);

        reply.Status.Should().Be(HttpStatusCode.OK);
        reply.Json!["profile"]!["following"]!.GetValue<bool>().Should().BeFalse();
        await using var connection = await api.OpenDatabaseAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM follows WHERE follower_id = followee_id";
        ((long)(await count.ExecuteScalarAsync())!).Should().Be(0);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    [InlineData("DELETE")]
    public async Task An_unknown_profile_is_404_profile_not_found(string method)
    {
        var user = await client.RegisterAsync("looker");
        var path = method == "GET" ? $"/api/profiles/{Unique.Name("ghost")}" : $"/api/profiles/{Unique.Name("ghost")}/follow";

        var reply = await client.SendAsync(new HttpMethod(method), path, token: user.Token);

        reply.Status.Should().Be(HttpStatusCode.NotFound);
        reply.Error("profile").Should().Be("not found");
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("DELETE")]
    public async Task Follow_and_unfollow_without_a_token_are_401(string method)
    {
        var celeb = await client.RegisterAsync("celeb");

        var reply = await client.SendAsync(new HttpMethod(method), $"/api/profiles/{celeb.Username}/follow");

        reply.Status.Should().Be(HttpStatusCode.Unauthorized);
        reply.Error("token").Should().Be("is missing");
    }
}
