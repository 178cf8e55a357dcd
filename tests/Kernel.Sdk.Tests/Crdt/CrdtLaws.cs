using FsCheck.Xunit;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;

namespace Kernel.Sdk.Tests.Crdt;

/// <summary>
/// The laws every CRDT type keeps, checked through its byte-level face (<see cref="ICrdtType"/>) on states reached by
/// random histories: three replicas updating and exchanging states or deltas in a seeded random order. One subclass per
/// type. "Equal" is equal canonical bytes, so every law also checks that equal states encode alike.
/// </summary>
public abstract class CrdtLaws
{
    private static readonly NodeId[] Replicas = [new(1), new(2), new(3)];

    /// <summary>The type under test.</summary>
    protected abstract ICrdtType Type { get; }

    /// <summary>A random operation of the type.</summary>
    protected abstract string RandomOperation(Random random);

    [Property(MaxTest = 200)]
    public bool Merge_is_commutative(int seed)
    {
        var (random, pool) = Reach(seed);
        var a = Pick(random, pool);
        var b = Pick(random, pool);
        return Same(Type.Merge(a, b), Type.Merge(b, a));
    }

    [Property(MaxTest = 200)]
    public bool Merge_is_associative(int seed)
    {
        var (random, pool) = Reach(seed);
        var a = Pick(random, pool);
        var b = Pick(random, pool);
        var c = Pick(random, pool);
        return Same(Type.Merge(a, Type.Merge(b, c)), Type.Merge(Type.Merge(a, b), c));
    }

    [Property(MaxTest = 200)]
    public bool Merge_is_idempotent_and_empty_is_its_identity(int seed)
    {
        var (random, pool) = Reach(seed);
        var a = Pick(random, pool);
        return Same(Type.Merge(a, a), a) && Same(Type.Merge(Type.Empty(), a), a) && Same(Type.Merge(a, Type.Empty()), a);
    }

    [Property(MaxTest = 200)]
    public bool Delta_merge_equals_full_merge(int seed)
    {
        var (random, pool) = Reach(seed);
        var i = random.Next(Replicas.Length);
        var x = pool[i];
        var y = Type.Merge(Pick(random, pool), x); // any replica that has seen x
        var update = Type.Update(x, Replicas[i], RandomOperation(random));
        return Same(Type.MergeDelta(x, update.Delta), update.State)
            && Same(Type.MergeDelta(y, update.Delta), Type.Merge(y, update.State));
    }

    [Property(MaxTest = 200)]
    public bool A_delta_group_merges_like_its_deltas_one_by_one(int seed)
    {
        var (random, pool) = Reach(seed);
        var i = random.Next(Replicas.Length);
        var x = pool[i];
        var y = Type.Merge(Pick(random, pool), x);
        var first = Type.Update(x, Replicas[i], RandomOperation(random));
        var second = Type.Update(first.State, Replicas[i], RandomOperation(random));
        var group = Type.MergeDeltas(first.Delta, second.Delta);
        return Same(Type.MergeDelta(x, group), second.State)
            && Same(Type.MergeDelta(y, group), Type.MergeDelta(Type.MergeDelta(y, first.Delta), second.Delta));
    }

    [Property(MaxTest = 100)]
    public bool Replicas_that_have_seen_the_same_updates_hold_the_same_bytes(int seed)
    {
        var (random, pool) = Reach(seed);
        var states = pool.Take(Replicas.Length).ToArray();

        // Everyone merges everyone's state, each in its own random order.
        var synced = states.Select(_ => states.OrderBy(_ => random.Next()).Aggregate(Type.Empty(), (x, y) => Type.Merge(x, y))).ToArray();
        return synced.All(s => Same(s, synced[0])) && synced.All(s => Type.Read(s) == Type.Read(synced[0]));
    }

    [Fact]
    public void Malformed_states_and_operations_are_refused_with_a_format_error()
    {
        Assert.Throws<FormatException>(() => Type.Merge([0xFF], Type.Empty()));
        Assert.Throws<FormatException>(() => Type.Merge([.. Type.Empty(), 0], Type.Empty()));
        Assert.Throws<FormatException>(() => Type.Update(Type.Empty(), Replicas[0], "frobnicate"));
    }

    /// <summary>States reached by a random history; the first three are the replicas' current states.</summary>
    protected (Random Random, List<byte[]> Pool) Reach(int seed)
    {
        var random = new Random(seed);
        var replicas = Replicas.Select(_ => Type.Empty()).ToArray();
        var seen = new List<byte[]>();
        var steps = random.Next(1, 25);
        for (var step = 0; step < steps; step++)
        {
            var i = random.Next(replicas.Length);
            var j = random.Next(replicas.Length);
            switch (random.Next(3))
            {
                case 0 or 1:
                    var update = Type.Update(replicas[i], Replicas[i], RandomOperation(random));
                    replicas[i] = update.State;

                    // The delta reaches another replica too, sometimes.
                    if (random.Next(2) == 0 && j != i)
                    {
                        replicas[j] = Type.MergeDelta(replicas[j], update.Delta);
                    }

                    break;
                default:
                    replicas[i] = Type.Merge(replicas[i], replicas[j]);
                    break;
            }

            seen.Add(replicas[i]);
        }

        return (random, [.. replicas, .. seen]);
    }

    private static byte[] Pick(Random random, List<byte[]> pool) => pool[random.Next(pool.Count)];

    private static bool Same(byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b);
}
