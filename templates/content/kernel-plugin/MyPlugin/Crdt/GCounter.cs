using System.Text;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace MyPlugin;

/// <summary>crdt/g-counter: a grow-only counter. Each replica counts its own increments; merge takes the maximum per replica; the value is the sum.</summary>
public sealed class GCounterType : ICrdtType
{
    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Crdt;

    /// <inheritdoc />
    public string Name => "g-counter";

    /// <inheritdoc />
    public string Description => "Grow-only counter: per-replica counts merged by maximum, read as their sum";

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options)
    {
        // The counter has no options: anything set is a mistake worth reporting.
        var reader = new OptionReader(options);
        reader.RejectUnknown();
        return reader.Errors;
    }

    /// <inheritdoc />
    public ICrdt Create(string replicaId) => new GCounter(replicaId);

    /// <inheritdoc />
    public ICrdt Decode(string replicaId, ReadOnlySpan<byte> state) => GCounter.Decode(replicaId, state);
}

/// <summary>A grow-only counter owned by one replica.</summary>
public sealed class GCounter : ICrdt
{
    private readonly SortedDictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>Creates an empty counter owned by <paramref name="replicaId"/>.</summary>
    public GCounter(string replicaId)
    {
        ArgumentException.ThrowIfNullOrEmpty(replicaId);
        ReplicaId = replicaId;
    }

    /// <summary>The replica whose increments this counter records.</summary>
    public string ReplicaId { get; }

    /// <summary>The count: the sum over every replica.</summary>
    public long Count => _counts.Values.Sum();

    /// <inheritdoc />
    public object? Value => Count;

    /// <summary>Adds <paramref name="amount"/> (not negative: the counter only grows) to this replica's count.</summary>
    public void Increment(long amount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        _counts[ReplicaId] = checked(_counts.GetValueOrDefault(ReplicaId) + amount);
    }

    /// <inheritdoc />
    public void Merge(ICrdt other)
    {
        if (other is not GCounter counter)
        {
            throw new ArgumentException($"A g-counter merges only with a g-counter, not {other?.GetType().Name ?? "null"}.", nameof(other));
        }

        foreach (var (replica, count) in counter._counts)
        {
            if (count > _counts.GetValueOrDefault(replica))
            {
                _counts[replica] = count;
            }
        }
    }

    /// <inheritdoc />
    public byte[] Encode()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(_counts.Count);
            foreach (var (replica, count) in _counts)
            {
                writer.Write(replica);
                writer.Write(count);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Reads what <see cref="Encode"/> wrote; throws <see cref="FormatException"/> on malformed input.</summary>
    public static GCounter Decode(string replicaId, ReadOnlySpan<byte> state)
    {
        var counter = new GCounter(replicaId);
        try
        {
            using var reader = new BinaryReader(new MemoryStream(state.ToArray()), Encoding.UTF8);
            var entries = reader.ReadInt32();
            if (entries < 0 || entries > state.Length)
            {
                throw new FormatException($"A g-counter state claims {entries} replicas.");
            }

            for (var i = 0; i < entries; i++)
            {
                var replica = reader.ReadString();
                var count = reader.ReadInt64();
                if (count < 0)
                {
                    throw new FormatException($"A g-counter state holds a negative count for {replica}.");
                }

                counter._counts[replica] = count;
            }

            if (reader.BaseStream.Position != state.Length)
            {
                throw new FormatException("A g-counter state has trailing bytes.");
            }
        }
        catch (EndOfStreamException ex)
        {
            throw new FormatException("A g-counter state is truncated.", ex);
        }

        return counter;
    }
}
