namespace Conduit.Tests.Infrastructure;

/// <summary>
/// Tests that pick a free loopback port, release it and bind it again later (the API process, the TCP
/// relay) run one after another, so that one never takes the port another has just let go of.
/// </summary>
[CollectionDefinition(Collection)]
public sealed class LoopbackPorts
{
    public const string Collection = "Loopback ports";
}
