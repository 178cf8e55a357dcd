namespace Kernel.Sdk.Testing.Simulation;

/// <summary>A property a run found broken.</summary>
/// <param name="Seed">The seed that reproduces it.</param>
/// <param name="Kind">One of <see cref="ViolationKinds"/>.</param>
/// <param name="Message">What happened, naming nodes, indexes and terms.</param>
/// <param name="At">Virtual time at which it was detected.</param>
public sealed record Violation(long Seed, string Kind, string Message, TimeSpan At)
{
    /// <inheritdoc />
    public override string ToString() => $"seed {Seed}: {Kind} at {At.TotalSeconds:F3}s: {Message}";
}

/// <summary>The kinds of <see cref="Violation"/>.</summary>
public static class ViolationKinds
{
    /// <summary>A client accepted a reply (from f+1 matching replicas) that differs from what the honest replicas executed.</summary>
    public const string ClientReply = "client-reply";

    /// <summary>The client history has no linearization under the kv-cas model.</summary>
    public const string Linearizability = "linearizability";

    /// <summary>Two nodes led the same term.</summary>
    public const string ElectionSafety = "election-safety";

    /// <summary>Two nodes applied different entries at the same index.</summary>
    public const string StateMachineSafety = "state-machine-safety";

    /// <summary>A node's applied prefix shrank or changed (across a restart included).</summary>
    public const string AppliedPrefix = "applied-prefix";

    /// <summary>
    /// A write acknowledged to a client is missing from a node at the end. For a convergent replication strategy: a key
    /// some client's acknowledged write went to is absent from the converged state, or a key's converged value is not
    /// made of writes clients sent to it (see <see cref="Simulator.Run(Kernel.Sdk.Replication.IReplicationStrategy, SimulationOptions)"/>).
    /// </summary>
    public const string LostAcknowledgedWrite = "lost-acknowledged-write";

    /// <summary>
    /// Replicas of a convergent replication strategy still hold different contents after every fault was healed, every
    /// replica restarted and the clients stopped, once the quiet period for anti-entropy is over.
    /// </summary>
    public const string Convergence = "convergence";

    /// <summary>A protocol's own invariant (<see cref="SimulationOptions.Invariant"/>) found broken.</summary>
    public const string ProtocolInvariant = "protocol-invariant";

    /// <summary>With every fault healed the cluster did not make progress in time.</summary>
    public const string Liveness = "liveness";

    /// <summary>A node started on storage it could not read (a latent sector error taken for missing data).</summary>
    public const string Storage = "storage";

    /// <summary>
    /// The seed did not finish within its wall-time limit (<see cref="Verification.VerifyOptions.SeedTimeout"/>): a
    /// strategy that loops, or floods the run with messages or events. Stopped where it was; not a property that failed.
    /// </summary>
    public const string Hang = "hang";

    /// <summary>A node threw, or its codec or storage failed.</summary>
    public const string Crash = "crash";

    /// <summary>
    /// Not a property that failed but a seed the verifier could not clear: its history got no linearizability verdict
    /// within the check budget (<see cref="Verification.VerifyOptions.CheckBudget"/>). It counts as not clean.
    /// </summary>
    public const string Unchecked = "unchecked";
}
