using System.Buffers.Binary;
using System.Text;
using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>A client request as it travels through a replicated log: who sent it, its sequence number and the command.</summary>
internal readonly record struct KvRequest(long ClientId, long Seq, KvCommand Command)
{
    private const byte Magic = 0x4B; // 'K'

    public byte[] Encode()
    {
        var size = 1 + 8 + 8 + 1 + Size(Command.Key) + Size(Command.Value) + Size(Command.Expected);
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        span[0] = Magic;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], ClientId);
        BinaryPrimitives.WriteInt64LittleEndian(span[9..], Seq);
        span[17] = (byte)Command.Op;
        var offset = 18;
        Write(span, ref offset, Command.Key);
        Write(span, ref offset, Command.Value);
        Write(span, ref offset, Command.Expected);
        return buffer;
    }

    public static bool TryDecode(ReadOnlySpan<byte> data, out KvRequest request)
    {
        request = default;
        if (data.Length < 18 || data[0] != Magic || data[17] > (byte)KvOp.Cas)
        {
            return false;
        }

        var offset = 18;
        if (!TryRead(data, ref offset, out var key) || key is null
            || !TryRead(data, ref offset, out var value) || !TryRead(data, ref offset, out var expected) || offset != data.Length)
        {
            return false;
        }

        request = new KvRequest(
            BinaryPrimitives.ReadInt64LittleEndian(data[1..]),
            BinaryPrimitives.ReadInt64LittleEndian(data[9..]),
            new KvCommand((KvOp)data[17], key, value, expected));
        return true;
    }

    private static int Size(string? s) => 4 + (s is null ? 0 : Encoding.UTF8.GetByteCount(s));

    private static void Write(Span<byte> span, ref int offset, string? s)
    {
        if (s is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], -1);
            offset += 4;
            return;
        }

        var n = Encoding.UTF8.GetBytes(s, span[(offset + 4)..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[offset..], n);
        offset += 4 + n;
    }

    private static bool TryRead(ReadOnlySpan<byte> data, ref int offset, out string? s)
    {
        s = null;
        if (data.Length - offset < 4)
        {
            return false;
        }

        var n = BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
        offset += 4;
        if (n == -1)
        {
            return true;
        }

        if (n < 0 || n > data.Length - offset)
        {
            return false;
        }

        s = Encoding.UTF8.GetString(data.Slice(offset, n));
        offset += n;
        return true;
    }
}

/// <summary>
/// The replicated key-value state machine: applies <see cref="KvCommand"/>s carried by log entries, deduplicates
/// requests by (client, sequence number), and snapshots to and restores from bytes. Deterministic; reused by the
/// simulator and the node runtime.
/// </summary>
internal sealed class KvStateMachine
{
    private const int SnapshotVersion = 1;
    private readonly Dictionary<string, string> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<long, (long Seq, KvResult Result)> _sessions = [];

    /// <summary>Number of keys.</summary>
    public int Count => _data.Count;

    /// <summary>The value of a key, or null.</summary>
    public string? Get(string key) => _data.TryGetValue(key, out var v) ? v : null;

    /// <summary>The contents, sorted by key.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Contents() => [.. _data.OrderBy(p => p.Key, StringComparer.Ordinal)];

    /// <summary>
    /// Applies a log entry's payload. Returns null when it is not an encoded <see cref="KvRequest"/> (opaque payloads of
    /// scenario tests are accepted and ignored), otherwise the result; a request already applied returns its first result.
    /// </summary>
    public KvResult? Apply(ReadOnlySpan<byte> payload, out KvRequest request)
    {
        if (!KvRequest.TryDecode(payload, out request))
        {
            return null;
        }

        if (_sessions.TryGetValue(request.ClientId, out var session) && request.Seq <= session.Seq)
        {
            return request.Seq == session.Seq ? session.Result : Apply(request.Command with { Op = KvOp.Get });
        }

        var result = Apply(request.Command);
        _sessions[request.ClientId] = (request.Seq, result);
        return result;
    }

    /// <summary>Applies one command.</summary>
    public KvResult Apply(KvCommand command)
    {
        var current = Get(command.Key);
        switch (command.Op)
        {
            case KvOp.Get:
                return new KvResult(true, current);
            case KvOp.Put:
                _data[command.Key] = command.Value ?? string.Empty;
                return new KvResult(true, command.Value ?? string.Empty);
            case KvOp.Append:
                var appended = string.Concat(current, command.Value);
                _data[command.Key] = appended;
                return new KvResult(true, appended);
            case KvOp.Cas:
                if (!string.Equals(current, command.Expected, StringComparison.Ordinal))
                {
                    return new KvResult(false, current);
                }

                if (command.Value is null)
                {
                    _data.Remove(command.Key);
                }
                else
                {
                    _data[command.Key] = command.Value;
                }

                return new KvResult(true, command.Value);
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.Op, "Unknown operation.");
        }
    }

    /// <summary>Encodes the whole state (keys and sessions, sorted, so equal states give equal bytes).</summary>
    public byte[] Snapshot()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(SnapshotVersion);
            w.Write(_data.Count);
            foreach (var (key, value) in _data.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.Write(key);
                w.Write(value);
            }

            w.Write(_sessions.Count);
            foreach (var (client, (seq, result)) in _sessions.OrderBy(p => p.Key))
            {
                w.Write(client);
                w.Write(seq);
                w.Write(result.Ok);
                w.Write(result.Value is not null);
                w.Write(result.Value ?? string.Empty);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Replaces the state with a snapshot's; empty data means the empty state.</summary>
    /// <exception cref="FormatException">The data is not a snapshot of this state machine.</exception>
    public void Restore(ReadOnlySpan<byte> snapshot)
    {
        _data.Clear();
        _sessions.Clear();
        if (snapshot.IsEmpty)
        {
            return;
        }

        try
        {
            using var stream = new MemoryStream(snapshot.ToArray());
            using var r = new BinaryReader(stream, Encoding.UTF8);
            if (r.ReadInt32() != SnapshotVersion)
            {
                throw new FormatException("Unknown key-value snapshot version.");
            }

            var n = r.ReadInt32();
            for (var i = 0; i < n; i++)
            {
                var key = r.ReadString();
                _data[key] = r.ReadString();
            }

            var s = r.ReadInt32();
            for (var i = 0; i < s; i++)
            {
                var client = r.ReadInt64();
                var seq = r.ReadInt64();
                var ok = r.ReadBoolean();
                var hasValue = r.ReadBoolean();
                var value = r.ReadString();
                _sessions[client] = (seq, new KvResult(ok, hasValue ? value : null));
            }
        }
        catch (EndOfStreamException ex)
        {
            throw new FormatException("Truncated key-value snapshot.", ex);
        }
    }
}
