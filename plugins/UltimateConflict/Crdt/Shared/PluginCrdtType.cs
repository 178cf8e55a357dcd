using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;

namespace UltimateConflict.Crdt.Shared;

/// <summary>
/// The byte-level face of one of this plugin's types: its typed delta mutator and reading, with a number that would pass
/// 64 bits (a count, a clock) reported as the <see cref="FormatException"/> the contract promises, never an overflow.
/// </summary>
/// <typeparam name="T">The state type.</typeparam>
/// <typeparam name="TDelta">The delta type.</typeparam>
internal abstract class PluginCrdtType<T, TDelta> : CrdtType<T, TDelta>
    where T : IDeltaReplicatedData<T, TDelta>
    where TDelta : IReplicatedData<TDelta>
{
    /// <summary>The strategy name, for errors.</summary>
    protected abstract string TypeName { get; }

    /// <summary>The typed delta mutator.</summary>
    public abstract TDelta Delta(T state, NodeId replica, string operation);

    /// <summary>The typed reading.</summary>
    public abstract string Value(T state);

    /// <inheritdoc />
    protected sealed override TDelta Mutate(T state, NodeId replica, string operation)
    {
        try
        {
            return Delta(state, replica, operation);
        }
        catch (OverflowException ex)
        {
            throw new FormatException($"crdt/{TypeName} operation '{operation}' takes a number of this state beyond 64 bits.", ex);
        }
    }

    /// <inheritdoc />
    protected sealed override string Read(T state)
    {
        try
        {
            return Value(state);
        }
        catch (OverflowException ex)
        {
            throw new FormatException($"crdt/{TypeName} state has a value beyond 64 bits.", ex);
        }
    }
}
