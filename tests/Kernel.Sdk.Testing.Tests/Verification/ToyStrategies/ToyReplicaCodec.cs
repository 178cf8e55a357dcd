using System.Buffers;
using System.Text;
using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;

internal enum ToyReplicaMessageType : byte
{
    /// <summary>Last-writer-wins anti-entropy: versioned entries to merge.</summary>
    Gossip = 1,

    /// <summary>Primary-backup: a client request a backup forwards to the primary.</summary>
    Forward = 2,

    /// <summary>Primary-backup: the primary's result for a forwarded request.</summary>
    Reply = 3,

    /// <summary>Primary-backup: the primary's whole state at a version, for the backups.</summary>
    State = 4,
}

/// <summary>
/// A key's value (the model's bytes) with the version last-writer-wins orders it by: (timestamp, origin replica, value).
/// Encoded as a length-prefixed byte string, the same bytes a text value had when the toys kept text.
/// </summary>
internal sealed record ToyEntry(string Key, byte[] Value, long Timestamp, int Origin)
{
    /// <summary>True when this version wins over <paramref name="other"/>'s; the value breaks ties so the order is total.</summary>
    public bool Beats(ToyEntry? other)
    {
        if (other is null)
        {
            return true;
        }

        if (Timestamp != other.Timestamp)
        {
            return Timestamp > other.Timestamp;
        }

        return Origin != other.Origin ? Origin > other.Origin : Value.AsSpan().SequenceCompareTo(other.Value) > 0;
    }
}

/// <summary>Every message of the replication toys in one record: which fields matter depends on <see cref="Type"/>.</summary>
internal sealed record ToyReplicaMessage(ToyReplicaMessageType Type, NodeId From, NodeId To) : IProtocolMessage
{
    public long RequestId { get; init; }

    public long Version { get; init; }

    public KvCommand? Command { get; init; }

    public KvResult? Result { get; init; }

    public IReadOnlyList<ToyEntry> Entries { get; init; } = [];

    public override string ToString() => $"{Type} {From}->{To} req {RequestId} v{Version} entries={Entries.Count}";
}

internal sealed class ToyReplicaCodec : IMessageCodec
{
    public static ToyReplicaCodec Instance { get; } = new();

    public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
    {
        var m = (ToyReplicaMessage)message;
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write((byte)m.Type);
            w.Write(m.From.Value);
            w.Write(m.To.Value);
            w.Write(m.RequestId);
            w.Write(m.Version);
            w.Write(m.Command is not null);
            if (m.Command is { } c)
            {
                w.Write((byte)c.Op);
                w.Write(c.Key);
                WriteNullable(w, c.Value);
                WriteNullable(w, c.Expected);
            }

            w.Write(m.Result is not null);
            if (m.Result is { } r)
            {
                w.Write(r.Ok);
                WriteNullable(w, r.Value);
            }

            WriteEntries(w, m.Entries);
        }

        output.Write(stream.GetBuffer().AsSpan(0, (int)stream.Length));
    }

    public IProtocolMessage Decode(ReadOnlySpan<byte> input)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(input.ToArray()), Encoding.UTF8);
            var type = (ToyReplicaMessageType)r.ReadByte();
            if (type is < ToyReplicaMessageType.Gossip or > ToyReplicaMessageType.State)
            {
                throw new FormatException("Not a toy replica message.");
            }

            var from = new NodeId(r.ReadInt32());
            var to = new NodeId(r.ReadInt32());
            var requestId = r.ReadInt64();
            var version = r.ReadInt64();
            KvCommand? command = null;
            if (r.ReadBoolean())
            {
                command = new KvCommand((KvOp)r.ReadByte(), r.ReadString(), ReadNullable(r), ReadNullable(r));
            }

            KvResult? result = null;
            if (r.ReadBoolean())
            {
                result = new KvResult(r.ReadBoolean(), ReadNullable(r));
            }

            return new ToyReplicaMessage(type, from, to)
            {
                RequestId = requestId,
                Version = version,
                Command = command,
                Result = result,
                Entries = ReadEntries(r),
            };
        }
        catch (EndOfStreamException ex)
        {
            throw new FormatException("Truncated toy replica message.", ex);
        }
    }

    public static void WriteEntries(BinaryWriter w, IReadOnlyCollection<ToyEntry> entries)
    {
        w.Write(entries.Count);
        foreach (var e in entries)
        {
            w.Write(e.Key);
            WriteBytes(w, e.Value);
            w.Write(e.Timestamp);
            w.Write(e.Origin);
        }
    }

    public static List<ToyEntry> ReadEntries(BinaryReader r)
    {
        var count = r.ReadInt32();
        var entries = new List<ToyEntry>(Math.Min(count, 4096));
        for (var i = 0; i < count; i++)
        {
            entries.Add(new ToyEntry(r.ReadString(), ReadBytes(r), r.ReadInt64(), r.ReadInt32()));
        }

        return entries;
    }

    /// <summary>A length-prefixed byte string (7-bit encoded length, as BinaryWriter prefixes strings).</summary>
    public static void WriteBytes(BinaryWriter w, byte[] bytes)
    {
        w.Write7BitEncodedInt(bytes.Length);
        w.Write(bytes);
    }

    public static byte[] ReadBytes(BinaryReader r)
    {
        var n = r.Read7BitEncodedInt();
        var bytes = r.ReadBytes(n);
        return bytes.Length == n ? bytes : throw new EndOfStreamException();
    }

    private static void WriteNullable(BinaryWriter w, string? s)
    {
        w.Write(s is not null);
        w.Write(s ?? string.Empty);
    }

    private static string? ReadNullable(BinaryReader r)
    {
        var present = r.ReadBoolean();
        var s = r.ReadString();
        return present ? s : null;
    }
}
