using Kernel.Sdk.Plugins;
using UltimateReplication.Async;
using UltimateReplication.Crdt;
using UltimateReplication.Delta;
using UltimateReplication.MultiMaster;
using UltimateReplication.RealTime;
using UltimateReplication.SyncQuorum;

namespace UltimateReplication;

/// <summary>The UltimateReplication plugin: registers its <c>replication/...</c> strategies.</summary>
public sealed class UltimateReplicationPlugin : IPlugin
{
    /// <inheritdoc />
    public void Register(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Strategies.Add(new SyncQuorumStrategy());
        context.Strategies.Add(new AsyncStrategy());
        context.Strategies.Add(new MultiMasterStrategy());
        context.Strategies.Add(new RealTimeStrategy());
        context.Strategies.Add(new DeltaStrategy());
        context.Strategies.Add(new CrdtStrategy());
    }
}
