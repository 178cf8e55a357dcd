using Google.Protobuf;

using Kernel.Node.Etcd.Protos;
using Kernel.Node.Runtime;

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kernel.Node.Etcd.Leases;

/// <summary>
/// The leader's side of lease expiry: every <see cref="EtcdApiOptions.LeaseCheckInterval"/> this member checks whether it
/// leads (from <see cref="INodeClient.Status"/>) and, if so, proposes a revoke through the log for each lease its
/// <see cref="LeaseClock"/> finds expired, so every member deletes the lease's keys at the same revision. A member that
/// has just become leader first gives every lease its full TTL.
/// </summary>
internal sealed partial class LeaseExpiry(INodeClient node, LeaseClock clock, EtcdApiOptions options, ILogger<LeaseExpiry> logger) : BackgroundService
{
    private bool _leading;

    /// <summary>One check: revokes, through the log, the leases expired by the leader's clock. Returns how many it revoked.</summary>
    public async Task<int> CheckAsync(CancellationToken cancellationToken)
    {
        var status = node.Status;
        var leading = status.LeaderId != 0 && status.LeaderId == status.MemberId;
        if (leading && !_leading)
        {
            clock.ExtendAll();
        }

        _leading = leading;
        if (!leading)
        {
            return 0;
        }

        var revoked = 0;
        foreach (var id in clock.Expired())
        {
            try
            {
                var command = new StoreCommand { LeaseRevoke = new LeaseRevokeRequest { ID = id } };
                await node.ProposeAsync(command.ToByteArray(), cancellationToken).ConfigureAwait(false);
                revoked++;
                LogExpired(id);
            }
            catch (ProposalRejectedException e)
            {
                // Not taken now (no leader, backpressure, stopping): the next check tries again.
                LogNotTaken(id, e.Message);
                break;
            }
        }

        return revoked;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.LeaseCheckInterval, clock.Time, stoppingToken).ConfigureAwait(false);
                await CheckAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Lease {LeaseId:x} expired; revoked through the log")]
    private partial void LogExpired(long leaseId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease {LeaseId:x} expired but its revoke was not taken: {Reason}")]
    private partial void LogNotTaken(long leaseId, string reason);
}
