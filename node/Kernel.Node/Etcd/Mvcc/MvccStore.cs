using System.Buffers;
using System.Text;

using Google.Protobuf;

using Kernel.Node.Etcd.Leases;
using Kernel.Node.Etcd.Protos;
using Kernel.Node.Runtime;
using Kernel.Storage.Codec;

namespace Kernel.Node.Etcd.Mvcc;

/// <summary>
/// etcd's MVCC key-value store as the member's replicated state machine. One global revision (1 when empty, as etcd's)
/// that each write moves on by one; per key the create revision, mod revision and version; every version of every key
/// kept until a compaction; leases with the keys attached to them. Commands are <see cref="StoreCommand"/>s, the
/// protobuf encoding of etcd's own request messages (a Put, a Txn...) in one envelope; <see cref="Apply"/> returns etcd's
/// response message (its header carrying the revision only: the services add cluster, member and term) or an
/// <see cref="EtcdError"/>. Deterministic: time enters only through commands (the leader proposes a revoke when a lease
/// expires by its clock), lease ids the log does not name derive from the log index. Reads (<see cref="Range"/>, the
/// lease queries, <see cref="StartWatch"/>) run on the member's loop like <see cref="Apply"/>, never concurrently.
/// </summary>
internal sealed partial class MvccStore : IReplicatedStateMachine
{
    /// <summary>etcd's largest lease TTL, in seconds.</summary>
    public const long MaxLeaseTtl = 9_000_000_000;

    /// <summary>The smallest lease TTL granted, in seconds (etcd's with its default election timeout); shorter asks get this.</summary>
    public const long MinLeaseTtl = 2;

    private const byte SnapshotVersion = 1;

    /// <summary>Keys per chunk of a snapshot's capture: 2,048 entries of 24 bytes stay under the 85,000-byte large-object threshold.</summary>
    private const int CaptureChunk = 2048;

    private readonly SortedSet<string> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VersionList<Entry>> _history = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, Lease> _leases = [];
    private readonly LeaseClock? _clock;

    /// <summary>Creates an empty store.</summary>
    /// <param name="clock">Told of lease grants, renewals and revokes as they apply (null: nobody keeps lease time).</param>
    public MvccStore(LeaseClock? clock = null) => _clock = clock;

    /// <summary>The live watchers, fed as commands apply.</summary>
    public WatchHub Watchers { get; } = new();

    /// <inheritdoc />
    public long AppliedIndex { get; private set; }

    /// <summary>The store's revision: the last write's, 1 when nothing was ever written.</summary>
    public long Revision { get; private set; } = 1;

    /// <summary>The revision of the last compaction (0 when none): history before it is gone.</summary>
    public long CompactRevision { get; private set; }

    /// <inheritdoc />
    public object? Apply(long index, ReadOnlyMemory<byte> command)
    {
        AppliedIndex = index;
        StoreCommand parsed;
        try
        {
            parsed = StoreCommand.Parser.ParseFrom(command.Span);
        }
        catch (InvalidProtocolBufferException)
        {
            return EtcdError.UnknownCommand;
        }

        var batch = new Batch(Revision + 1);
        var result = parsed.CommandCase switch
        {
            StoreCommand.CommandOneofCase.Put => Put(parsed.Put, batch),
            StoreCommand.CommandOneofCase.DeleteRange => DeleteRange(parsed.DeleteRange, batch),
            StoreCommand.CommandOneofCase.Txn => Txn(parsed.Txn, batch),
            StoreCommand.CommandOneofCase.Compact => Compact(parsed.Compact),
            StoreCommand.CommandOneofCase.LeaseGrant => Grant(parsed.LeaseGrant, index),
            StoreCommand.CommandOneofCase.LeaseRevoke => Revoke(parsed.LeaseRevoke.ID, batch),
            StoreCommand.CommandOneofCase.LeaseRenew => Renew(parsed.LeaseRenew.ID),
            _ => EtcdError.UnknownCommand,
        };
        if (batch.Events.Count > 0)
        {
            Revision = batch.Revision;
            Watchers.Publish(batch.Events);
        }

        SetRevision(result, Revision);
        return result;
    }

    /// <inheritdoc />
    public void Skip(long index) => AppliedIndex = index;

