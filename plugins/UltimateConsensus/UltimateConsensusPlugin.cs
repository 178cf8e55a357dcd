using Kernel.Sdk.Plugins;

namespace UltimateConsensus;

/// <summary>The UltimateConsensus plugin: registers its consensus strategies (<c>consensus/raft</c>, <c>consensus/multi-paxos</c>, <c>consensus/pbft</c>, <c>consensus/vr</c>, <c>consensus/zab</c>).</summary>
public sealed class UltimateConsensusPlugin : IPlugin
{
    /// <inheritdoc />
    public void Register(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Strategies.Add(new RaftStrategy());
        context.Strategies.Add(new MultiPaxosStrategy());
        context.Strategies.Add(new PbftStrategy());
        context.Strategies.Add(new VrStrategy());
        context.Strategies.Add(new ZabStrategy());
    }
}
