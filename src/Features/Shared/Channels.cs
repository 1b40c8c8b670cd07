namespace Conduit.Features.Shared;

/// <summary>
/// The PostgreSQL NOTIFY channels that triggers send on and features listen to: the one definition of each name
/// on the C# side (the SQL side is held to it by tests/Api.Tests/Architecture/VocabularyTests.cs).
/// </summary>
public static class Channels
{
    /// <summary>A session ended (migration 0007); payload: its id. Read by the token check's mirror and by live streams.</summary>
    public const string SessionRevoked = "session_revoked";
}
