using Polly;

namespace UltimateResilience.Tests.Bulkhead;

/// <summary>Calls held open until released, to fill a bulkhead under test.</summary>
internal sealed class HeldCalls
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts a call through <paramref name="pipeline"/> with a context prepared by <paramref name="prepare"/>; it runs until <see cref="Release"/>.</summary>
    public Task Start(ResiliencePipeline pipeline, Action<ResilienceContext>? prepare = null, Action? onRun = null)
    {
        var context = ResilienceContextPool.Shared.Get();
        prepare?.Invoke(context);
        return pipeline.ExecuteAsync(async _ =>
        {
            onRun?.Invoke();
            await _gate.Task;
        }, context).AsTask();
    }

    public void Release() => _gate.TrySetResult();
}