    /// <summary>Serves a Range at the store's revision or a past one: a <see cref="RangeResponse"/> or an <see cref="EtcdError"/>.</summary>
    public object Range(RangeRequest request)
    {
        var result = Range(request, Revision);
        SetRevision(result, Revision);
        return result;
    }

    /// <summary>
    /// Serves a txn that writes nothing in any branch (etcd serves those as reads, not through the log): a
    /// <see cref="TxnResponse"/> or an <see cref="EtcdError"/>. Callers check <see cref="IsReadOnly"/> first.
    /// </summary>
    public object ReadTxn(TxnRequest request)
    {
        var batch = new Batch(Revision + 1);
        var result = Txn(request, batch);
        if (batch.Events.Count > 0)
        {
            throw new InvalidOperationException("A txn served as a read wrote; only a txn without puts and deletes may be read.");
        }

        SetRevision(result, Revision);
        return result;
    }

    /// <summary>True when no branch of the txn (nested ones included) puts or deletes.</summary>
    public static bool IsReadOnly(TxnRequest request) =>
        request.Success.Concat(request.Failure).All(op => op.RequestCase switch
        {
            RequestOp.RequestOneofCase.RequestPut or RequestOp.RequestOneofCase.RequestDeleteRange => false,
            RequestOp.RequestOneofCase.RequestTxn => IsReadOnly(op.RequestTxn),
            _ => true,
        });

    /// <summary>A lease's granted TTL and attached keys, or null when there is no such lease.</summary>
    public (long GrantedTtl, IReadOnlyList<ByteString> Keys)? LeaseInfo(long id) =>
        _leases.TryGetValue(id, out var lease) ? (lease.Ttl, lease.Keys.Select(KeyRange.ToBytes).ToList()) : null;

    /// <summary>Every lease's id, ascending.</summary>
    public IReadOnlyList<long> LeaseIds() => _leases.Keys.ToList();

    /// <summary>The bytes the store's history holds, roughly (keys and values of every kept version).</summary>
    public long ApproximateSize() => _history.Sum(h => h.Value.View.Sum(e => h.Key.Length + (e.Kv?.Value.Length ?? 0) + 32L));

    /// <summary>
    /// Starts a watch: the events from <paramref name="startRevision"/> (0: from now) up to the current revision, and a
    /// watcher registered for every later one, with nothing missed or repeated between the two. When the start revision
    /// was compacted, no watcher and the compaction's revision.
    /// </summary>
    public WatchStart StartWatch(KeyRange range, long startRevision, int capacity)
    {
        if (startRevision > 0 && startRevision < CompactRevision)
        {
            return new WatchStart(null, [], CompactRevision, Revision);
        }

        var replay = startRevision > 0 && startRevision <= Revision ? Replay(range, startRevision) : [];
        var watcher = new Watcher(range, capacity);
        Watchers.Add(watcher);
        return new WatchStart(watcher, replay, 0, Revision);
    }

    /// <inheritdoc />
    public ReadOnlyMemory<byte> Snapshot() => CaptureSnapshot()();

    /// <summary>
    /// Captures the store as of <see cref="AppliedIndex"/>: one pass over the keys, taking each key's
    /// <see cref="VersionList{T}.View"/> (versions are never changed once written, so nothing is copied); the function
    /// sorts and encodes the capture on any thread, while the store goes on applying. The bytes are <see cref="Snapshot"/>'s.
    /// </summary>
    /// <remarks>
    /// The capture goes into chunks of <see cref="CaptureChunk"/> keys, each under the runtime's large-object threshold:
    /// one array for every key (7 MB at 300,000 keys) allocated on the member's loop made the loop wait for a background
    /// GC of the whole heap. The one large buffer, the encoding's, is allocated off the loop.
    /// </remarks>
    public Func<ReadOnlyMemory<byte>> CaptureSnapshot()
    {
        var applied = AppliedIndex;
        var revision = Revision;
        var compacted = CompactRevision;
        var chunks = new List<(string Key, ArraySegment<Entry> History)[]>(_history.Count / CaptureChunk + 1);
        var count = _history.Count;
        (string Key, ArraySegment<Entry> History)[]? chunk = null;
        var i = 0;
        foreach (var (key, history) in _history)
        {
            if (chunk is null || i == chunk.Length)
            {
                chunk = new (string, ArraySegment<Entry>)[Math.Min(CaptureChunk, count - (chunks.Count * CaptureChunk))];
                chunks.Add(chunk);
                i = 0;
            }

            chunk[i++] = (key, history.View);
        }

        var leases = _leases.Values.Select(l => (l.Id, l.Ttl)).ToArray();
        return () => EncodeSnapshot(applied, revision, compacted, chunks, leases);
    }

