using Google.Protobuf;
using Grpc.Core;

using Kernel.Node.Etcd.Api;
using Kernel.Node.Etcd.Mvcc;
using Kernel.Node.Etcd.Protos;
using Kernel.Node.Runtime;
using Kernel.Sdk.Replication;

namespace Kernel.Node.Etcd.Replication;

/// <summary>
/// etcd's KV requests carried out by a member's replica of a replication strategy (<see cref="IReplicaClient"/>), key by
/// key with <see cref="EtcdReplicaModel"/>. What a replica group cannot give is refused with a gRPC error that says why,
/// never answered with a made-up value:
/// <list type="bullet">
/// <item>No global revisions: headers and keys carry revision 0 and version 0; a range at a revision, revision filters
/// and sorting by revision are refused (<c>Unimplemented</c>); so are <c>Compact</c> and <c>Txn</c> (a transaction needs
/// one order of every write, which the replicas do not agree on) and leases on puts.</item>
/// <item>A linearizable read (etcd's default) of one key is served only when the strategy promises linearizability
/// (<see cref="ReplicationGuarantee.Linearizable"/>) and goes through the replica (a quorum read); otherwise it is
/// refused with <c>FailedPrecondition</c>, naming <c>--consistency=s</c>. A serializable read of one key goes through the
/// replica as well (what the strategy answers).</item>
/// <item>A range of keys (<c>range_end</c>, <c>--prefix</c>) is found from the keys this member's replica holds (a key
/// only another replica holds yet is missing), each key then read through the replica; so it is served serializable only.
/// A delete of a range deletes those keys one by one (not atomically).</item>
/// </list>
/// A refusal of the replica's (backpressure, a command the strategy cannot carry out) is <c>ResourceExhausted</c> or
/// <c>FailedPrecondition</c>, with the strategy's reason; a command not answered in time is <c>Unavailable</c>
/// ("request timed out": it may have happened).
/// </summary>
internal sealed class ReplicaKv(IReplicaClient replica) : IKvBackend
{
    /// <inheritdoc />
    public async Task<RangeResponse> RangeAsync(RangeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireKey(request.Key);
        if (request.Revision != 0 || request.MinModRevision != 0 || request.MaxModRevision != 0 || request.MinCreateRevision != 0 || request.MaxCreateRevision != 0)
        {
            throw NoRevisions("a range at a revision or filtered by revisions");
        }

        if (request.SortOrder != RangeRequest.Types.SortOrder.None && request.SortTarget is not (RangeRequest.Types.SortTarget.Key or RangeRequest.Types.SortTarget.Value))
        {
            throw NoRevisions("sorting by version or revision");
        }

        var range = KeyRange.Of(request.Key, request.RangeEnd);
        List<(string Key, ReadOnlyMemory<byte> Value)> found;
        if (range.Single)
        {
            if (!request.Serializable && replica.Guarantee != ReplicationGuarantee.Linearizable)
            {
                throw new EtcdException(new EtcdError(StatusCode.FailedPrecondition,
                    $"etcdserver: {replica.StrategyKey} is eventually consistent and serves no linearizable reads; ask for a serializable read (etcdctl --consistency=s, RangeRequest.serializable)"));
            }

            found = [];
            if (await GetAsync(range.From, cancellationToken).ConfigureAwait(false) is { } value)
            {
                found.Add((range.From, value));
            }
        }
        else
        {
            if (!request.Serializable)
            {
                throw new EtcdException(new EtcdError(StatusCode.FailedPrecondition,
                    $"etcdserver: {replica.StrategyKey} serves a range of keys from this member's replica only (the keys it holds), so not linearizable; ask for a serializable read (etcdctl --consistency=s, RangeRequest.serializable)"));
            }

            var keys = await KeysAsync(range, cancellationToken).ConfigureAwait(false);
            var values = await Task.WhenAll(keys.Select(k => GetAsync(k, cancellationToken))).ConfigureAwait(false);
            found = [.. keys.Zip(values).Where(kv => kv.Second is not null).Select(kv => (kv.First, kv.Second!.Value))];
        }

        if (request.SortOrder != RangeRequest.Types.SortOrder.None)
        {
            Comparison<(string Key, ReadOnlyMemory<byte> Value)> byTarget = request.SortTarget == RangeRequest.Types.SortTarget.Value
                ? (a, b) => a.Value.Span.SequenceCompareTo(b.Value.Span)
                : (a, b) => string.CompareOrdinal(a.Key, b.Key);
            found.Sort(request.SortOrder == RangeRequest.Types.SortOrder.Descend ? (a, b) => byTarget(b, a) : byTarget);
        }

        var response = new RangeResponse { Header = Header(), Count = found.Count };
        if (request.CountOnly)
        {
            return response;
        }

        var take = request.Limit > 0 ? (int)Math.Min(request.Limit, found.Count) : found.Count;
        response.More = take < found.Count;
        foreach (var (key, value) in found.Take(take))
        {
            response.Kvs.Add(request.KeysOnly ? new Protos.KeyValue { Key = KeyRange.ToBytes(key) } : Kv(key, value));
        }

        return response;
    }

