using Kernel.Sdk.Strategies;

namespace UltimateConflict.Crdt.Options;

/// <summary>
/// Options of <c>crdt/g-set</c>, <c>crdt/two-phase-set</c> and <c>crdt/or-set</c>. Operations: <c>add X</c> and (but for the
/// G-Set) <c>remove X</c>, where X is the rest of the text; read as <c>[a, b]</c>, sorted by ordinal.
/// </summary>
public sealed class SetOptions
{
    /// <summary>The default of <see cref="MaxElementBytes"/>.</summary>
    public const int DefaultMaxElementBytes = 1024;

    /// <summary>Option <c>maxElementBytes</c>: the longest element, in UTF-8 bytes (1 to 1,048,576). Default 1024.</summary>
    public int MaxElementBytes { get; init; } = DefaultMaxElementBytes;

    internal static SetOptions Read(OptionReader reader) =>
        new() { MaxElementBytes = reader.Int("maxElementBytes", DefaultMaxElementBytes, 1, 1 << 20) };
}