    private static ReadOnlyMemory<byte> EncodeSnapshot(long applied, long revision, long compacted, List<(string Key, ArraySegment<Entry> History)[]> chunks, (long Id, long Ttl)[] leases)
    {
        var keys = chunks.SelectMany(c => c).ToArray();
        Array.Sort(keys, static (a, b) => string.CompareOrdinal(a.Key, b.Key));

        // The most the encoding can take (every varint at its longest), so that the buffer is allocated once: growing it
        // would copy hundreds of MB into one twice as large.
        long size = 64 + (10L * leases.Length * 2);
        foreach (var (key, history) in keys)
        {
            size += key.Length + 5 + 10;
            foreach (var entry in history)
            {
                size += (entry.Kv?.Value.Length ?? 0) + 51;
            }
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(size, Array.MaxLength));
        var output = new BinaryOut(buffer);
        output.Byte(SnapshotVersion);
        output.Varint(applied);
        output.Varint(revision);
        output.Varint(compacted);
        output.UVarint((ulong)keys.Length);
        foreach (var (key, history) in keys)
        {
            output.Bytes(Encoding.Latin1.GetBytes(key));
            output.UVarint((ulong)history.Count);
            foreach (var entry in history)
            {
                output.Varint(entry.Main);
                output.Int(entry.Sub);
                output.Bool(entry.Kv is not null);
                if (entry.Kv is { } kv)
                {
                    output.Bytes(kv.Value.Span);
                    output.Varint(kv.CreateRevision);
                    output.Varint(kv.Version);
                    output.Varint(kv.Lease);
                }
            }
        }

        output.UVarint((ulong)leases.Length);
        foreach (var (id, ttl) in leases)
        {
            output.Varint(id);
            output.Varint(ttl);
        }

        return buffer.WrittenMemory;
    }

    /// <inheritdoc />
    public void Restore(ReadOnlySpan<byte> snapshot)
    {
        _keys.Clear();
        _history.Clear();
        _leases.Clear();
        AppliedIndex = 0;
        Revision = 1;
        CompactRevision = 0;
        if (!snapshot.IsEmpty)
        {
            try
            {
                Decode(snapshot);
            }
            catch (FormatException)
            {
                Restore([]);
                throw;
            }
        }

        Watchers.CancelAll(Watcher.RestoredReason);
        _clock?.Reset(_leases.Values.Select(l => (l.Id, l.Ttl)).ToList());
    }

    private void Decode(ReadOnlySpan<byte> snapshot)
    {
        var input = new BinaryIn(snapshot);
        var version = input.Byte();
        if (version != SnapshotVersion)
        {
            throw new FormatException($"Not an etcd store snapshot of version {SnapshotVersion} (version byte {version}).");
        }

        AppliedIndex = input.Varint();
        Revision = input.Varint();
        CompactRevision = input.Varint();
        var keyCount = input.UVarint();
        for (ulong k = 0; k < keyCount; k++)
        {
            var keyBytes = input.Bytes();
            var key = Encoding.Latin1.GetString(keyBytes);
            var keyString = ByteString.CopyFrom(keyBytes);
            var entryCount = input.UVarint();
            var history = new VersionList<Entry>();
            for (ulong e = 0; e < entryCount; e++)
            {
                var main = input.Varint();
                var sub = input.Int();
                KeyValue? kv = null;
                if (input.Bool())
                {
                    kv = new KeyValue
                    {
                        Key = keyString,
                        Value = ByteString.CopyFrom(input.BytesSpan()),
                        CreateRevision = input.Varint(),
                        ModRevision = main,
                        Version = input.Varint(),
                        Lease = input.Varint(),
                    };
                }

                history.Add(new Entry(main, sub, kv));
            }

            if (!_keys.Add(key) || history.Count == 0)
            {
                throw new FormatException($"Key {k} of the snapshot is repeated or has no history.");
            }

            _history[key] = history;
        }

        var leaseCount = input.UVarint();
        for (ulong l = 0; l < leaseCount; l++)
        {
            var id = input.Varint();
            if (!_leases.TryAdd(id, new Lease(id, input.Varint())))
            {
                throw new FormatException($"Lease {id} is repeated in the snapshot.");
            }
        }

        input.End();
        foreach (var key in _keys)
        {
            if (Live(key) is { Lease: not 0 } kv && _leases.TryGetValue(kv.Lease, out var lease))
            {
                lease.Keys.Add(key);
            }
        }
    }