    /// <inheritdoc />
    public async Task<PutResponse> PutAsync(PutRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireKey(request.Key);
        if (request.Lease != 0 || request.IgnoreLease)
        {
            throw new EtcdException(new EtcdError(StatusCode.Unimplemented, $"etcdserver: {replica.StrategyKey} serves no leases (a lease's expiry needs one clock and one order of writes)"));
        }

        if (request.IgnoreValue)
        {
            throw new EtcdException(new EtcdError(StatusCode.Unimplemented, $"etcdserver: {replica.StrategyKey} serves no ignore_value puts (they keep a lease's key alive, and it serves no leases)"));
        }

        var key = KeyRange.ToKey(request.Key);
        var (existed, previous) = await SubmitAsync(EtcdReplicaModel.Put(key, request.Value.Span), cancellationToken).ConfigureAwait(false);
        var response = new PutResponse { Header = Header() };
        if (request.PrevKv && existed)
        {
            response.PrevKv = Kv(key, previous);
        }

        return response;
    }

    /// <inheritdoc />
    public async Task<DeleteRangeResponse> DeleteRangeAsync(DeleteRangeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireKey(request.Key);
        var range = KeyRange.Of(request.Key, request.RangeEnd);
        IReadOnlyList<string> keys = range.Single ? [range.From] : await KeysAsync(range, cancellationToken).ConfigureAwait(false);
        var outcomes = await Task.WhenAll(keys.Select(k => SubmitAsync(EtcdReplicaModel.Delete(k), cancellationToken))).ConfigureAwait(false);
        var response = new DeleteRangeResponse { Header = Header() };
        for (var i = 0; i < keys.Count; i++)
        {
            if (outcomes[i].Existed)
            {
                response.Deleted++;
                if (request.PrevKv)
                {
                    response.PrevKvs.Add(Kv(keys[i], outcomes[i].Value));
                }
            }
        }

        return response;
    }

    /// <inheritdoc />
    public Task<TxnResponse> TxnAsync(TxnRequest request, CancellationToken cancellationToken) =>
        throw new EtcdException(new EtcdError(StatusCode.Unimplemented,
            $"etcdserver: {replica.StrategyKey} serves no transactions: a txn compares and writes in one order of every write, which the replicas do not agree on"));

    /// <inheritdoc />
    public Task<CompactionResponse> CompactAsync(CompactionRequest request, CancellationToken cancellationToken) =>
        throw NoRevisions("compaction");

    private EtcdException NoRevisions(string what) =>
        new(new EtcdError(StatusCode.Unimplemented, $"etcdserver: {replica.StrategyKey} keeps no global revisions, so {what} is not served"));

    private ResponseHeader Header()
    {
        var status = replica.Status;
        return new ResponseHeader { ClusterId = status.ClusterId, MemberId = status.MemberId };
    }

    private static Protos.KeyValue Kv(string key, ReadOnlyMemory<byte> value) =>
        new() { Key = KeyRange.ToBytes(key), Value = ByteString.CopyFrom(value.Span) };

    /// <summary>The keys this member's replica holds in the range, in order.</summary>
    private Task<string[]> KeysAsync(KeyRange range, CancellationToken cancellationToken) =>
        replica.ReadContentsAsync(contents => contents.Keys.Where(range.Contains).Order(StringComparer.Ordinal).ToArray(), cancellationToken);

    private async Task<ReadOnlyMemory<byte>?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var (found, value) = await SubmitAsync(EtcdReplicaModel.Get(key), cancellationToken).ConfigureAwait(false);
        return found ? value : (ReadOnlyMemory<byte>?)null; // typed: an untyped null would convert to an empty value
    }

    private async Task<(bool Existed, ReadOnlyMemory<byte> Value)> SubmitAsync(ReplicaCommand command, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> response;
        try
        {
            response = await replica.SubmitAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (ReplicaRefusedException e)
        {
            throw new EtcdException(Refused(e.Reason));
        }
        catch (ProposalRejectedException e)
        {
            throw new EtcdException(e.Reason == RejectionReason.TooManyRequests ? EtcdError.TooManyRequests : new EtcdError(StatusCode.Unavailable, e.Message));
        }
        catch (ProposalOutcomeUnknownException e)
        {
            throw new EtcdException(new EtcdError(StatusCode.Unavailable, e.Message));
        }

        try
        {
            return EtcdReplicaModel.ReadResponse(response);
        }
        catch (FormatException e)
        {
            throw new EtcdException(new EtcdError(StatusCode.Internal, $"etcdserver: {replica.StrategyKey} answered with {response.Length} byte(s) that are not a response of its model: {e.Message}"));
        }
    }

    /// <summary>
    /// A replica's refusal: backpressure (too many in flight, a full queue) is <c>ResourceExhausted</c>, retried later; what the
    /// strategy cannot carry out at all (a CRDT cannot delete) is <c>FailedPrecondition</c>; anything else <c>Unavailable</c>.
    /// </summary>
    internal EtcdError Refused(string reason)
    {
        var message = $"etcdserver: {replica.StrategyKey} refused the request: {reason}";
        var code = reason.Contains("too many", StringComparison.OrdinalIgnoreCase) || reason.Contains("full", StringComparison.OrdinalIgnoreCase)
            ? StatusCode.ResourceExhausted
            : reason.Contains("cannot", StringComparison.OrdinalIgnoreCase) ? StatusCode.FailedPrecondition : StatusCode.Unavailable;
        return new EtcdError(code, message);
    }

    private static void RequireKey(ByteString key)
    {
        if (key.IsEmpty)
        {
            throw new EtcdException(EtcdError.EmptyKey);
        }
    }
}
