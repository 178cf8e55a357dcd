namespace Kernel.Sdk.Conflict;

/// <summary>
/// The outcome of resolving a conflict: the versions to keep. One version is a resolution (a winner, or a merge); several
/// are siblings, kept side by side for a reader or a person to reconcile (as Dynamo and Riak keep them). Build one with
/// <see cref="Winner"/> or <see cref="Siblings"/>.
/// </summary>
public sealed class Resolution
{
    private Resolution(IReadOnlyList<VersionedValue> kept, string explanation)
    {
        Kept = kept;
        Explanation = explanation;
    }

    /// <summary>The versions to keep: one, or several siblings.</summary>
    public IReadOnlyList<VersionedValue> Kept { get; }

    /// <summary>Why, in a line, for audit logs.</summary>
    public string Explanation { get; }

    /// <summary>The one version kept, or null when siblings are kept.</summary>
    public VersionedValue? Resolved => Kept.Count == 1 ? Kept[0] : null;

    /// <summary>True when several versions are kept.</summary>
    public bool HasSiblings => Kept.Count > 1;

    /// <summary>One version wins (or a merged version replaces them all).</summary>
    public static Resolution Winner(VersionedValue version, string explanation)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(explanation);
        return new Resolution([version], explanation);
    }

    /// <summary>Several versions are kept as siblings (at least one; one is the same as <see cref="Winner"/>).</summary>
    public static Resolution Siblings(IReadOnlyList<VersionedValue> versions, string explanation)
    {
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentNullException.ThrowIfNull(explanation);
        if (versions.Count == 0)
        {
            throw new ArgumentException("A resolution keeps at least one version.", nameof(versions));
        }

        return new Resolution([.. versions], explanation);
    }
}
