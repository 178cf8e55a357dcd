using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

using Kernel.Sdk.Cluster;

namespace UltimateConsensus.Pbft;

/// <summary>A SHA-256 digest (of a batch, a view-change message or the executed log) as four words, for cheap equality.</summary>
internal readonly record struct Digest(ulong A, ulong B, ulong C, ulong D)
{
    public static Digest Of(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(data, hash);
        return From(hash);
    }

    public static Digest From(ReadOnlySpan<byte> hash) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(hash),
        BinaryPrimitives.ReadUInt64LittleEndian(hash[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(hash[16..]),
        BinaryPrimitives.ReadUInt64LittleEndian(hash[24..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, A);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], B);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], C);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], D);
    }

    /// <summary>The chain step of the executed log: H(previous ‖ data).</summary>
    public Digest Chain(ReadOnlySpan<byte> data)
    {
        var buffer = new byte[32 + data.Length];
        Write(buffer);
        data.CopyTo(buffer.AsSpan(32));
        return Of(buffer);
    }

    public override string ToString() => A.ToString("x16", CultureInfo.InvariantCulture)[..8];
}

/// <summary>
/// A PBFT message. Every one is sent on one link and carries an HMAC-SHA256 over its body (<see cref="PbftCodec.Body"/>)
/// with the key the runtime hands in for that link (<see cref="Kernel.Sdk.Consensus.ILinkKeys"/>), so a replica cannot
/// speak for another, nor a message be moved to another link.
/// </summary>
internal abstract record PbftMessage(NodeId From, NodeId To) : IProtocolMessage
{
    /// <summary>The MAC of the body (empty when the runtime hands in no keys).</summary>
    public byte[] Mac { get; init; } = [];

    private protected abstract string Describe();

    public sealed override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{From.Value}->{To.Value} {Describe()}");
}

/// <summary>The primary assigns sequence number <paramref name="Seq"/> to a batch of client requests in a view.</summary>
internal sealed record PrePrepare(NodeId From, NodeId To, long View, long Seq, Batch Batch) : PbftMessage(From, To)
{
    private protected override string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"PrePrepare v={View} n={Seq} d={Batch.Digest} requests={Batch.Requests.Count}");
}

/// <summary>A backup accepted the primary's pre-prepare for (view, seq, digest).</summary>
internal sealed record Prepare(NodeId From, NodeId To, long View, long Seq, Digest Digest) : PbftMessage(From, To)
{
    private protected override string Describe() => string.Create(CultureInfo.InvariantCulture, $"Prepare v={View} n={Seq} d={Digest}");
}

/// <summary>The sender holds a prepared certificate for (view, seq, digest).</summary>
internal sealed record Commit(NodeId From, NodeId To, long View, long Seq, Digest Digest) : PbftMessage(From, To)
{
    private protected override string Describe() => string.Create(CultureInfo.InvariantCulture, $"Commit v={View} n={Seq} d={Digest}");
}

/// <summary>The sender executed through <paramref name="Seq"/>; its executed log then ends at <paramref name="Index"/> with chain hash <paramref name="State"/>.</summary>
internal sealed record Checkpoint(NodeId From, NodeId To, long Seq, long Index, Digest State) : PbftMessage(From, To)
{
    private protected override string Describe() => string.Create(CultureInfo.InvariantCulture, $"Checkpoint n={Seq} index={Index} state={State}");
}

/// <summary>A checkpoint as a view change reports it.</summary>
internal readonly record struct CheckpointClaim(long Seq, long Index, Digest State);

/// <summary>A prepared certificate the sender holds (P), with the batch so that a new primary can propose it again.</summary>
internal sealed record PreparedClaim(long Seq, long View, Batch Batch);

/// <summary>A pre-prepare the sender accepted (Q): the latest view in which it accepted this digest at this sequence number.</summary>
internal readonly record struct PrePreparedClaim(long Seq, long View, Digest Digest);

