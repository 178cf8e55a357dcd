namespace Kernel.Sdk.Runtime;

/// <summary>The result of one <see cref="ReadyDriver.Drain"/>.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Batches">Batches taken from the node.</param>
/// <param name="Phase">Where it failed (<c>GetReady</c>, <c>storage</c>, <c>Advance</c>, <c>Compact</c>), when it did.</param>
/// <param name="Exception">What was thrown, when it failed.</param>
public readonly record struct ReadyDrain(ReadyDrainOutcome Outcome, int Batches, string? Phase, Exception? Exception);
