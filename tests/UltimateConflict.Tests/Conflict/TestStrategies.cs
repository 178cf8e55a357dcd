using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateConflict.Tests.Conflict;

/// <summary>
/// A resolver of strategies by name, as the kernel's would be: the plugin's own conflict strategies (each with empty
/// options under its own name), plus named instances and CRDT types a test adds.
/// </summary>
internal sealed class TestStrategies : IStrategyResolver
{
    private readonly Dictionary<string, Func<IConflictResolver>> _conflict = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ICrdtType> _crdt = new(StringComparer.Ordinal);

    public TestStrategies()
    {
        foreach (var strategy in ConflictStrategies.All)
        {
            Add(strategy.Name, strategy);
        }
    }

    public List<string> Resolved { get; } = [];

    /// <summary>Adds a conflict instance <paramref name="name"/> of <paramref name="strategy"/> with <paramref name="options"/>.</summary>
    public TestStrategies Add(string name, IConflictResolutionStrategy strategy, params (string Key, string Value)[] options)
    {
        _conflict["conflict/" + name] = () => strategy.Create(Context(name, options));
        return this;
    }

    /// <summary>Adds a conflict instance <paramref name="name"/> that is the given resolver.</summary>
    public TestStrategies Add(string name, IConflictResolver resolver)
    {
        _conflict["conflict/" + name] = () => resolver;
        return this;
    }

    public TestStrategies AddCrdt(string name, ICrdtType type)
    {
        _crdt["crdt/" + name] = type;
        return this;
    }

    /// <summary>An instance of <paramref name="strategy"/> named by its own name, with <paramref name="options"/>.</summary>
    public IConflictResolver Create(IConflictResolutionStrategy strategy, params (string Key, string Value)[] options) =>
        strategy.Create(Context(strategy.Name, options));

    public StrategyInstanceContext Context(string name, params (string Key, string Value)[] options) =>
        new() { Name = name, Options = Options(options), Strategies = this };

    public static IConfiguration Options(params (string Key, string Value)[] options) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(options.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value)))
            .Build();

    public StrategyLease<IConflictResolver> GetConflictResolver(string reference)
    {
        var key = reference.Contains('/', StringComparison.Ordinal) ? reference : "conflict/" + reference;
        Resolved.Add(key);
        return _conflict.TryGetValue(key, out var make)
            ? new StrategyLease<IConflictResolver>(make(), key, "test", null)
            : throw new StrategyResolutionException($"No {key}; known: {string.Join(", ", _conflict.Keys.Order(StringComparer.Ordinal))}");
    }

    public StrategyLease<ICrdtType> GetCrdtType(string reference)
    {
        var key = reference.Contains('/', StringComparison.Ordinal) ? reference : "crdt/" + reference;
        Resolved.Add(key);
        return _crdt.TryGetValue(key, out var type)
            ? new StrategyLease<ICrdtType>(type, key, "test", null)
            : throw new StrategyResolutionException($"No {key}; known: {string.Join(", ", _crdt.Keys.Order(StringComparer.Ordinal))}");
    }
}

/// <summary>The plugin's conflict strategies, registered through its catalogue into a list.</summary>
internal static class ConflictStrategies
{
    public static IReadOnlyList<IConflictResolutionStrategy> All { get; } = Registered();

    public static IConflictResolutionStrategy Named(string name) => All.Single(s => s.Name == name);

    private static List<IConflictResolutionStrategy> Registered()
    {
        var registrar = new RecordingRegistrar();
        UltimateConflict.Conflict.ConflictCatalog.Register(registrar);
        return [.. registrar.Added.Cast<IConflictResolutionStrategy>()];
    }
}

/// <summary>A registrar that records what is added.</summary>
internal sealed class RecordingRegistrar : IStrategyRegistrar
{
    public List<IStrategy> Added { get; } = [];

    public void Add(IStrategy strategy) => Added.Add(strategy);
}

/// <summary>Versions for tests: small ranges, so timestamps, replicas and values collide often.</summary>
internal static class TestVersions
{
    public static VersionedValue V(int replica, long timestamp, string value, params (int Replica, long Counter)[] clock) =>
        new(new NodeId(replica), System.Text.Encoding.UTF8.GetBytes(value), timestamp, Clock(clock));

    public static VersionVector Clock(params (int Replica, long Counter)[] clock) =>
        VersionVector.From(clock.Select(c => new KeyValuePair<NodeId, long>(new NodeId(c.Replica), c.Counter)));

    public static Kernel.Sdk.Conflict.Conflict Of(params VersionedValue[] versions) => new("k", versions, null);

    /// <summary>Two to six versions drawn from a seed: timestamps 0..3, replicas 1..4, three values, small clocks; some delivered twice.</summary>
    public static VersionedValue[] Random(Random random, Func<Random, string>? value = null)
    {
        value ??= r => ((char)('a' + r.Next(3))).ToString();
        var count = random.Next(2, 7);
        var versions = new List<VersionedValue>();
        for (var i = 0; i < count; i++)
        {
            if (versions.Count > 0 && random.Next(5) == 0)
            {
                var again = versions[random.Next(versions.Count)];
                versions.Add(again with { Value = again.Value.ToArray() }); // same content, other bytes
                continue;
            }

            var clock = Enumerable.Range(1, 3).Select(r => (r, (long)random.Next(3))).ToArray();
            versions.Add(V(random.Next(1, 5), random.Next(4), value(random), clock));
        }

        return [.. versions];
    }

    public static T[] Shuffled<T>(Random random, IReadOnlyList<T> items)
    {
        var copy = items.ToArray();
        random.Shuffle(copy);
        return copy;
    }

    /// <summary>A resolution as text (kept versions by content, in order, and the explanation): equal text, equal resolution.</summary>
    public static string Print(Resolution resolution) =>
        string.Join(" + ", resolution.Kept.Select(v => $"{v.Replica}@{v.Timestamp} {v.Clock} {Convert.ToHexString(v.Value.Span)}"))
        + " :: " + resolution.Explanation;
}
