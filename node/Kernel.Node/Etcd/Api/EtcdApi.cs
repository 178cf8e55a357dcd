using Google.Protobuf;

using Kernel.Node.Etcd.Leases;
using Kernel.Node.Etcd.Mvcc;
using Kernel.Node.Etcd.Protos;
using Kernel.Node.Runtime;

namespace Kernel.Node.Etcd.Api;

/// <summary>
/// The etcd operations over one member, shared by the gRPC services and the JSON gateway: writes proposed through the
/// log, reads run on the member's loop (linearizable unless asked serializable), headers filled from the member's status,
/// refusals thrown as etcd's gRPC errors.
/// </summary>
internal sealed class EtcdApi(INodeClient node, MvccStore store, LeaseClock clock, EtcdApiOptions options) : IKvBackend
{
    public MvccStore Store => store;

    public EtcdApiOptions Options => options;

    /// <summary>The member's clock (lease deadlines, watch progress).</summary>
    public TimeProvider Time => clock.Time;

    public Task<RangeResponse> RangeAsync(RangeRequest request, CancellationToken cancellationToken)
    {
        RequireKey(request.Key);
        return ReadAsync<RangeResponse>(() => store.Range(request), !request.Serializable, cancellationToken);
    }

    public Task<PutResponse> PutAsync(PutRequest request, CancellationToken cancellationToken)
    {
        RequireKey(request.Key);
        return ProposeAsync<PutResponse>(new StoreCommand { Put = request }, cancellationToken);
    }

    public Task<DeleteRangeResponse> DeleteRangeAsync(DeleteRangeRequest request, CancellationToken cancellationToken)
    {
        RequireKey(request.Key);
        return ProposeAsync<DeleteRangeResponse>(new StoreCommand { DeleteRange = request }, cancellationToken);
    }

    /// <summary>A txn: through the log when a branch writes, else a linearizable read (as etcd serves read-only txns).</summary>
    public Task<TxnResponse> TxnAsync(TxnRequest request, CancellationToken cancellationToken) => MvccStore.IsReadOnly(request)
        ? ReadAsync<TxnResponse>(() => store.ReadTxn(request), linearizable: true, cancellationToken)
        : ProposeAsync<TxnResponse>(new StoreCommand { Txn = request }, cancellationToken);

    public Task<CompactionResponse> CompactAsync(CompactionRequest request, CancellationToken cancellationToken) =>
        ProposeAsync<CompactionResponse>(new StoreCommand { Compact = request }, cancellationToken);

    public Task<LeaseGrantResponse> LeaseGrantAsync(LeaseGrantRequest request, CancellationToken cancellationToken) =>
        ProposeAsync<LeaseGrantResponse>(new StoreCommand { LeaseGrant = request }, cancellationToken);

    public Task<LeaseRevokeResponse> LeaseRevokeAsync(LeaseRevokeRequest request, CancellationToken cancellationToken) =>
        ProposeAsync<LeaseRevokeResponse>(new StoreCommand { LeaseRevoke = request }, cancellationToken);

