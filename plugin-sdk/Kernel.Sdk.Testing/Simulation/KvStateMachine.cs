using System.Text;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Replication;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>A client request as it travels through a replicated log: who sent it, its sequence number and the command.</summary>
internal readonly record struct KvRequest(long ClientId, long Seq, KvCommand Command)
{
    private const int Header = ClientRequestHeader.Size;

    /// <summary>The SDK's <see cref="ClientRequestHeader"/> (client id and sequence number), then the command as <see cref="KvModel"/> encodes it.</summary>
    public byte[] Encode()
    {
        var command = KvModel.Command(Command).Payload.Span;
        var buffer = new byte[Header + command.Length];
        var span = buffer.AsSpan();
        ClientRequestHeader.Write(span, ClientId, Seq);
        command.CopyTo(span[Header..]);
        return buffer;
    }

    public static bool TryDecode(ReadOnlySpan<byte> data, out KvRequest request)
    {
        request = default;
        if (data.Length <= Header || !ClientRequestHeader.TryRead(data, out var client, out var seq) || !KvModel.TryReadCommand(data[Header..], out var command))
        {
            return false;
        }

        request = new KvRequest(client, seq, command);
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

    /// <summary>Applies one command (<see cref="KvModel.Apply(KvCommand, string?, out string?)"/>'s semantics).</summary>
    public KvResult Apply(KvCommand command)
    {
        var result = KvModel.Apply(command, Get(command.Key), out var next);
        if (next is null)
        {
            _data.Remove(command.Key);
        }
        else
        {
            _data[command.Key] = next;
        }

        return result;
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
