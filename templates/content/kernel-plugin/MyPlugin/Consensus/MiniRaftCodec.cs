using System.Buffers;
using System.Buffers.Binary;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace MyPlugin;

internal enum MiniRaftMessageType : byte
{
    Vote = 1,
    VoteReply = 2,
    Append = 3,
    AppendReply = 4,
    InstallSnapshot = 5,
}

/// <summary>Every mini-raft message in one record: which fields matter depends on <see cref="Type"/>.</summary>
internal sealed record MiniRaftMessage(MiniRaftMessageType Type, NodeId From, NodeId To, long Term) : IProtocolMessage
{
    /// <summary>Vote: candidate's last index. Append: previous index. Reply: match index (success) or hint (reject).</summary>
    public long Index { get; init; }

    /// <summary>Vote: candidate's last term. Append: previous term.</summary>
    public long LogTerm { get; init; }

    /// <summary>Append: leader commit.</summary>
    public long Commit { get; init; }

    /// <summary>Vote reply: granted. Append reply: success.</summary>
    public bool Success { get; init; }

    /// <summary>Heartbeat round a leader uses to confirm reads; echoed in replies.</summary>
    public long ReadRound { get; init; }

    public IReadOnlyList<LogEntry> Entries { get; init; } = [];

    public Snapshot? Snapshot { get; init; }

    public override string ToString() =>
        $"{Type} {From}->{To} t{Term} i{Index} lt{LogTerm} c{Commit} ok={Success} r{ReadRound} entries={Entries.Count}{(Snapshot is null ? "" : " snap@" + Snapshot.Index)}";
}

internal sealed class MiniRaftCodec : IMessageCodec
{
    public static MiniRaftCodec Instance { get; } = new();

    public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
    {
        var m = (MiniRaftMessage)message;
        var head = output.GetSpan(62);
        head[0] = (byte)m.Type;
        BinaryPrimitives.WriteInt32LittleEndian(head[1..], m.From.Value);
        BinaryPrimitives.WriteInt32LittleEndian(head[5..], m.To.Value);
        BinaryPrimitives.WriteInt64LittleEndian(head[9..], m.Term);
        BinaryPrimitives.WriteInt64LittleEndian(head[17..], m.Index);
        BinaryPrimitives.WriteInt64LittleEndian(head[25..], m.LogTerm);
        BinaryPrimitives.WriteInt64LittleEndian(head[33..], m.Commit);
        head[41] = m.Success ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(head[42..], m.ReadRound);
        BinaryPrimitives.WriteInt32LittleEndian(head[50..], m.Entries.Count);
        head[54] = m.Snapshot is null ? (byte)0 : (byte)1;
        output.Advance(55);
        foreach (var e in m.Entries)
        {
            WriteEntry(output, e);
        }

        if (m.Snapshot is { } s)
        {
            WriteSnapshot(output, s);
        }
    }

    public IProtocolMessage Decode(ReadOnlySpan<byte> input)
    {
        if (input.Length < 55 || input[0] is < 1 or > 5)
        {
            throw new FormatException("Not a mini-raft message.");
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(input[50..]);
        if (count < 0 || count > input.Length)
        {
            throw new FormatException("Bad entry count.");
        }

        var offset = 55;
        var entries = new LogEntry[count];
        for (var i = 0; i < count; i++)
        {
            entries[i] = ReadEntry(input, ref offset);
        }

        Snapshot? snapshot = null;
        if (input[54] == 1)
        {
            snapshot = ReadSnapshot(input[offset..]);
        }

        return new MiniRaftMessage((MiniRaftMessageType)input[0], new NodeId(BinaryPrimitives.ReadInt32LittleEndian(input[1..])),
            new NodeId(BinaryPrimitives.ReadInt32LittleEndian(input[5..])), BinaryPrimitives.ReadInt64LittleEndian(input[9..]))
        {
            Index = BinaryPrimitives.ReadInt64LittleEndian(input[17..]),
            LogTerm = BinaryPrimitives.ReadInt64LittleEndian(input[25..]),
            Commit = BinaryPrimitives.ReadInt64LittleEndian(input[33..]),
            Success = input[41] == 1,
            ReadRound = BinaryPrimitives.ReadInt64LittleEndian(input[42..]),
            Entries = entries,
            Snapshot = snapshot,
        };
    }

    public static void WriteEntry(IBufferWriter<byte> output, LogEntry e)
    {
        var span = output.GetSpan(21 + e.Data.Length);
        BinaryPrimitives.WriteInt64LittleEndian(span, e.Index);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], e.Term);
        span[16] = (byte)e.Kind;
        BinaryPrimitives.WriteInt32LittleEndian(span[17..], e.Data.Length);
        e.Data.Span.CopyTo(span[21..]);
        output.Advance(21 + e.Data.Length);
    }

    public static LogEntry ReadEntry(ReadOnlySpan<byte> input, ref int offset)
    {
        if (input.Length - offset < 21)
        {
            throw new FormatException("Truncated entry.");
        }

        var s = input[offset..];
        var len = BinaryPrimitives.ReadInt32LittleEndian(s[17..]);
        if (len < 0 || len > s.Length - 21)
        {
            throw new FormatException("Truncated entry data.");
        }

        var e = new LogEntry(BinaryPrimitives.ReadInt64LittleEndian(s), BinaryPrimitives.ReadInt64LittleEndian(s[8..]), (EntryKind)s[16], s.Slice(21, len).ToArray());
        offset += 21 + len;
        return e;
    }

    public static void WriteSnapshot(IBufferWriter<byte> output, Snapshot s)
    {
        var membership = s.Membership.Encode();
        var span = output.GetSpan(24 + membership.Length + s.Data.Length);
        BinaryPrimitives.WriteInt64LittleEndian(span, s.Index);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], s.Term);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], membership.Length);
        membership.CopyTo(span[20..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[(20 + membership.Length)..], s.Data.Length);
        s.Data.Span.CopyTo(span[(24 + membership.Length)..]);
        output.Advance(24 + membership.Length + s.Data.Length);
    }

    public static Snapshot ReadSnapshot(ReadOnlySpan<byte> s)
    {
        if (s.Length < 24)
        {
            throw new FormatException("Truncated snapshot.");
        }

        var ml = BinaryPrimitives.ReadInt32LittleEndian(s[16..]);
        if (ml < 0 || ml > s.Length - 24)
        {
            throw new FormatException("Bad snapshot membership.");
        }

        var membership = Membership.Decode(s.Slice(20, ml));
        var dl = BinaryPrimitives.ReadInt32LittleEndian(s[(20 + ml)..]);
        if (dl < 0 || dl > s.Length - 24 - ml)
        {
            throw new FormatException("Bad snapshot data.");
        }

        return new Snapshot(BinaryPrimitives.ReadInt64LittleEndian(s), BinaryPrimitives.ReadInt64LittleEndian(s[8..]), membership, s.Slice(24 + ml, dl).ToArray());
    }
}
