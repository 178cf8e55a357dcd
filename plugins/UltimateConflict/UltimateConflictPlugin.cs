using Kernel.Sdk.Plugins;
using UltimateConflict.Conflict;
using UltimateConflict.Crdt;

namespace UltimateConflict;

/// <summary>The UltimateConflict plugin: registers its <c>crdt/...</c> types and <c>conflict/...</c> strategies.</summary>
public sealed class UltimateConflictPlugin : IPlugin
{
    /// <inheritdoc />
    public void Register(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        CrdtCatalog.Register(context.Strategies);
        ConflictCatalog.Register(context.Strategies);
    }
}
