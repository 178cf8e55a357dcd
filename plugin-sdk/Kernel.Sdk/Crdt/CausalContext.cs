namespace Kernel.Sdk.Crdt;

/// <summary>
/// The events a CRDT state has seen: a version vector for each replica's contiguous prefix, plus a cloud of dots seen
/// beyond it (a delta carries just the dots it adds, which are rarely contiguous). Immutable and always compact: a cloud
/// dot that extends the vector moves into it, so equal contexts have equal parts and equal encodings.
/// </summary>
public sealed class CausalContext : IEquatable<CausalContext>
{
    private readonly Dot[] _cloud;

    private CausalContext(VersionVector vector, Dot[] cloud)
    {
        Vector = vector;
        _cloud = cloud;
    }

    /// <summary>The context that has seen nothing.</summary>
    public static CausalContext Empty { get; } = new(VersionVector.Empty, []);

    /// <summary>Each replica's contiguous events, from 1.</summary>
    public VersionVector Vector { get; }

    /// <summary>Events seen beyond <see cref="Vector"/>, sorted.</summary>
    public IReadOnlyList<Dot> Cloud => _cloud;

    /// <summary>A context from a vector and extra dots, compacted.</summary>
    public static CausalContext From(VersionVector vector, IEnumerable<Dot> dots)
    {
        ArgumentNullException.ThrowIfNull(vector);
        ArgumentNullException.ThrowIfNull(dots);
        return Compact(vector, dots);
    }

    /// <summary>True when the context has seen <paramref name="dot"/>.</summary>
    public bool Contains(Dot dot) => Vector.Contains(dot) || Array.BinarySearch(_cloud, dot) >= 0;

    /// <summary>The dot of <paramref name="replica"/>'s next event, assuming the replica's own events are contiguous here.</summary>
    public Dot Next(Kernel.Sdk.Cluster.NodeId replica) => new(replica, checked(Vector[replica] + 1));

    /// <summary>The context with <paramref name="dot"/> seen.</summary>
    public CausalContext Add(Dot dot) => Contains(dot) ? this : Compact(Vector, _cloud.Append(dot));

    /// <summary>The context that has seen what both have seen.</summary>
    public CausalContext Merge(CausalContext other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Equals(Empty))
        {
            return this;
        }

        return Equals(Empty) ? other : Compact(Vector.Merge(other.Vector), _cloud.Concat(other._cloud));
    }

    /// <summary>Writes the canonical encoding: the vector, then the cloud in order.</summary>
    public void Encode(CrdtWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Vector.Encode(writer);
        writer.WriteCount(_cloud.Length);
        foreach (var dot in _cloud)
        {
            writer.WriteDot(dot);
        }
    }

    /// <summary>Reads what <see cref="Encode"/> wrote; a context that is not compact is malformed (not canonical).</summary>
    public static CausalContext Decode(ref CrdtReader reader)
    {
        var vector = VersionVector.Decode(ref reader);
        var count = (int)reader.ReadCount(reader.Remaining);
        var cloud = new Dot[count];
        for (var i = 0; i < count; i++)
        {
            cloud[i] = reader.ReadDot();
            if (cloud[i].Counter == 0)
            {
                throw new FormatException("Causal context has a dot with counter 0; counters start at 1.");
            }
        }

        var context = Compact(vector, cloud);
        if (!context._cloud.AsSpan().SequenceEqual(cloud))
        {
            throw new FormatException("Causal context is not compact (not canonical).");
        }

        return context;
    }

    /// <inheritdoc />
    public bool Equals(CausalContext? other) =>
        other is not null && Vector.Equals(other.Vector) && _cloud.AsSpan().SequenceEqual(other._cloud);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as CausalContext);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(Vector);
        foreach (var dot in _cloud)
        {
            hash.Add(dot);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => _cloud.Length == 0 ? Vector.ToString() : $"{Vector} + [{string.Join(", ", _cloud)}]";

    private static CausalContext Compact(VersionVector vector, IEnumerable<Dot> dots)
    {
        var pending = new SortedSet<Dot>();
        foreach (var dot in dots)
        {
            if (dot.Counter <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(dots), dot, "A dot's counter starts at 1.");
            }

            if (!vector.Contains(dot))
            {
                pending.Add(dot);
            }
        }

        // Sorted by replica then counter: a dot right after its replica's vector entry extends it.
        var cloud = new List<Dot>();
        foreach (var dot in pending)
        {
            if (dot.Counter == vector[dot.Replica] + 1)
            {
                vector = vector.With(dot.Replica, dot.Counter);
            }
            else
            {
                cloud.Add(dot);
            }
        }

        return new CausalContext(vector, [.. cloud]);
    }
}
