using Kernel.Sdk.Strategies;

namespace UltimateConflict.Crdt;

/// <summary>The plugin's CRDT types (<c>crdt/...</c>), registered in one place.</summary>
internal static class CrdtCatalog
{
    /// <summary>Registers every strategy of this folder.</summary>
    public static void Register(IStrategyRegistrar registrar)
    {
        ArgumentNullException.ThrowIfNull(registrar);
    }
}
