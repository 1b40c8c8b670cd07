namespace Conduit.Infrastructure.Idempotency;

/// <summary>
/// Says whether a kept answer may still be replayed (see <see cref="IdempotencySetup.ReplayedWhile{TCheck}"/>): the
/// feature that issued a credential knows whether it is still good; this mechanism does not.
/// </summary>
public interface IKeptAnswerCheck
{
    /// <param name="body">The kept answer's body, decrypted.</param>
    ValueTask<bool> StillValidAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken);
}
