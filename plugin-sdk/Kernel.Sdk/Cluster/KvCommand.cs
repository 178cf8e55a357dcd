namespace Kernel.Sdk.Cluster;

/// <summary>The operations of the replicated key-value state machine that clients (and the simulator's workloads) run.</summary>
public enum KvOp : byte
{
    /// <summary>Reads a key; an absent key reads as null.</summary>
    Get = 0,

    /// <summary>Sets a key.</summary>
    Put = 1,

    /// <summary>Appends to a key's value (absent counts as empty).</summary>
    Append = 2,

    /// <summary>Sets a key to <see cref="KvCommand.Value"/> only if it holds <see cref="KvCommand.Expected"/>.</summary>
    Cas = 3,
}

/// <summary>A client operation on the key-value state machine.</summary>
/// <param name="Op">Which operation.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The value to put or append, or the new value of a compare-and-set.</param>
/// <param name="Expected">The value a compare-and-set expects.</param>
public sealed record KvCommand(KvOp Op, string Key, string? Value = null, string? Expected = null);

/// <summary>The result of a <see cref="KvCommand"/>.</summary>
/// <param name="Ok">False only for a compare-and-set whose expectation did not hold.</param>
/// <param name="Value">The value read by a get, or the key's value after the operation.</param>
public sealed record KvResult(bool Ok, string? Value);
