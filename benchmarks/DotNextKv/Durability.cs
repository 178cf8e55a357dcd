using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace DotNextKv;

/// <summary>
/// Group commit over DotNext's <see cref="WriteAheadLog.FlushAsync(CancellationToken)"/> ("flushes and writes the
/// checkpoint"): whenever entries were applied, one loop per member flushes the WAL through the commit index of that
/// moment. 6.12's WAL also checkpoints on every commit by itself (its FlushInterval option is obsolete); this loop makes
/// the leader's acknowledgement of a put wait until a flush that covers the put's index has completed. Followers
/// answer AppendEntries before their flush, as DotNext does: their copy becomes durable with the commit, not before.
/// </summary>
internal sealed class Durability : IAsyncDisposable
{
    private readonly WriteAheadLog _wal;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Lock _lock = new();
    private readonly PriorityQueue<TaskCompletionSource, long> _waiters = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _flushed;
    private Exception? _failure;
    private int _signaled;

    public Durability(WriteAheadLog wal)
    {
        _wal = wal;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Entries were applied: flush soon.</summary>
    public void Notify()
    {
        if (Interlocked.Exchange(ref _signaled, 1) == 0)
        {
            _signal.Release();
        }
    }

    /// <summary>Completes when the WAL is flushed through <paramref name="index"/>.</summary>
    public Task WaitFlushedAsync(long index)
    {
        lock (_lock)
        {
            if (_flushed >= index)
            {
                return Task.CompletedTask;
            }

            if (_failure is not null)
            {
                return Task.FromException(new IOException("the WAL flush failed", _failure));
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter, index);
            Notify();
            return waiter.Task;
        }
    }

    private async Task LoopAsync()
    {
        try
        {
            while (true)
            {
                await _signal.WaitAsync(_stop.Token).ConfigureAwait(false);
                Interlocked.Exchange(ref _signaled, 0);
                var through = _wal.LastCommittedEntryIndex;
                if (through <= Volatile.Read(ref _flushed))
                {
                    continue;
                }

                await _wal.FlushAsync(_stop.Token).ConfigureAwait(false);
                lock (_lock)
                {
                    _flushed = through;
                    while (_waiters.TryPeek(out var waiter, out var index) && index <= through)
                    {
                        _waiters.Dequeue();
                        waiter.TrySetResult();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                _failure = e;
                while (_waiters.TryDequeue(out var waiter, out _))
                {
                    waiter.TrySetException(e);
                }
            }

            await Console.Error.WriteLineAsync($"DotNextKv: the WAL flush failed: {e}").ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _signal.Dispose();
    }
}
