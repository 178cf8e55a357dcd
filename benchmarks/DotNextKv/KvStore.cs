using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;

using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace DotNextKv;

/// <summary>What a replicated command did once applied.</summary>
internal readonly record struct Applied(long Index, long Revision, long Deleted);

/// <summary>
/// The replicated key-value state: keys with etcd's per-key revisions (create, mod, version) and one global revision,
/// in memory, fed by DotNext's WAL applier (<see cref="SimpleStateMachine"/>). Commands are
/// <c>[op:1][id:8][key length:4][key][value | range end]</c>; op 1 is a put, 2 a delete of a key or range. The member
/// that proposed a command waits for its id in <see cref="Pending"/>. Snapshots are off (the benchmark's runs are short).
/// </summary>
internal sealed class KvStore(DirectoryInfo snapshots) : SimpleStateMachine(snapshots)
{
    public const byte PutOp = 1;
    public const byte DeleteOp = 2;

    private readonly Dictionary<string, Record> _keys = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _revision = 1;

    public sealed record Record(byte[] Value, long Create, long Mod, long Version);

    /// <summary>Commands proposed by this member, by id, completed when applied.</summary>
    public ConcurrentDictionary<long, TaskCompletionSource<Applied>> Pending { get; } = new();

    /// <summary>Raised after every applied entry with its index.</summary>
    public event Action<long>? AppliedIndex;

    public long Revision
    {
        get
        {
            lock (_lock)
            {
                return _revision;
            }
        }
    }

    public static byte[] Command(byte op, long id, ReadOnlySpan<byte> key, ReadOnlySpan<byte> rest)
    {
        var bytes = new byte[13 + key.Length + rest.Length];
        bytes[0] = op;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(1), id);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(9), key.Length);
        key.CopyTo(bytes.AsSpan(13));
        rest.CopyTo(bytes.AsSpan(13 + key.Length));
        return bytes;
    }

    /// <summary>Keys in [key, end) in byte order (end empty: the key alone; end "\0": every key from key on), at most <paramref name="limit"/> (0: all).</summary>
    public (List<(string Key, Record Record)> Items, long Count, long Revision) Range(byte[] key, byte[] end, long limit)
    {
        var from = Encoding.Latin1.GetString(key);
        lock (_lock)
        {
            if (end.Length == 0)
            {
                var single = new List<(string Key, Record Record)>(1);
                if (_keys.TryGetValue(from, out var one))
                {
                    single.Add((from, one));
                }

                return (single, single.Count, _revision);
            }

            var to = end is [0] ? null : Encoding.Latin1.GetString(end);
            var matches = _keys.Where(kv => string.CompareOrdinal(kv.Key, from) >= 0 && (to is null || string.CompareOrdinal(kv.Key, to) < 0))
                .Select(kv => (kv.Key, kv.Value)).ToList();
            matches.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            var count = matches.Count;
            if (limit > 0 && matches.Count > limit)
            {
                matches.RemoveRange((int)limit, matches.Count - (int)limit);
            }

            return (matches, count, _revision);
        }
    }

    protected override ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        if (entry.TryGetPayload(out var payload) && payload.Length >= 13)
        {
            var bytes = payload.ToArray();
            var op = bytes[0];
            var id = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(1));
            var keyLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(9));
            var key = Encoding.Latin1.GetString(bytes, 13, keyLength);
            var rest = bytes.AsSpan(13 + keyLength).ToArray();
            long deleted = 0, revision;
            lock (_lock)
            {
                if (op == PutOp)
                {
                    var next = ++_revision;
                    _keys[key] = _keys.TryGetValue(key, out var old)
                        ? new Record(rest, old.Create, next, old.Version + 1)
                        : new Record(rest, next, next, 1);
                }
                else
                {
                    var to = rest is [0] ? null : Encoding.Latin1.GetString(rest);
                    var doomed = rest.Length == 0
                        ? _keys.ContainsKey(key) ? [key] : new List<string>()
                        : _keys.Keys.Where(k => string.CompareOrdinal(k, key) >= 0 && (to is null || string.CompareOrdinal(k, to) < 0)).ToList();
                    if (doomed.Count > 0)
                    {
                        _revision++;
                        foreach (var k in doomed)
                        {
                            _keys.Remove(k);
                        }
                    }

                    deleted = doomed.Count;
                }

                revision = _revision;
            }

            if (Pending.TryRemove(id, out var waiter))
            {
                waiter.TrySetResult(new Applied(entry.Index, revision, deleted));
            }
        }

        AppliedIndex?.Invoke(entry.Index);
        return new(false); // never a snapshot
    }

    protected override ValueTask PersistAsync(IAsyncBinaryWriter writer, CancellationToken token) =>
        throw new NotSupportedException("snapshots are off in this benchmark peer");

    protected override ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token) =>
        throw new NotSupportedException("snapshots are off in this benchmark peer");
}
