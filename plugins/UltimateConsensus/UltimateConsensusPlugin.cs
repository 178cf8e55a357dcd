using Kernel.Sdk.Plugins;

namespace UltimateConsensus;

/// <summary>The UltimateConsensus plugin: registers its consensus strategies (<c>consensus/raft</c>, <c>consensus/zab</c>).</summary>
public sealed class UltimateConsensusPlugin : IPlugin
{
    /// <inheritdoc />
    public void Register(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Strategies.Add(new RaftStrategy());
        context.Strategies.Add(new ZabStrategy());
    }
}