/// <summary>
/// The sender moves to <paramref name="View"/>. It reports its stable checkpoint, the checkpoints it holds above it (C),
/// its prepared certificates (P) and its accepted pre-prepares (Q) above the stable checkpoint, as in Castro and Liskov's
/// MAC-based view change (TOCS 2002, §4.5), so that no signature is needed to choose the requests of the new view.
/// </summary>
internal sealed record ViewChange(
    NodeId From, NodeId To, long View, CheckpointClaim Stable, IReadOnlyList<CheckpointClaim> Checkpoints,
    IReadOnlyList<PreparedClaim> Prepared, IReadOnlyList<PrePreparedClaim> PrePrepared) : PbftMessage(From, To)
{
    private protected override string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"ViewChange v={View} h={Stable.Seq} C={Checkpoints.Count} P=[{string.Join(",", Prepared.Select(p => $"{p.Seq}@{p.View}:{p.Batch.Digest}"))}] Q={PrePrepared.Count}");
}

/// <summary>
/// The sender received <paramref name="Sender"/>'s view change for <paramref name="View"/> with this digest, and tells the
/// new primary (TOCS 2002's view-change-ack): the primary decides only from view changes that 2f+1 replicas hold alike,
/// so a faulty replica that sent different view changes to different replicas cannot keep the new view from being checked.
/// </summary>
internal sealed record ViewChangeAck(NodeId From, NodeId To, long View, NodeId Sender, Digest Digest) : PbftMessage(From, To)
{
    private protected override string Describe() => string.Create(CultureInfo.InvariantCulture, $"ViewChangeAck v={View} of={Sender.Value} d={Digest}");
}

/// <summary>A view-change message the new primary used: its sender and the digest of its content.</summary>
internal readonly record struct ViewChangeRef(NodeId Sender, Digest Digest);

/// <summary>A sequence number of the new view and the batch chosen for it (empty: the null request).</summary>
internal sealed record Chosen(long Seq, Batch Batch);

/// <summary>
/// The new primary starts <paramref name="View"/>: the view changes it decided from (each backup checks them against
/// the ones it received from their senders and decides again) and the pre-prepares of the new view it derived.
/// </summary>
internal sealed record NewView(NodeId From, NodeId To, long View, IReadOnlyList<ViewChangeRef> Used, long StableSeq, IReadOnlyList<Chosen> Order)
    : PbftMessage(From, To)
{
    private protected override string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"NewView v={View} from=({string.Join(",", Used.Select(u => u.Sender.Value))}) h={StableSeq} O=[{string.Join(",", Order.Select(o => $"{o.Seq}:{o.Batch.Digest}"))}]");
}

/// <summary>A replica that is behind asks for the executed log from <paramref name="FromIndex"/>.</summary>
internal sealed record Fetch(NodeId From, NodeId To, long FromIndex) : PbftMessage(From, To)
{
    private protected override string Describe() => string.Create(CultureInfo.InvariantCulture, $"Fetch from={FromIndex}");
}

/// <summary>Executed log entries from <paramref name="FromIndex"/>, ending with a batch marker.</summary>
internal sealed record FetchReply(NodeId From, NodeId To, long FromIndex, IReadOnlyList<Kernel.Sdk.Consensus.LogEntry> Entries) : PbftMessage(From, To)
{
    private protected override string Describe() => string.Create(CultureInfo.InvariantCulture, $"FetchReply from={FromIndex} entries={Entries.Count}");
}

/// <summary>An ordered batch of client requests with its digest (SHA-256 of its encoding).</summary>
internal sealed class Batch
{
    public static Batch Empty { get; } = new([]);

    public Batch(IReadOnlyList<byte[]> requests)
    {
        Requests = requests;
        var size = 4;
        foreach (var r in requests)
        {
            size += 4 + r.Length;
        }

        var buffer = new byte[size];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, requests.Count);
        var offset = 4;
        foreach (var r in requests)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(offset), r.Length);
            r.CopyTo(buffer.AsSpan(offset + 4));
            offset += 4 + r.Length;
        }

        Digest = Digest.Of(buffer);
    }

    public IReadOnlyList<byte[]> Requests { get; }

    public Digest Digest { get; }

    public bool IsNull => Requests.Count == 0;
}
