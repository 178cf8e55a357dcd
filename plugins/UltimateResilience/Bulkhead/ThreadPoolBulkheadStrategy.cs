using System.Globalization;
using System.Threading.Channels;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using Polly.Telemetry;
using UltimateResilience.Common;

namespace UltimateResilience.Bulkhead;

/// <summary><c>resilience/bulkhead-thread-pool</c>: the factory.</summary>
internal sealed class ThreadPoolBulkheadStrategy(IResilienceHost host) : CustomStrategyFactory<ThreadPoolBulkheadOptions>(host)
{
    public override string Name => "bulkhead-thread-pool";

    public override string Description => "Runs calls on dedicated bounded worker threads with a queue, for blocking work";

    public override ThreadPoolBulkheadOptions Read(OptionReader reader) => ThreadPoolBulkheadOptions.Read(reader);

    public override ResilienceStrategy Create(StrategyBuilderContext context, ThreadPoolBulkheadOptions options) =>
        ResilienceBuilderExtensions.ThreadPool(context, options);
}

/// <summary>Dedicated threads reading work from a channel; admission counts running plus queued calls against the bound.</summary>
internal sealed class ThreadPoolBulkhead : ResilienceStrategy, IDisposable
{
    private readonly Channel<IWorkItem> _queue = Channel.CreateUnbounded<IWorkItem>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });
    private readonly Thread[] _workers;
    private readonly int _bound;
    private readonly string _name;
    private readonly ResilienceStrategyTelemetry _telemetry;
    private int _admitted;
    private int _started;

    public ThreadPoolBulkhead(ThreadPoolBulkheadOptions options, ResilienceStrategyTelemetry telemetry)
    {
        _bound = options.Threads + options.QueueLimit;
        _name = options.Name ?? "bulkhead-thread-pool";
        _telemetry = telemetry;
        _workers = new Thread[options.Threads];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"{_name} worker {i}" };
        }
    }

    /// <summary>The worker threads (for tests: a call runs on one of them).</summary>
    public IReadOnlyList<Thread> Workers => _workers;

    public void Dispose() => _queue.Writer.TryComplete();

    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        // The threads start with the first call, not with the build: the kernel's trial builds are never executed nor disposed.
        if (Volatile.Read(ref _started) == 0 && Interlocked.Exchange(ref _started, 1) == 0)
        {
            foreach (var worker in _workers)
            {
                worker.Start();
            }
        }

        if (Interlocked.Increment(ref _admitted) > _bound)
        {
            Interlocked.Decrement(ref _admitted);
            return new(_telemetry.Reject<TResult>(context, _name, "thread-pool", string.Create(CultureInfo.InvariantCulture,
                $"{_workers.Length} worker threads busy and {_bound - _workers.Length} calls queued")));
        }

        var item = new WorkItem<TResult, TState>(callback, context, state);
        if (!_queue.Writer.TryWrite(item))
        {
            Interlocked.Decrement(ref _admitted);
            return new(Outcome.FromException<TResult>(new ObjectDisposedException(_name, "the thread-pool bulkhead's pipeline was disposed")));
        }

        return new(item.Completion.Task);
    }

    private void Work()
    {
        var reader = _queue.Reader;
        while (true)
        {
            while (reader.TryRead(out var item))
            {
                item.Run();
                Interlocked.Decrement(ref _admitted);
            }

            if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                return;
            }
        }
    }

    private interface IWorkItem
    {
        void Run();
    }

    private sealed class WorkItem<TResult, TState>(Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state) : IWorkItem
    {
        public TaskCompletionSource<Outcome<TResult>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Run()
        {
            if (context.CancellationToken.IsCancellationRequested)
            {
                Completion.SetResult(Outcome.FromException<TResult>(new OperationCanceledException(context.CancellationToken)));
                return;
            }

            try
            {
                var pending = callback(context, state);
                Completion.SetResult(pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult());
            }
            catch (Exception ex)
            {
                Completion.SetResult(Outcome.FromException<TResult>(ex));
            }
        }
    }
}
