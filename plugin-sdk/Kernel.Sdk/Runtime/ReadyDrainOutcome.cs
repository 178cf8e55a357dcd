namespace Kernel.Sdk.Runtime;

/// <summary>How a <see cref="ReadyDriver.Drain"/> ended.</summary>
public enum ReadyDrainOutcome
{
    /// <summary>The node has nothing more to do.</summary>
    Idle,

    /// <summary>The handler answered false at a <see cref="ReadyStage"/>.</summary>
    Stopped,

    /// <summary>The node or its storage threw; see <see cref="ReadyDrain.Phase"/> and <see cref="ReadyDrain.Exception"/>.</summary>
    Failed,

    /// <summary>The node reported output batch after batch past <see cref="ReadyDriverOptions.MaxBatchesPerDrain"/>.</summary>
    Livelock,
}
