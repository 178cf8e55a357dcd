using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;

namespace Kernel.Sdk.Strategies;

/// <summary>
/// Makes configured instances of registered strategies by reference (<c>conflict/lww</c>, or a named instance such as
/// <c>conflict/lww-by-node</c>), whichever plugin registered them: plugins use each other's strategies only this way,
/// never by assembly. Each instance comes in a lease that holds the plugin that made it; dispose the lease when done.
/// An unknown reference throws <see cref="StrategyResolutionException"/> naming the ones that exist.
/// </summary>
public interface IStrategyResolver
{
    /// <summary>A resolver made by the conflict strategy or instance <paramref name="reference"/> (<c>conflict/NAME</c> or <c>NAME</c>).</summary>
    StrategyLease<IConflictResolver> GetConflictResolver(string reference);

    /// <summary>A CRDT type made by the CRDT strategy or instance <paramref name="reference"/> (<c>crdt/NAME</c> or <c>NAME</c>).</summary>
    StrategyLease<ICrdtType> GetCrdtType(string reference);
}
