using FsCheck.Xunit;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Tests.Crdt;

namespace UltimateConflict.Tests.Crdt;

/// <summary>One update of a convergence run: who made it, what it was, and the updates its replica had seen by then.</summary>
/// <param name="Id">The update's number in the run.</param>
/// <param name="Replica">The replica that made it.</param>
/// <param name="Operation">The operation text.</param>
/// <param name="Observed">The updates its replica had seen (merged or made) before it.</param>
public sealed record Event(int Id, NodeId Replica, string Operation, IReadOnlySet<int> Observed);

/// <summary>
/// The properties every CRDT of the plugin keeps, on top of the SDK's laws (<see cref="CrdtLaws"/>: commutative,
/// associative, idempotent merge, delta merge equals full merge, canonical bytes): merge is inflationary, updates are
/// monotone, and N replicas with random updates and random gossip (deltas dropped, duplicated and reordered, full states
/// exchanged) converge to one state whose value is the sequential specification's (<see cref="Spec"/>) over the updates
/// and what each had seen, as riak_dt's crdt_statem_eqc checks each type against a model.
/// </summary>
public abstract class CrdtProperties : CrdtLaws
{
    /// <summary>A random operation, for a suite over another implementation (<see cref="BrokenVariantTests"/>).</summary>
    internal string Operation(Random random) => RandomOperation(random);

    /// <summary>The specification, for a suite over another implementation.</summary>
    internal string? Specification(IReadOnlyList<Event> events) => Spec(events);

    /// <summary>
    /// What the merged replicas must read after <paramref name="events"/>: the specification, computed from the updates
    /// and what each had seen, never from the type's states. Null when the type has no model here.
    /// </summary>
    protected abstract string? Spec(IReadOnlyList<Event> events);

    [Property(MaxTest = 200)]
    public bool Merge_is_inflationary(int seed)
    {
        var (random, pool) = Reach(seed);
        var a = pool[random.Next(pool.Count)];
        var b = pool[random.Next(pool.Count)];
        var joined = Type.Merge(a, b);
        return Same(Type.Merge(joined, a), joined) && Same(Type.Merge(joined, b), joined);
    }

    [Property(MaxTest = 200)]
    public bool Updates_are_monotone(int seed)
    {
        var (random, pool) = Reach(seed);
        var i = random.Next(3);
        var update = Type.Update(pool[i], new NodeId(i + 1), RandomOperation(random));
        return Same(Type.Merge(update.State, pool[i]), update.State) && Same(Type.Merge(pool[i], update.State), update.State);
    }

    [Property(MaxTest = 200)]
    public bool Encoding_starts_with_its_version_and_a_later_version_is_refused(int seed)
    {
        var (random, pool) = Reach(seed);
        var state = pool[random.Next(pool.Count)];
        var later = (byte[])state.Clone();
        later[0] = 2;
        return state[0] == 1 && Throws(() => Type.Read(later));
    }

    [Property(MaxTest = 300)]
    public bool A_damaged_state_is_refused_with_a_format_error_or_read(int seed)
    {
        // Malformed input is a FormatException, never another exception: truncated, bytes changed, bytes appended.
        var (random, pool) = Reach(seed);
        var bytes = (byte[])pool[random.Next(pool.Count)].Clone();
        bytes = random.Next(3) switch
        {
            0 => bytes[..random.Next(bytes.Length)],
            1 => [.. bytes, (byte)random.Next(256)],
            _ => bytes,
        };
        for (var i = random.Next(1, 4); i > 0 && bytes.Length > 1; i--)
        {
            bytes[random.Next(1, bytes.Length)] = (byte)random.Next(256);
        }

        try
        {
            _ = Type.Read(Type.Merge(bytes, pool[0]));
            _ = Type.Read(Type.MergeDelta(pool[0], bytes));
        }
        catch (FormatException)
        {
        }

        return true;
    }

    [Property(MaxTest = 150)]
    public bool Replicas_converge_to_the_sequential_specification(int seed) => Converges(seed, out _);

    /// <summary>
    /// One convergence run: 2 to 5 replicas make random updates; each update's delta goes to random replicas over a network
    /// that drops, duplicates and reorders (a delta is merged only when its receiver has seen what its maker had, as delta
    /// anti-entropy does; the others wait or are lost); full states are exchanged now and then; at the end every replica
    /// merges every other's state. True when all hold the same bytes and read the specification's value.
    /// </summary>
    internal bool Converges(int seed, out string detail)
    {
        var random = new Random(seed);
        var n = random.Next(2, 6);
        var ids = Enumerable.Range(1, n).Select(i => new NodeId(i)).ToArray();
        var states = ids.Select(_ => Type.Empty()).ToArray();
        var known = ids.Select(_ => new HashSet<int>()).ToArray();
        var events = new List<Event>();
        var network = new List<(int To, byte[] Delta, int Event, HashSet<int> Needs)>();
        for (var step = random.Next(1, 60); step > 0; step--)
        {
            var i = random.Next(n);
            switch (random.Next(10))
            {
                case < 5:
                    var operation = RandomOperation(random);
                    var update = Type.Update(states[i], ids[i], operation);
                    var id = events.Count;
                    events.Add(new Event(id, ids[i], operation, new HashSet<int>(known[i])));
                    var needs = new HashSet<int>(known[i]);
                    states[i] = update.State;
                    known[i].Add(id);
                    for (var j = 0; j < n; j++)
                    {
                        if (j != i && random.Next(3) > 0)
                        {
                            network.Add((j, update.Delta, id, needs));
                        }
                    }

                    break;
                case < 8 when network.Count > 0:
                    var at = random.Next(network.Count);
                    var message = network[at];
                    if (random.Next(4) > 0)
                    {
                        network.RemoveAt(at); // delivered once, or lost; otherwise it is delivered again later
                    }

                    if (random.Next(6) > 0 && known[message.To].IsSupersetOf(message.Needs))
                    {
                        states[message.To] = Type.MergeDelta(states[message.To], message.Delta);
                        known[message.To].Add(message.Event);
                    }

                    break;
                default:
                    var to = random.Next(n);
                    states[to] = Type.Merge(states[to], states[i]);
                    known[to].UnionWith(known[i]);
                    break;
            }
        }

        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < n; i++)
            {
                var next = (i + 1) % n;
                states[next] = Type.Merge(states[next], states[i]);
            }
        }

        var expected = Spec(events);
        var read = Type.Read(states[0]);
        detail = $"read {read}, specification {expected ?? "(none)"}, {events.Count} updates";
        return states.All(s => Same(s, states[0])) && (expected is null || read == expected);
    }

    /// <summary>The events that no other event of <paramref name="events"/> has seen (the concurrent latest ones).</summary>
    protected static IEnumerable<Event> Maximal(IEnumerable<Event> events)
    {
        var list = events.ToList();
        return list.Where(e => !list.Any(other => other.Observed.Contains(e.Id)));
    }

    /// <summary>The argument after the verb.</summary>
    protected static string Argument(Event e) => e.Operation[(e.Operation.IndexOf(' ', StringComparison.Ordinal) + 1)..];

    /// <summary>Reads as the plugin's sets do: <c>[a, b]</c>, sorted by ordinal.</summary>
    protected static string SetText(IEnumerable<string> elements) => "[" + string.Join(", ", elements.Distinct().Order(StringComparer.Ordinal)) + "]";

    /// <summary>Byte equality.</summary>
    protected static bool Same(byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b);

    private static bool Throws(Action action)
    {
        try
        {
            action();
            return false;
        }
        catch (FormatException)
        {
            return true;
        }
    }
}
