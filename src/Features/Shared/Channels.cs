namespace Conduit.Features.Shared;

/// <summary>
/// The PostgreSQL NOTIFY channels that the features' triggers send on and the features listen to: the one
/// definition of each name on the C# side (the read cache's own channel is the mechanism's, <c>ContentChanges.ChannelName</c>).
/// tests/Api.Tests/Architecture/VocabularyTests.cs fails on a channel in SQL that is not one of these.
/// </summary>
public static class Channels
{
    /// <summary>A session ended (migration 0007); payload: its id. Read by the token check's mirror and by live streams.</summary>
    public const string SessionRevoked = "session_revoked";

    /// <summary>Live events were written (migration 0009); no payload: the outbox reader reads what is new.</summary>
    public const string LiveEvents = "conduit_live";
}