    private object Put(PutRequest request, Batch batch) => ValidatePut(request) ?? (object)DoPut(request, batch);

    private EtcdError? ValidatePut(PutRequest request)
    {
        if (request.Key.IsEmpty)
        {
            return EtcdError.EmptyKey;
        }

        if ((request.IgnoreValue || request.IgnoreLease) && Live(KeyRange.ToKey(request.Key)) is null)
        {
            return EtcdError.KeyNotFound;
        }

        return !request.IgnoreLease && request.Lease != 0 && !_leases.ContainsKey(request.Lease) ? EtcdError.LeaseNotFound : null;
    }

    private PutResponse DoPut(PutRequest request, Batch batch)
    {
        var key = KeyRange.ToKey(request.Key);
        var prev = Live(key);
        var lease = request.IgnoreLease ? prev!.Lease : request.Lease;
        var kv = new KeyValue
        {
            Key = request.Key,
            Value = request.IgnoreValue ? prev!.Value : request.Value,
            CreateRevision = prev?.CreateRevision ?? batch.Revision,
            ModRevision = batch.Revision,
            Version = (prev?.Version ?? 0) + 1,
            Lease = lease,
        };
        Append(key, new Entry(batch.Revision, batch.Sub++, kv));
        if (prev is not null && prev.Lease != lease && _leases.TryGetValue(prev.Lease, out var old))
        {
            old.Keys.Remove(key);
        }

        if (lease != 0)
        {
            _leases[lease].Keys.Add(key);
        }

        batch.Events.Add(new Event { Type = Event.Types.EventType.Put, Kv = kv, PrevKv = prev });
        return new PutResponse { PrevKv = request.PrevKv ? prev : null };
    }

    private object DeleteRange(DeleteRangeRequest request, Batch batch) =>
        request.Key.IsEmpty ? EtcdError.EmptyKey : DoDelete(KeyRange.Of(request.Key, request.RangeEnd), request.PrevKv, batch);

    private DeleteRangeResponse DoDelete(KeyRange range, bool wantPrevious, Batch batch)
    {
        var response = new DeleteRangeResponse();
        foreach (var key in range.Select(_keys).ToList())
        {
            if (Live(key) is not { } prev)
            {
                continue;
            }

            Append(key, new Entry(batch.Revision, batch.Sub++, null));
            if (prev.Lease != 0 && _leases.TryGetValue(prev.Lease, out var lease))
            {
                lease.Keys.Remove(key);
            }

            batch.Events.Add(new Event
            {
                Type = Event.Types.EventType.Delete,
                Kv = new KeyValue { Key = prev.Key, ModRevision = batch.Revision },
                PrevKv = prev,
            });
            response.Deleted++;
            if (wantPrevious)
            {
                response.PrevKvs.Add(prev);
            }
        }

        return response;
    }

    private object Range(RangeRequest request, long current)
    {
        var revision = request.Revision <= 0 ? current : request.Revision;
        if (revision > current)
        {
            return EtcdError.FutureRevision;
        }

        if (revision < CompactRevision)
        {
            return EtcdError.Compacted;
        }

        var found = new List<KeyValue>();
        long count = 0;
        foreach (var key in KeyRange.Of(request.Key, request.RangeEnd).Select(_keys))
        {
            if (At(key, revision) is not { } kv)
            {
                continue;
            }

            count++;
            if ((request.MinModRevision > 0 && kv.ModRevision < request.MinModRevision)
                || (request.MaxModRevision > 0 && kv.ModRevision > request.MaxModRevision)
                || (request.MinCreateRevision > 0 && kv.CreateRevision < request.MinCreateRevision)
                || (request.MaxCreateRevision > 0 && kv.CreateRevision > request.MaxCreateRevision))
            {
                continue;
            }

            found.Add(kv);
        }

