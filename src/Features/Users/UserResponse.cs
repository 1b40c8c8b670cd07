using System.Text.Json.Serialization;
using Conduit.Features.Users.Sessions;
using Conduit.Infrastructure.Auth;

namespace Conduit.Features.Users;

public sealed record UserEnvelope(UserView User)
{
    /// <summary>The <c>ETag</c> of <c>GET/PUT /api/user</c>: the user's id and version, which <c>If-Match</c> compares.</summary>
    [JsonIgnore]
    public string? ETag { get; init; }
}

/// <summary>
/// The authenticated user as the contract returns it: never a hash, always an access token (the caller's own
/// outside sign-in, so reading or editing the user never extends a session); sign-in and refresh add the
/// session's new refresh token (left out elsewhere, so the contract's shape is unchanged).
/// </summary>
public sealed record UserView(
    string Email,
    string Token,
    string Username,
    string? Bio,
    string? Image,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RefreshToken = null);

/// <summary>The columns every user use case reads back.</summary>
internal sealed record UserRow(long Id, string Email, string Username, string? Bio, string? Image, int Version)
{
    public const string Columns = "id, email, username, bio, image, version";

    /// <summary>For a signed-in caller: the token they presented, which expires no later than it did.</summary>
    public UserEnvelope ToEnvelope(string token) =>
        new(new UserView(Email, token, Username, Bio, Image)) { ETag = $"\"{Id}.{Version}\"" };

    /// <summary>For a sign-in or a refresh: both tokens.</summary>
    public UserEnvelope ToEnvelope(SessionTokens session) =>
        new(new UserView(Email, session.Token, Username, Bio, Image, session.RefreshToken)) { ETag = $"\"{Id}.{Version}\"" };
}
