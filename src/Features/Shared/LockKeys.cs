namespace Conduit.Features.Shared;

/// <summary>
/// The advisory-lock keys the features' SQL takes (the mechanisms keep theirs: the migrator's, idempotency's key space).
/// Each number is defined here once; the migrations that take one say which constant it is, and
/// tests/Api.Tests/Architecture/VocabularyTests.cs fails on a literal key in SQL that is not listed.
/// </summary>
public static class LockKeys
{
    /// <summary>Suspensions, reinstatements and role changes that decide "is this the last admin?" (Admin).</summary>
    public const long PrivilegedRoles = 7235001;

    /// <summary>Live events get their ids in commit order (migrations 0009, 0017; held from the deferred trigger to commit).</summary>
    public const long LiveEventOrder = 7466101;
}