        Sort(found, request);
        var response = new RangeResponse { Count = count };
        if (request.Limit > 0 && found.Count > request.Limit)
        {
            found.RemoveRange((int)request.Limit, found.Count - (int)request.Limit);
            response.More = true;
        }

        if (!request.CountOnly)
        {
            response.Kvs.AddRange(request.KeysOnly
                ? found.Select(kv => new KeyValue(kv) { Value = ByteString.Empty })
                : found);
        }

        return response;
    }

    private static void Sort(List<KeyValue> found, RangeRequest request)
    {
        var order = request.SortOrder;
        if (order == RangeRequest.Types.SortOrder.None && request.SortTarget != RangeRequest.Types.SortTarget.Key)
        {
            order = RangeRequest.Types.SortOrder.Ascend;
        }

        if (order == RangeRequest.Types.SortOrder.None
            || (order == RangeRequest.Types.SortOrder.Ascend && request.SortTarget == RangeRequest.Types.SortTarget.Key))
        {
            return;
        }

        Comparison<KeyValue> compare = request.SortTarget switch
        {
            RangeRequest.Types.SortTarget.Version => (a, b) => a.Version.CompareTo(b.Version),
            RangeRequest.Types.SortTarget.Create => (a, b) => a.CreateRevision.CompareTo(b.CreateRevision),
            RangeRequest.Types.SortTarget.Mod => (a, b) => a.ModRevision.CompareTo(b.ModRevision),
            RangeRequest.Types.SortTarget.Value => (a, b) => a.Value.Span.SequenceCompareTo(b.Value.Span),
            _ => (a, b) => a.Key.Span.SequenceCompareTo(b.Key.Span),
        };
        var sorted = order == RangeRequest.Types.SortOrder.Descend
            ? found.Order(Comparer<KeyValue>.Create((a, b) => compare(b, a))).ToList()
            : found.Order(Comparer<KeyValue>.Create(compare)).ToList();
        found.Clear();
        found.AddRange(sorted);
    }

    private object Txn(TxnRequest request, Batch batch)
    {
        var path = new List<bool>();
        Decide(request, path);
        var step = 0;
        var error = ValidateTxn(request, path, ref step, [], []);
        if (error is not null)
        {
            return error;
        }

        step = 0;
        return DoTxn(request, path, ref step, batch);
    }

    private void Decide(TxnRequest request, List<bool> path)
    {
        var succeeded = request.Compare.All(Holds);
        path.Add(succeeded);
        foreach (var op in succeeded ? request.Success : request.Failure)
        {
            if (op.RequestTxn is { } nested)
            {
                Decide(nested, path);
            }
        }
    }

    private EtcdError? ValidateTxn(TxnRequest request, List<bool> path, ref int step, HashSet<string> puts, List<KeyRange> deletes)
    {
        foreach (var op in path[step++] ? request.Success : request.Failure)
        {
            switch (op.RequestCase)
            {
                case RequestOp.RequestOneofCase.RequestPut:
                    if (ValidatePut(op.RequestPut) is { } putError)
                    {
                        return putError;
                    }

                    var key = KeyRange.ToKey(op.RequestPut.Key);
                    if (!puts.Add(key) || deletes.Any(d => d.Contains(key)))
                    {
                        return EtcdError.DuplicateKey;
                    }

                    break;
                case RequestOp.RequestOneofCase.RequestDeleteRange:
                    if (op.RequestDeleteRange.Key.IsEmpty)
                    {
                        return EtcdError.EmptyKey;
                    }

                    var range = KeyRange.Of(op.RequestDeleteRange.Key, op.RequestDeleteRange.RangeEnd);
                    if (puts.Any(range.Contains))
                    {
                        return EtcdError.DuplicateKey;
                    }

                    deletes.Add(range);
                    break;
                case RequestOp.RequestOneofCase.RequestRange:
                    if (op.RequestRange.Revision > Revision)
                    {
                        return EtcdError.FutureRevision;
                    }

                    if (op.RequestRange.Revision > 0 && op.RequestRange.Revision < CompactRevision)
                    {
                        return EtcdError.Compacted;
                    }

                    break;
                case RequestOp.RequestOneofCase.RequestTxn:
                    if (ValidateTxn(op.RequestTxn, path, ref step, puts, deletes) is { } nestedError)
                    {
                        return nestedError;
                    }

                    break;
            }
        }

        return null;
    }

