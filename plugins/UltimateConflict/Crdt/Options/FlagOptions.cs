using Kernel.Sdk.Strategies;

namespace UltimateConflict.Crdt.Options;

/// <summary>Options of <c>crdt/flag</c>. Operations: <c>enable</c>, <c>disable</c>; read as <c>true</c> or <c>false</c> (false before any).</summary>
public sealed class FlagOptions
{
    /// <summary>
    /// Option <c>wins</c>: what a concurrent enable and disable read as until one overwrites the other: <c>enable</c>
    /// (true) or <c>disable</c> (false). Default <c>enable</c>.
    /// </summary>
    public string Wins { get; init; } = "enable";

    internal static FlagOptions Read(OptionReader reader) => new() { Wins = reader.OneOf("wins", "enable", "enable", "disable") };
}
