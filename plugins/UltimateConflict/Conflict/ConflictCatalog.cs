using Kernel.Sdk.Strategies;

namespace UltimateConflict.Conflict;

/// <summary>The plugin's conflict resolution strategies (<c>conflict/...</c>), registered in one place.</summary>
internal static class ConflictCatalog
{
    /// <summary>Registers every strategy of this folder.</summary>
    public static void Register(IStrategyRegistrar registrar)
    {
        ArgumentNullException.ThrowIfNull(registrar);
    }
}
