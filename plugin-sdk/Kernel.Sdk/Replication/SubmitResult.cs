namespace Kernel.Sdk.Replication;

/// <summary>Whether a replica took a client request (<see cref="IReplicaNode.Submit"/>); a refusal says why.</summary>
/// <param name="Accepted">True when the request was taken: its response comes later, or never.</param>
/// <param name="Reason">Why not, when refused (for example <c>too many requests in flight</c>).</param>
public readonly record struct SubmitResult(bool Accepted, string? Reason)
{
    /// <summary>A request taken.</summary>
    public static SubmitResult Ok { get; } = new(true, null);

    /// <summary>A request refused, with the reason.</summary>
    public static SubmitResult Refused(string reason) => new(false, reason);
}
