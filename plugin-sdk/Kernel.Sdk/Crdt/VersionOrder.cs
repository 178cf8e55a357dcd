namespace Kernel.Sdk.Crdt;

/// <summary>How two version vectors (or the versions they stamp) are ordered by causality.</summary>
public enum VersionOrder
{
    /// <summary>Both have seen exactly the same events.</summary>
    Same,

    /// <summary>The first has seen a strict subset of the second's events: it happened before.</summary>
    Before,

    /// <summary>The first has seen a strict superset of the second's events: it happened after.</summary>
    After,

    /// <summary>Each has seen an event the other has not: they are concurrent (siblings).</summary>
    Concurrent,
}
