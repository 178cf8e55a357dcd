using System.Threading.Channels;

namespace Kernel.Node.Runtime;

/// <summary>
/// How a member's loop thread (a consensus node's or a replica's) sleeps until its inbox has an input: on an event that
/// does not spin (a blocking <c>Task.Wait</c> spins first, and idle spinning took a large share of a member's CPU), woken
/// by the channel's continuation.
/// </summary>
internal sealed class LoopWake : IDisposable
{
    private readonly ManualResetEventSlim _wake = new(initialState: false, spinCount: 0);
    private readonly Action _set;

    public LoopWake() => _set = _wake.Set;

    /// <summary>Sleeps until <paramref name="reader"/> has an input (true) or is completed (false).</summary>
    public bool WaitForInput<T>(ChannelReader<T> reader)
    {
        var wait = reader.WaitToReadAsync();
        if (!wait.IsCompleted)
        {
            _wake.Reset();
            wait.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_set);
            _wake.Wait();
        }

        return wait.Result;
    }

    public void Dispose() => _wake.Dispose();
}
