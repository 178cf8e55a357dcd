using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Causal;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Registers;

/// <summary>
/// A multi-value register (Dynamo's, riak_dt's mvreg): each write has a dot and overwrites the writes it saw; writes
/// made concurrently are all kept, and a reader sees every one of them (sorted) until a write that saw them replaces them.
/// </summary>
internal sealed class MvStore : IDotStore<MvStore>
{
    private readonly (Dot Dot, string Value)[] _writes;

    private MvStore((Dot Dot, string Value)[] writes) => _writes = writes;

    public static MvStore Bottom { get; } = new([]);

    public static string TypeName => "mv-register";

    public FieldKind Kind => FieldKind.Register;

    public bool IsBottom => _writes.Length == 0;

    /// <summary>The values of the concurrent writes, sorted (ordinal) and distinct.</summary>
    public IEnumerable<string> Values => _writes.Select(w => w.Value).Distinct().Order(StringComparer.Ordinal);

    public MvStore Join(MvStore other, CausalContext mine, CausalContext theirs)
    {
        if (ReferenceEquals(this, other))
        {
            return this;
        }

        var kept = _writes.Where(w => other._writes.Contains(w) || !theirs.Contains(w.Dot))
            .Concat(other._writes.Where(w => !mine.Contains(w.Dot)))
            .OrderBy(w => w.Dot)
            .ToArray();
        return kept.AsSpan().SequenceEqual(_writes) ? this : new MvStore(kept);
    }

    public IDotStore JoinStore(IDotStore other, CausalContext mine, CausalContext theirs) => Join((MvStore)other, mine, theirs);

    public bool SameAs(IDotStore other) => _writes.AsSpan().SequenceEqual(((MvStore)other)._writes);

    public IDotStore MapDots(Func<Dot, Dot?> map) =>
        new MvStore([.. _writes.Select(w => map(w.Dot) is { } dot ? (dot, w.Value) : ((Dot, string)?)null).OfType<(Dot Dot, string Value)>().OrderBy(w => w.Dot)]);

    public void CollectDots(List<Dot> into) => into.AddRange(_writes.Select(w => w.Dot));

    public IDotStore MutateStore(CausalContext context, NodeId replica, string operation, CausalSettings settings, int depth, List<Dot> seen)
    {
        if (Operation.Verb(operation, out var value) != "set" || value.Length == 0)
        {
            throw Operation.Unknown(settings.Type, operation, "set VALUE");
        }

        CrdtFormat.CheckSize(value, settings.MaxKeyBytes, "The value", settings.SizeOption);
        CollectDots(seen);
        var dot = context.Next(replica);
        seen.Add(dot);
        return new MvStore([(dot, value)]);
    }

    public string Read(CausalSettings settings) => "[" + string.Join(", ", Values) + "]";

    public void EncodeStore(CrdtWriter writer)
    {
        writer.WriteCount(_writes.Length);
        foreach (var (dot, value) in _writes)
        {
            writer.WriteDot(dot);
            writer.WriteString(value);
        }
    }

    public static MvStore DecodeStore(ref CrdtReader reader, CausalContext context, int depth)
    {
        var writes = new (Dot Dot, string Value)[reader.ReadCount(reader.Remaining)];
        for (var i = 0; i < writes.Length; i++)
        {
            var dot = reader.ReadDot();
            if ((i > 0 && writes[i - 1].Dot.CompareTo(dot) >= 0) || !context.Contains(dot))
            {
                throw new FormatException("crdt/mv-register state has writes whose dots are not sorted, unique and in its causal context.");
            }

            writes[i] = (dot, reader.ReadString());
        }

        return writes.Length == 0 ? Bottom : new MvStore(writes);
    }
}