    private TxnResponse DoTxn(TxnRequest request, List<bool> path, ref int step, Batch batch)
    {
        var succeeded = path[step++];
        var response = new TxnResponse { Succeeded = succeeded };
        foreach (var op in succeeded ? request.Success : request.Failure)
        {
            var current = batch.Events.Count > 0 ? batch.Revision : Revision;
            response.Responses.Add(op.RequestCase switch
            {
                RequestOp.RequestOneofCase.RequestRange => new ResponseOp { ResponseRange = WithHeader((RangeResponse)Range(op.RequestRange, current), current) },
                RequestOp.RequestOneofCase.RequestPut => new ResponseOp { ResponsePut = WithHeader(DoPut(op.RequestPut, batch), batch.Revision) },
                RequestOp.RequestOneofCase.RequestDeleteRange => new ResponseOp
                {
                    ResponseDeleteRange = WithHeader(
                        DoDelete(KeyRange.Of(op.RequestDeleteRange.Key, op.RequestDeleteRange.RangeEnd), op.RequestDeleteRange.PrevKv, batch),
                        batch.Revision),
                },
                RequestOp.RequestOneofCase.RequestTxn => new ResponseOp { ResponseTxn = WithHeader(DoTxn(op.RequestTxn, path, ref step, batch), batch.Revision) },
                _ => new ResponseOp(),
            });
        }

        return response;
    }

    private bool Holds(Compare compare)
    {
        var range = KeyRange.Of(compare.Key, compare.RangeEnd);
        var any = false;
        foreach (var key in range.Select(_keys))
        {
            if (Live(key) is not { } kv)
            {
                continue;
            }

            any = true;
            if (!Holds(compare, kv))
            {
                return false;
            }
        }

        // A missing key compares as zero revisions, version and lease; its value compares with nothing (etcd's rule).
        return any || (compare.Target != Compare.Types.CompareTarget.Value && Holds(compare, new KeyValue()));
    }

    private static bool Holds(Compare compare, KeyValue kv)
    {
        var order = compare.Target switch
        {
            Compare.Types.CompareTarget.Value => kv.Value.Span.SequenceCompareTo(compare.Value.Span),
            Compare.Types.CompareTarget.Create => kv.CreateRevision.CompareTo(compare.CreateRevision),
            Compare.Types.CompareTarget.Mod => kv.ModRevision.CompareTo(compare.ModRevision),
            Compare.Types.CompareTarget.Version => kv.Version.CompareTo(compare.Version),
            Compare.Types.CompareTarget.Lease => kv.Lease.CompareTo(compare.Lease),
            _ => 0,
        };
        return compare.Result switch
        {
            Compare.Types.CompareResult.Equal => order == 0,
            Compare.Types.CompareResult.NotEqual => order != 0,
            Compare.Types.CompareResult.Greater => order > 0,
            Compare.Types.CompareResult.Less => order < 0,
            _ => false,
        };
    }

    private object Compact(CompactionRequest request)
    {
        if (request.Revision > Revision)
        {
            return EtcdError.FutureRevision;
        }

        if (request.Revision <= CompactRevision)
        {
            return EtcdError.Compacted;
        }

        CompactRevision = request.Revision;
        foreach (var key in _keys.ToList())
        {
            var history = _history[key];
            var keep = history.FindLastIndex(e => e.Main <= CompactRevision);
            if (keep < 0)
            {
                continue;
            }

            // The newest version at or before the compaction stays (it is the key's value there), unless it is a deletion.
            var drop = history[keep].Kv is null ? keep + 1 : keep;
            history.RemoveOldest(drop);
            if (history.Count == 0)
            {
                _history.Remove(key);
                _keys.Remove(key);
            }
        }

