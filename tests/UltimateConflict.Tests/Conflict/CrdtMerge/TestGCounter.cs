using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;

namespace UltimateConflict.Tests.Conflict.CrdtMerge;

/// <summary>A test-local grow-only counter (per-replica counts joined by maximum), the CRDT crdt-merge is tested with.</summary>
internal sealed class TestGCounter : IDeltaReplicatedData<TestGCounter, TestGCounter>
{
    private TestGCounter(VersionVector counts) => Counts = counts;

    public static TestGCounter Empty { get; } = new(VersionVector.Empty);

    public VersionVector Counts { get; }

    public static TestGCounter Of(params (int Replica, long Count)[] counts) =>
        new(VersionVector.From(counts.Select(c => new KeyValuePair<NodeId, long>(new NodeId(c.Replica), c.Count))));

    public TestGCounter Merge(TestGCounter other) => new(Counts.Merge(other.Counts));

    public TestGCounter MergeDelta(TestGCounter delta) => Merge(delta);

    public void Encode(CrdtWriter writer) => Counts.Encode(writer);

    public static TestGCounter Decode(ref CrdtReader reader) => new(VersionVector.Decode(ref reader));

    public byte[] ToBytes() => CrdtType<TestGCounter, TestGCounter>.Encode(this);
}

/// <summary>The byte face of <see cref="TestGCounter"/>: operation <c>inc</c>; read as the sum.</summary>
internal sealed class TestGCounterType : CrdtType<TestGCounter, TestGCounter>
{
    protected override TestGCounter Mutate(TestGCounter state, NodeId replica, string operation) =>
        operation == "inc" ? TestGCounter.Of((replica.Value, state.Counts[replica] + 1)) : throw new FormatException("operations: inc");

    protected override string Read(TestGCounter state) => state.Counts.Entries.Sum(e => e.Value).ToString(CultureInfo.InvariantCulture);

}
