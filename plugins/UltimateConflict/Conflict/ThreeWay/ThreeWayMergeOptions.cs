using Kernel.Sdk.Strategies;

namespace UltimateConflict.Conflict.ThreeWay;

/// <summary>The options of <c>conflict/three-way-merge</c>, read once from an entry's <c>options</c> object.</summary>
public sealed class ThreeWayMergeOptions
{
    /// <summary>The default of <see cref="Fallback"/>: <c>conflict/last-writer-wins</c>.</summary>
    public const string DefaultFallback = "conflict/last-writer-wins";

    /// <summary>The default of <see cref="MaxLines"/>: 2000.</summary>
    public const int DefaultMaxLines = 2000;

    /// <summary>Option <c>mode</c> (<c>lines</c> or <c>fields</c>): what is merged. Default <c>lines</c>.</summary>
    public ThreeWayMode Mode { get; init; } = ThreeWayMode.Lines;

    /// <summary>Option <c>onConflict</c> (<c>markers</c>, <c>siblings</c> or <c>fallback</c>): what a true conflict gives. Default <c>markers</c>.</summary>
    public ThreeWayConflictAction OnConflict { get; init; } = ThreeWayConflictAction.Markers;

    /// <summary>
    /// Option <c>fallback</c>: the conflict strategy that resolves what three-way merge cannot: no ancestor, more than two
    /// distinct versions, a value that is not UTF-8 text (<c>lines</c>) or not a JSON object (<c>fields</c>), more lines
    /// than <see cref="MaxLines"/>, and true conflicts when <see cref="OnConflict"/> is <c>fallback</c>. Written
    /// <c>conflict/NAME</c>; default <c>conflict/last-writer-wins</c>.
    /// </summary>
    public StrategyReference Fallback { get; init; } = new("fallback", StrategyCategory.Conflict, "last-writer-wins");

    /// <summary>
    /// Option <c>maxLines</c> (1..5000): the most lines a value may have in <c>lines</c> mode; a longer one goes to the
    /// fallback. The line matching takes time and memory quadratic in the lines between the common prefix and suffix.
    /// Default 2000.
    /// </summary>
    public int MaxLines { get; init; } = DefaultMaxLines;

    /// <summary>Reads the options (problems are collected in the reader, each naming the option and what is allowed).</summary>
    public static ThreeWayMergeOptions Read(OptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var mode = reader.OneOf("mode", "lines", "lines", "fields");
        var onConflict = reader.OneOf("onConflict", "markers", "markers", "siblings", "fallback");
        var fallback = reader.Reference("fallback", StrategyCategory.Conflict, DefaultFallback);
        var maxLines = reader.Int("maxLines", DefaultMaxLines, 1, 5000);
        return new ThreeWayMergeOptions
        {
            Mode = mode == "fields" ? ThreeWayMode.Fields : ThreeWayMode.Lines,
            OnConflict = onConflict switch
            {
                "siblings" => ThreeWayConflictAction.Siblings,
                "fallback" => ThreeWayConflictAction.Fallback,
                _ => ThreeWayConflictAction.Markers,
            },
            Fallback = fallback ?? new("fallback", StrategyCategory.Conflict, "last-writer-wins"),
            MaxLines = maxLines,
        };
    }
}
