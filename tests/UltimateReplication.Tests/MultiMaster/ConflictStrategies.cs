using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Plugins;
using UltimateConflict;
using UltimateConflict.Conflict.VectorClock;
using UltimateConflict.Conflict.WriterWins;
using UltimateReplication.Tests.SyncQuorum;

namespace UltimateReplication.Tests.MultiMaster;

/// <summary>A resolver of strategies by name, as the kernel's would be, over UltimateConflict's real strategies and CRDT types (empty options).</summary>
internal sealed class ConflictStrategies : IStrategyResolver
{
    private readonly Dictionary<string, IConflictResolutionStrategy> _conflict = new(StringComparer.Ordinal)
    {
        ["conflict/last-writer-wins"] = WriterWinsStrategy.LastWriterWins,
        ["conflict/first-writer-wins"] = WriterWinsStrategy.FirstWriterWins,
        ["conflict/vector-clock"] = new VectorClockStrategy(),
    };

    public static ConflictStrategies Instance { get; } = new();

    public StrategyLease<IConflictResolver> GetConflictResolver(string reference)
    {
        var key = reference.Contains('/', StringComparison.Ordinal) ? reference : "conflict/" + reference;
        if (!_conflict.TryGetValue(key, out var strategy))
        {
            throw new StrategyResolutionException($"No {key}; known: {string.Join(", ", _conflict.Keys.Order(StringComparer.Ordinal))}");
        }

        var resolver = strategy.Create(new StrategyInstanceContext { Name = strategy.Name, Options = SyncQuorumVerifyTests.Options(), Strategies = this });
        return new StrategyLease<IConflictResolver>(resolver, key, "UltimateConflict", null);
    }

    private readonly Dictionary<string, ICrdtStrategy> _crdt = PluginProbe.Register(new UltimateConflictPlugin())
        .OfType<ICrdtStrategy>()
        .ToDictionary(s => "crdt/" + s.Name, StringComparer.Ordinal);

    public StrategyLease<ICrdtType> GetCrdtType(string reference)
    {
        var key = reference.Contains('/', StringComparison.Ordinal) ? reference : "crdt/" + reference;
        if (!_crdt.TryGetValue(key, out var strategy))
        {
            throw new StrategyResolutionException($"No {key}; known: {string.Join(", ", _crdt.Keys.Order(StringComparer.Ordinal))}");
        }

        var type = strategy.Create(new StrategyInstanceContext { Name = strategy.Name, Options = SyncQuorumVerifyTests.Options(), Strategies = this });
        return new StrategyLease<ICrdtType>(type, key, "UltimateConflict", null);
    }
}
