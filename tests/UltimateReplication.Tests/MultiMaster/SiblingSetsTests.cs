using FsCheck.Xunit;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using UltimateReplication.MultiMaster;
using Xunit;

namespace UltimateReplication.Tests.MultiMaster;

/// <summary>
/// The merge of sibling sets, over histories of one key that replicas really produce (writes on top of what a replica
/// holds, syncs between replicas in any order): commutative, idempotent, and every delivery order ends in the same set.
/// </summary>
public sealed class SiblingSetsTests
{
    private const string Key = "k";

    [Property(MaxTest = 300)]
    public bool Merging_with_the_built_in_rule_converges_in_any_order(int seed) => Converges(null, seed);

    [Property(MaxTest = 300)]
    public bool Merging_with_last_writer_wins_converges_in_any_order(int seed) => Converges(Resolver("conflict/last-writer-wins"), seed);

    [Property(MaxTest = 300)]
    public bool Merging_with_vector_clock_siblings_converges_in_any_order(int seed) => Converges(Resolver("conflict/vector-clock"), seed);

    [Fact]
    public void Resolving_by_arrival_order_is_caught_by_the_same_law() =>
        Assert.Contains(Enumerable.Range(0, 200), seed => !Converges(null, seed, Reconciliation.FirstArrivalWins));

    [Fact]
    public void A_write_on_top_of_siblings_supersedes_them_and_the_built_in_rule_picks_the_latest()
    {
        var a = Write(null, 1, 1, "a");
        var b = Write(null, 2, 1, "b");
        var siblings = SiblingSets.Merge(Key, a, b, Resolver("conflict/vector-clock"), Reconciliation.Resolve);
        Assert.Equal(2, siblings.Length);
        Assert.Equal("b", Text(SiblingSets.Latest(siblings))); // equal timestamps: the greater replica id
        var c = Write(siblings, 3, 2, "c");
        Assert.Equal(["c"], SiblingSets.Merge(Key, siblings, c, Resolver("conflict/vector-clock"), Reconciliation.Resolve).Select(Text));

        var resolved = Assert.Single(SiblingSets.Merge(Key, a, b, null, Reconciliation.Resolve));
        Assert.Equal("b", Text(resolved));
        Assert.Equal(SiblingSets.Seen([.. a, .. b]), resolved.Clock); // the winner has seen both: it supersedes either alone
        Assert.Equal(["a"], SiblingSets.Merge(Key, a, b, null, Reconciliation.FirstArrivalWins).Select(Text));
    }

    private static bool Converges(IConflictResolver? resolver, int seed, Reconciliation how = Reconciliation.Resolve)
    {
        var random = new Random(seed);
        const int replicas = 3;
        var states = new KeyVersion[]?[replicas];
        var lamport = new long[replicas];
        for (var step = random.Next(1, 16); step > 0; step--)
        {
            var r = random.Next(replicas);
            var from = random.Next(replicas);
            if (random.Next(3) > 0 || states[from] is null)
            {
                lamport[r]++;
                states[r] = Write(states[r], r + 1, lamport[r], random.Next(3) == 0 ? null : $"v{step}");
            }
            else
            {
                states[r] = SiblingSets.Merge(Key, states[r], states[from]!, resolver, how);
                lamport[r] = Math.Max(lamport[r], states[from]!.Max(v => v.Timestamp));
            }
        }

        var held = states.Where(s => s is not null).Select(s => s!).ToList();
        foreach (var s in held)
        {
            if (!Same(SiblingSets.Merge(Key, s, s, resolver, how), s))
            {
                return false;
            }
        }

        if (held.Count >= 2 && !Same(
            SiblingSets.Merge(Key, held[0], held[1], resolver, how),
            SiblingSets.Merge(Key, held[1], held[0], resolver, how)))
        {
            return false;
        }

        var first = Fold(held, resolver, how);
        var shuffled = held.ToArray();
        random.Shuffle(shuffled);
        return Same(first, Fold(shuffled, resolver, how));
    }

    private static KeyVersion[] Fold(IEnumerable<KeyVersion[]> states, IConflictResolver? resolver, Reconciliation how) =>
        states.Aggregate(Array.Empty<KeyVersion>(), (acc, s) => SiblingSets.Merge(Key, acc, s, resolver, how));

    private static KeyVersion[] Write(KeyVersion[]? on, int replica, long timestamp, string? value) =>
        [new KeyVersion(new NodeId(replica), timestamp, SiblingSets.Seen(on).Increment(new NodeId(replica), out _), value is null ? null : System.Text.Encoding.UTF8.GetBytes(value))];

    private static bool Same(KeyVersion[] a, KeyVersion[] b) => SiblingSets.Bytes(a).AsSpan().SequenceEqual(SiblingSets.Bytes(b));

    private static string? Text(KeyVersion v) => v.Value is null ? null : System.Text.Encoding.UTF8.GetString(v.Value);

    private static IConflictResolver Resolver(string name) => ConflictStrategies.Instance.GetConflictResolver(name).Value;
}
