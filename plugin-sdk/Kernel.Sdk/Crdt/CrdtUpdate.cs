namespace Kernel.Sdk.Crdt;

/// <summary>The outcome of an update through <see cref="ICrdtType.Update"/>: the new state and the delta to ship.</summary>
/// <param name="State">The new state's canonical encoding.</param>
/// <param name="Delta">The delta's canonical encoding: merged into any replica with <see cref="ICrdtType.MergeDelta"/>.</param>
public sealed record CrdtUpdate(byte[] State, byte[] Delta);
