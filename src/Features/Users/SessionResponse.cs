namespace Conduit.Features.Users;

public sealed record SessionsEnvelope(IReadOnlyList<SessionView> Sessions);

/// <summary>
/// A session as its owner sees it. <c>lastSeenAt</c> is written in batches (up to Sessions:LastSeenFlushInterval
/// behind); <c>clientAddress</c> and <c>userAgent</c> are those of the sign-in.
/// </summary>
public sealed record SessionView(Guid Id, DateTime CreatedAt, DateTime LastSeenAt, string? ClientAddress, string? UserAgent, bool Current);
