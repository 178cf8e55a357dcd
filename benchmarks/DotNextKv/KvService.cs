using System.Collections.Concurrent;
using System.Net;

using DotNext.Net.Cluster.Consensus.Raft;

using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

using Kernel.Node.Etcd.Protos;

namespace DotNextKv;

/// <summary>
/// etcd's KV service, the part the benchmark and <c>etcdctl check perf</c> use: Put and DeleteRange replicated through
/// DotNext's Raft (a follower forwards them to the leader's gRPC endpoint), Range linearizable through
/// <see cref="IRaftCluster.ApplyReadBarrierAsync"/> (on a follower DotNext asks the leader for its commit index and waits
/// for it to be applied) or serializable from the local state. Txn and Compact answer Unimplemented.
/// </summary>
internal sealed class KvService(Member member) : KV.KVBase
{
    public override async Task<PutResponse> Put(PutRequest request, ServerCallContext context)
    {
        if (member.LeaderClient() is { } leader)
        {
            return await leader.PutAsync(request, deadline: context.Deadline, cancellationToken: context.CancellationToken);
        }

        var applied = await member.ProposeAsync(KvStore.PutOp, request.Key.Span, request.Value.Span, context.CancellationToken);
        return new PutResponse { Header = member.Header(applied.Revision) };
    }

    public override async Task<DeleteRangeResponse> DeleteRange(DeleteRangeRequest request, ServerCallContext context)
    {
        if (member.LeaderClient() is { } leader)
        {
            return await leader.DeleteRangeAsync(request, deadline: context.Deadline, cancellationToken: context.CancellationToken);
        }

        var applied = await member.ProposeAsync(KvStore.DeleteOp, request.Key.Span, request.RangeEnd.Span, context.CancellationToken);
        return new DeleteRangeResponse { Header = member.Header(applied.Revision), Deleted = applied.Deleted };
    }

    public override async Task<RangeResponse> Range(RangeRequest request, ServerCallContext context)
    {
        if (!request.Serializable)
        {
            try
            {
                await member.Cluster.ApplyReadBarrierAsync(context.CancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, $"etcdserver: read barrier failed: {e.Message}"));
            }
        }

        var (items, count, revision) = member.Store.Range(request.Key.ToByteArray(), request.RangeEnd.ToByteArray(), request.Limit);
        var response = new RangeResponse { Header = member.Header(revision), Count = count, More = items.Count < count };
        if (!request.CountOnly)
        {
            foreach (var (key, rec) in items)
            {
                response.Kvs.Add(new KeyValue
                {
                    Key = ByteString.CopyFrom(System.Text.Encoding.Latin1.GetBytes(key)),
                    Value = request.KeysOnly ? ByteString.Empty : UnsafeByteOperations.UnsafeWrap(rec.Value),
                    CreateRevision = rec.Create,
                    ModRevision = rec.Mod,
                    Version = rec.Version,
                });
            }
        }

        return response;
    }
}

/// <summary>This process's member: DotNext's cluster and WAL, the state, and gRPC clients of the other members.</summary>
internal sealed class Member(RaftCluster cluster, KvStore store, IPEndPoint[] raft, string[] grpc, int index)
{
    private static readonly TimeSpan ProposalTimeout = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<int, KV.KVClient> _peers = new();
    private long _next;

    public RaftCluster Cluster => cluster;

    public KvStore Store => store;

    public ResponseHeader Header(long revision) => new()
    {
        ClusterId = 0xD07_4E47,
        MemberId = (ulong)index,
        Revision = revision,
        RaftTerm = (ulong)cluster.Term,
    };

    /// <summary>The leader's KV client when another member leads; null when this one does; Unavailable when none.</summary>
    public KV.KVClient? LeaderClient()
    {
        if (cluster.Leader is not { } leader)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "etcdserver: no leader"));
        }

        if (!leader.IsRemote)
        {
            return null;
        }

        var at = Array.FindIndex(raft, e => e.Equals(leader.EndPoint));
        if (at < 0)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"etcdserver: leader {leader.EndPoint} is not a known member"));
        }

        return _peers.GetOrAdd(at, i => new KV.KVClient(GrpcChannel.ForAddress(grpc[i])));
    }

    /// <summary>
    /// Replicates one command (DotNext's ReplicateAsync: appended, replicated, committed and applied; 6.12's WAL
    /// checkpoints on every commit) before the caller acknowledges.
    /// </summary>
    public Task<Applied> ProposeAsync(byte op, ReadOnlySpan<byte> key, ReadOnlySpan<byte> rest, CancellationToken ct)
    {
        var id = ((long)index << 56) | Interlocked.Increment(ref _next);
        return ProposeAsync(id, KvStore.Command(op, id, key, rest), ct);
    }

    private async Task<Applied> ProposeAsync(long id, byte[] command, CancellationToken ct)
    {
        var waiter = new TaskCompletionSource<Applied>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Pending[id] = waiter;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(ProposalTimeout);
            // Returns once the entry's index is applied here; if another leader overwrote it, ours was never applied.
            await cluster.ReplicateAsync(command, null, timeout.Token);
            if (!waiter.Task.IsCompleted)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "etcdserver: leader changed"));
            }

            var applied = await waiter.Task.WaitAsync(timeout.Token);
            return applied;
        }
        catch (Exception e) when (e is NotLeaderException or InvalidOperationException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "etcdserver: not leader"));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "etcdserver: request timed out"));
        }
        finally
        {
            store.Pending.TryRemove(id, out _);
        }
    }
}