        return new CompactionResponse();
    }

    private object Grant(LeaseGrantRequest request, long index)
    {
        if (request.TTL > MaxLeaseTtl)
        {
            return EtcdError.LeaseTtlTooLarge;
        }

        var id = request.ID;
        if (id == 0)
        {
            id = (long)(Mix((ulong)index) & long.MaxValue);
            while (id == 0 || _leases.ContainsKey(id))
            {
                id = (id + 1) & long.MaxValue;
            }
        }
        else if (_leases.ContainsKey(id))
        {
            return EtcdError.LeaseExists;
        }

        var ttl = Math.Max(request.TTL, MinLeaseTtl);
        _leases.Add(id, new Lease(id, ttl));
        _clock?.Renewed(id, ttl);
        return new LeaseGrantResponse { ID = id, TTL = ttl };
    }

    private object Revoke(long id, Batch batch)
    {
        if (!_leases.TryGetValue(id, out var lease))
        {
            return EtcdError.LeaseNotFound;
        }

        foreach (var key in lease.Keys.ToList())
        {
            DoDelete(new KeyRange(key, null, Single: true), wantPrevious: false, batch);
        }

        _leases.Remove(id);
        _clock?.Revoked(id);
        return new LeaseRevokeResponse();
    }

    private object Renew(long id)
    {
        if (!_leases.TryGetValue(id, out var lease))
        {
            return EtcdError.LeaseNotFound;
        }

        _clock?.Renewed(id, lease.Ttl);
        return new LeaseKeepAliveResponse { ID = id, TTL = lease.Ttl };
    }

    private List<Event> Replay(KeyRange range, long startRevision)
    {
        var events = new List<(long Main, int Sub, Event Event)>();
        foreach (var key in range.Select(_keys))
        {
            var history = _history[key];
            for (var i = 0; i < history.Count; i++)
            {
                var entry = history[i];
                if (entry.Main < startRevision)
                {
                    continue;
                }

                var prev = i > 0 ? history[i - 1].Kv : null;
                events.Add((entry.Main, entry.Sub, entry.Kv is { } kv
                    ? new Event { Type = Event.Types.EventType.Put, Kv = kv, PrevKv = prev }
                    : new Event
                    {
                        Type = Event.Types.EventType.Delete,
                        Kv = new KeyValue { Key = KeyRange.ToBytes(key), ModRevision = entry.Main },
                        PrevKv = prev,
                    }));
            }
        }

        return events.OrderBy(e => e.Main).ThenBy(e => e.Sub).Select(e => e.Event).ToList();
    }

    private KeyValue? Live(string key) => _history.TryGetValue(key, out var history) ? history.Last.Kv : null;

    private KeyValue? At(string key, long revision)
    {
        var history = _history[key];
        for (var i = history.Count - 1; i >= 0; i--)
        {
            if (history[i].Main <= revision)
            {
                return history[i].Kv;
            }
        }

        return null;
    }

    private void Append(string key, Entry entry)
    {
        if (!_history.TryGetValue(key, out var history))
        {
            history = new VersionList<Entry>();
            _history.Add(key, history);
            _keys.Add(key);
        }

        history.Add(entry);
    }

    private static T WithHeader<T>(T response, long revision)
        where T : IHasHeader
    {
        SetRevision(response, revision);
        return response;
    }

    private static void SetRevision(object? response, long revision)
    {
        if (response is IHasHeader r)
        {
            r.Header = new ResponseHeader { Revision = revision };
        }
    }

    // SplitMix64's finaliser: spreads consecutive log indexes over the id space, as etcd's lease ids look.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private sealed record Entry(long Main, int Sub, KeyValue? Kv);

    private sealed class Lease(long id, long ttl)
    {
        public long Id { get; } = id;

        public long Ttl { get; } = ttl;

        public SortedSet<string> Keys { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Batch(long revision)
    {
        public long Revision { get; } = revision;

        public int Sub { get; set; }

        public List<Event> Events { get; } = [];
    }
}

/// <summary>How a watch starts: its watcher (null when compacted), the history to send first, and the revisions.</summary>
internal sealed record WatchStart(Watcher? Watcher, IReadOnlyList<Event> Replay, long CompactRevision, long Revision);