    /// <summary>Renews a lease through the log; a lease that is gone answers TTL 0, as etcd's keep-alive stream does.</summary>
    public async Task<LeaseKeepAliveResponse> KeepAliveAsync(LeaseKeepAliveRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await ProposeAsync<LeaseKeepAliveResponse>(new StoreCommand { LeaseRenew = request }, cancellationToken).ConfigureAwait(false);
        }
        catch (EtcdException e) when (e.Error == EtcdError.LeaseNotFound)
        {
            return new LeaseKeepAliveResponse { Header = Header(0), ID = request.ID, TTL = 0 };
        }
    }

    /// <summary>A lease's remaining and granted TTL (and keys when asked); a lease that is gone answers TTL -1, as etcd does.</summary>
    public async Task<LeaseTimeToLiveResponse> LeaseTimeToLiveAsync(LeaseTimeToLiveRequest request, CancellationToken cancellationToken)
    {
        var (info, revision) = await RunAsync(() => (store.LeaseInfo(request.ID), store.Revision), linearizable: true, cancellationToken).ConfigureAwait(false);
        var response = new LeaseTimeToLiveResponse { Header = Header(revision), ID = request.ID, TTL = -1 };
        if (info is { } lease)
        {
            response.GrantedTTL = lease.GrantedTtl;
            response.TTL = clock.RemainingSeconds(request.ID) ?? lease.GrantedTtl;
            if (request.Keys)
            {
                response.Keys.AddRange(lease.Keys);
            }
        }

        return response;
    }

    public async Task<LeaseLeasesResponse> LeaseLeasesAsync(LeaseLeasesRequest request, CancellationToken cancellationToken)
    {
        var (ids, revision) = await RunAsync(() => (store.LeaseIds(), store.Revision), linearizable: true, cancellationToken).ConfigureAwait(false);
        var response = new LeaseLeasesResponse { Header = Header(revision) };
        response.Leases.AddRange(ids.Select(id => new LeaseStatus { ID = id }));
        return response;
    }

    public Task<MemberListResponse> MemberListAsync(MemberListRequest request, CancellationToken cancellationToken)
    {
        var response = new MemberListResponse { Header = Header(0) };
        foreach (var member in node.Status.Members)
        {
            var m = new Member { ID = member.Id, Name = member.Name, IsLearner = member.IsLearner };
            m.PeerURLs.AddRange(member.PeerUrls);
            m.ClientURLs.AddRange(member.ClientUrls);
            response.Members.Add(m);
        }

        return Task.FromResult(response);
    }

    public async Task<StatusResponse> StatusAsync(StatusRequest request, CancellationToken cancellationToken)
    {
        var (size, revision) = await RunAsync(() => (store.ApproximateSize(), store.Revision), linearizable: false, cancellationToken).ConfigureAwait(false);
        var status = node.Status;
        var self = status.Members.FirstOrDefault(m => m.Id == status.MemberId);
        return new StatusResponse
        {
            Header = Header(revision),
            Version = options.ServerVersion,
            DbSize = size,
            DbSizeInUse = size,
            Leader = status.LeaderId,
            RaftIndex = (ulong)Math.Max(0, status.CommitIndex),
            RaftTerm = (ulong)Math.Max(0, status.Term),
            RaftAppliedIndex = (ulong)Math.Max(0, status.AppliedIndex),
            IsLearner = self?.IsLearner ?? false,
        };
    }

    /// <summary>Lists alarms: this store raises none. Raising or clearing one by hand is not offered.</summary>
    public Task<AlarmResponse> AlarmAsync(AlarmRequest request, CancellationToken cancellationToken) =>
        request.Action == AlarmRequest.Types.AlarmAction.Get
            ? Task.FromResult(new AlarmResponse { Header = Header(0) })
            : throw new EtcdException(new EtcdError(Grpc.Core.StatusCode.Unimplemented, "etcdserver: alarms are not raised or cleared by hand on this member"));

    /// <summary>Defragments: nothing to do, the store holds no free pages.</summary>
    public Task<DefragmentResponse> DefragmentAsync(DefragmentRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new DefragmentResponse { Header = Header(0) });

    /// <summary>A response header: this member's cluster, id and term, and the given revision.</summary>
    public ResponseHeader Header(long revision)
    {
        var status = node.Status;
        return new ResponseHeader
        {
            ClusterId = status.ClusterId,
            MemberId = status.MemberId,
            RaftTerm = (ulong)Math.Max(0, status.Term),
            Revision = revision,
        };
    }

    /// <summary>Runs a read on the member's loop, turning a refusal into etcd's error.</summary>
    public async Task<T> RunAsync<T>(Func<T> read, bool linearizable, CancellationToken cancellationToken)
    {
        try
        {
            return await node.ReadAsync(read, linearizable, cancellationToken).ConfigureAwait(false);
        }
        catch (ProposalRejectedException e)
        {
            throw new EtcdException(Refusal(e.Reason));
        }
        catch (ProposalOutcomeUnknownException e)
        {
            throw new EtcdException(Unknown(e));
        }
    }

    private async Task<T> ReadAsync<T>(Func<object> read, bool linearizable, CancellationToken cancellationToken)
        where T : class, IMessage
    {
        var result = await RunAsync(read, linearizable, cancellationToken).ConfigureAwait(false);
        return Complete<T>(result);
    }

    private async Task<T> ProposeAsync<T>(StoreCommand command, CancellationToken cancellationToken)
        where T : class, IMessage
    {
        object? result;
        try
        {
            result = await node.ProposeAsync(command.ToByteArray(), cancellationToken).ConfigureAwait(false);
        }
        catch (ProposalRejectedException e)
        {
            throw new EtcdException(Refusal(e.Reason));
        }
        catch (ProposalOutcomeUnknownException e)
        {
            throw new EtcdException(Unknown(e));
        }

        return Complete<T>(result);
    }

    private T Complete<T>(object? result)
        where T : class, IMessage
    {
        switch (result)
        {
            case EtcdError error:
                throw new EtcdException(error);
            case T response:
                if (response is IHasHeader withHeader)
                {
                    withHeader.Header = Header(withHeader.Header?.Revision ?? 0);
                }

                return response;
            default:
                throw new EtcdException(new EtcdError(Grpc.Core.StatusCode.Internal, $"etcdserver: unexpected response {result?.GetType().Name ?? "null"}"));
        }
    }

    private static EtcdError Refusal(RejectionReason reason) => reason switch
    {
        RejectionReason.NoLeader => EtcdError.NoLeader,
        RejectionReason.TooManyRequests => EtcdError.TooManyRequests,
        RejectionReason.NoSpace => EtcdError.NoSpace,
        _ => EtcdError.Stopped,
    };

    /// <summary>Taken, then the leader changed or the member stopped: etcd's errors for an outcome the member cannot tell.</summary>
    private static EtcdError Unknown(ProposalOutcomeUnknownException e) =>
        e.Message.Contains("leader changed", StringComparison.Ordinal) ? EtcdError.LeaderChanged
        : e.Message.Contains("disk is full", StringComparison.Ordinal) ? new EtcdError(Grpc.Core.StatusCode.Unavailable, e.Message)
        : EtcdError.TimedOut;

    private static void RequireKey(ByteString key)
    {
        if (key.IsEmpty)
        {
            throw new EtcdException(EtcdError.EmptyKey);
        }
    }
}
