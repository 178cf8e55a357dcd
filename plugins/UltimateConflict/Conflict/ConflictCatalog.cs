using Kernel.Sdk.Strategies;
using UltimateConflict.Conflict.CrdtMerge;
using UltimateConflict.Conflict.Custom;
using UltimateConflict.Conflict.Priority;
using UltimateConflict.Conflict.ThreeWay;
using UltimateConflict.Conflict.VectorClock;
using UltimateConflict.Conflict.WriterWins;

namespace UltimateConflict.Conflict;

/// <summary>The plugin's conflict resolution strategies (<c>conflict/...</c>), registered in one place.</summary>
internal static class ConflictCatalog
{
    /// <summary>Registers every strategy of this folder.</summary>
    public static void Register(IStrategyRegistrar registrar)
    {
        ArgumentNullException.ThrowIfNull(registrar);
        registrar.Add(WriterWinsStrategy.LastWriterWins);
        registrar.Add(WriterWinsStrategy.FirstWriterWins);
        registrar.Add(new VectorClockStrategy());
        registrar.Add(new CrdtMergeStrategy());
        registrar.Add(new ThreeWayMergeStrategy());
        registrar.Add(new PriorityStrategy());
        registrar.Add(new CustomStrategy());
    }
}
