namespace Conduit.Features.Shared;

/// <summary>The author/profile shape that profiles, articles and comments all return.</summary>
public sealed record Profile(string Username, string? Bio, string? Image, bool Following);
