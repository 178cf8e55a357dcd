using Kernel.Sdk.Strategies;

namespace UltimateConflict.Crdt.Options;

/// <summary>
/// Options of <c>crdt/g-counter</c> and <c>crdt/pn-counter</c>. Operations: <c>inc</c>, <c>inc N</c> (and for the
/// PN-Counter <c>dec</c>, <c>dec N</c>), and <c>prune R</c>: the updating replica folds removed replica <c>R</c>'s share
/// into its own, so the value is kept and a state that still has R's entry cannot bring it back.
/// </summary>
public sealed class CounterOptions
{
    /// <summary>Option <c>pruning</c>: whether <c>prune R</c> is accepted. Default true.</summary>
    public bool Pruning { get; init; } = true;

    internal static CounterOptions Read(OptionReader reader) => new() { Pruning = reader.Bool("pruning", true) };
}
