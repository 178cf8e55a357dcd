using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Consensus;

/// <summary>
/// Optional, for consensus strategies: how soon the strategy promises to serve again once every fault has healed. A
/// verifier holds it to that: after the network heals and every node is up, the cluster must elect a leader and complete
/// client operations within <see cref="RecoveryTicks"/> ticks, or the run is a <c>liveness</c> violation. A bug that
/// keeps safety but disrupts the cluster (a pre-vote that bumps the real term, a leader that steps down too eagerly)
/// shows there.
/// </summary>
public interface IRecoveryBound
{
    /// <summary>The ticks within which a cluster running <paramref name="options"/> recovers, stated as a multiple of its election timeout.</summary>
    long RecoveryTicks(IConfiguration options);
}
