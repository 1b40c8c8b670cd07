using Conduit.Infrastructure.Auth;

namespace Conduit.Features.Users;

public sealed record UserEnvelope(UserView User);

/// <summary>The authenticated user as the contract returns it: never a hash, always a fresh token.</summary>
public sealed record UserView(string Email, string Token, string Username, string? Bio, string? Image);

/// <summary>The columns every user use case reads back.</summary>
internal sealed record UserRow(long Id, string Email, string Username, string? Bio, string? Image)
{
    public const string Columns = "id, email, username, bio, image";

    public UserEnvelope ToEnvelope(TokenIssuer tokens) => new(new UserView(Email, tokens.Issue(Id), Username, Bio, Image));
}
