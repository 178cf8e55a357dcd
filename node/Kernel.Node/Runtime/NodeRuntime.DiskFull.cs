using System.Threading.Channels;

namespace Kernel.Node.Runtime;

/// <summary>
/// A full disk (ENOSPC, or a quota) when the member persists its log: instead of stopping, the member closes its storage
/// and node, as a crash would, and serves what needs no disk until it can open them again. The proposals it had taken
/// fail with an outcome it cannot tell (their entries may or may not be in the log on disk); new proposals are refused
/// with etcd's <c>etcdserver: mvcc: database space exceeded</c> (<see cref="RejectionReason.NoSpace"/>); serializable
/// reads are answered from the state machine, which keeps everything applied. About once a second, once the directory
/// has <see cref="NodeRuntimeOptions.ResumeFreeDiskBytes"/> free (or its free space cannot be told), the member reopens
/// its storage and creates its node on what is durable, exactly as a restart would, and goes on.
/// </summary>
/// <remarks>
/// Reopening instead of carrying on is what keeps the protocol safe: after a failed append the node's memory holds entries
/// the disk may not, and a node must never act on state it did not persist. The state machine is not rebuilt: it holds
/// only committed entries (applied after they were durable here), and the entries the reopened node hands out again are
/// skipped up to its applied index. A snapshot file that cannot be written for want of space is not fatal either: the log
/// it would have replaced stays on disk, and the next snapshot is tried a second later.
/// </remarks>
internal sealed partial class NodeRuntime
{
    private const string NoSpaceMessage = "etcdserver: mvcc: database space exceeded";
    private long _snapshotRetryAt;
    private volatile bool _diskFull;

    /// <summary>True while the member waits for disk space with its storage closed.</summary>
    public bool DiskFull => _diskFull;

    /// <summary>True when <paramref name="error"/> (or an exception inside it) reports a full disk or an exceeded quota.</summary>
    internal static bool IsOutOfSpace(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is IOException io && (io.HResult is 28 /* ENOSPC */ or 122 /* EDQUOT */ or unchecked((int)0x80070070) /* ERROR_DISK_FULL */ or unchecked((int)0x80070027) /* ERROR_HANDLE_DISK_FULL */
                || io.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
                || io.Message.Contains("not enough space on the disk", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }

            if (e is AggregateException { InnerExceptions.Count: > 0 } aggregate && aggregate.InnerExceptions.Any(IsOutOfSpace))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Bytes free in the data directory's file system, or null when that cannot be told (not a directory on disk).</summary>
    private long? FreeDiskBytes()
    {
        if (_options.FreeDiskBytes is { } probe)
        {
            return probe();
        }

        try
        {
            return Directory.Exists(_directory.Location) ? new DriveInfo(_directory.Location).AvailableFreeSpace : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// On the loop, when persisting failed for want of space: closes the node and storage, fails what they held, serves
    /// inputs without them until they reopen (true) or the member stops (false).
    /// </summary>
    private bool WaitOutFullDisk(Exception error, ChannelReader<Input> reader)
    {
        _diskFull = true;
        Log.DiskFull(_logger, _cluster.SelfMember.Name, _directory.Location, error.Message);
        var unknown = "etcdserver: request timed out, the member's disk is full (" + error.Message + ")";
        foreach (var p in _pending.Values.ToArray())
        {
            Fail(p, new ProposalOutcomeUnknownException(unknown));
        }

        _pending.Clear();
        foreach (var read in _reads.Values.ToArray())
        {
            FinishRead(read, new ProposalRejectedException(RejectionReason.NoSpace, NoSpaceMessage));
        }

        _reads.Clear();
        _completed.Clear();
        _servedReads.Clear();
        WaitForSnapshotWork();
        _snapshotWork = null;
        try
        {
            _storage?.Dispose();
        }
        catch (IOException)
        {
            // what it still buffered cannot be written either: the reopen recovers what is on disk
        }

        _storage = null;
        _status = _status with { LeaderId = 0 };

        var retryEvery = Math.Max(1, (int)(TimeSpan.FromSeconds(1) / _options.TickLength));
        var ticks = 0;
        while (true)
        {
            if (!reader.TryRead(out var input))
            {
                if (!WaitForInput(reader))
                {
                    return false;
                }

                continue;
            }

            switch (input.Kind)
            {
                case InputKind.Stop:
                    return false;
                case InputKind.Tick when ++ticks % retryEvery == 0 && TryReopen():
                    return true;
                case InputKind.Propose:
                    Reject((Pending)input.Payload!, RejectionReason.NoSpace, NoSpaceMessage);
                    break;
                case InputKind.Read:
                    var pendingRead = (PendingRead)input.Payload!;
                    if (pendingRead.Linearizable)
                    {
                        FinishRead(pendingRead, new ProposalRejectedException(RejectionReason.NoSpace, NoSpaceMessage));
                    }
                    else
                    {
                        pendingRead.Run();
                    }

                    break;
                case InputKind.Forwarded:
                    ((Forwarded)input.Payload!).Done.TrySetResult(ForwardOutcome.Rejected(RejectionReason.NoLeader, "etcdserver: not leader (its disk is full)"));
                    break;
                case InputKind.ForwardDone:
                    ForwardDone((ForwardReply)input.Payload!);
                    break;
                default:
                    break; // peer messages, snapshot results: the closed node has no use for them
            }
        }
    }

    /// <summary>Reopens the storage and the node when the directory has room again; false to wait longer.</summary>
    private bool TryReopen()
    {
        if (FreeDiskBytes() is { } free && free < _options.ResumeFreeDiskBytes)
        {
            return false;
        }

        try
        {
            var recovered = OpenNode();
            _diskFull = false;
            Log.Reopened(_logger, _cluster.SelfMember.Name, recovered.Snapshot?.Index ?? 0, recovered.Entries.Count);
            return true;
        }
        catch (Exception ex) when (IsOutOfSpace(ex))
        {
            return false;
        }
    }

    /// <summary>A snapshot that could not be written for want of space: not fatal; the next one is tried a second later.</summary>
    private void SnapshotFailedForSpace(long index, Exception error)
    {
        _snapshotRetryAt = _time.GetTimestamp() + (long)_time.TimestampFrequency;
        Log.SnapshotNoSpace(_logger, _cluster.SelfMember.Name, index, error.Message);
    }

    /// <summary>False while a snapshot that failed for want of space waits to be tried again.</summary>
    private bool SnapshotMayStart() => _snapshotRetryAt == 0 || _time.GetTimestamp() >= _snapshotRetryAt;
}
