using Kernel.Sdk.Conflict;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace MyPlugin;

/// <summary>
/// conflict/last-writer-wins: the version with the highest timestamp wins. Versions with equal highest timestamps are
/// ordered by replica id (option <c>tieBreak</c> = <c>replica-id</c>, the default), or left to a person (<c>none</c>).
/// Deterministic: every replica resolving the same conflict gets the same result, whatever the order of the versions.
/// </summary>
public sealed class LastWriterWins : IConflictResolutionStrategy
{
    private readonly bool _breakTies;

    /// <summary>Creates the strategy with its default options (ties broken by replica id).</summary>
    public LastWriterWins()
        : this(breakTies: true)
    {
    }

    private LastWriterWins(bool breakTies) => _breakTies = breakTies;

    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Conflict;

    /// <inheritdoc />
    public string Name => "last-writer-wins";

    /// <inheritdoc />
    public string Description => "Last writer wins by timestamp; ties broken by replica id, or left unresolved";

    /// <summary>A strategy configured from validated options (throws <see cref="StrategyOptionsException"/> on invalid ones).</summary>
    public static LastWriterWins FromOptions(IConfiguration options)
    {
        var reader = new OptionReader(options);
        var tieBreak = Read(reader);
        reader.ThrowIfInvalid();
        return new LastWriterWins(tieBreak == "replica-id");
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options)
    {
        var reader = new OptionReader(options);
        Read(reader);
        return reader.Errors;
    }

    /// <inheritdoc />
    public Resolution Resolve(Conflict conflict)
    {
        ArgumentNullException.ThrowIfNull(conflict);
        if (conflict.Versions.Count == 0)
        {
            return new Resolution(null, "no versions to choose from");
        }

        var latest = conflict.Versions.Max(v => v.Timestamp);
        var candidates = conflict.Versions.Where(v => v.Timestamp == latest).ToList();
        if (candidates.Count > 1 && !_breakTies)
        {
            return new Resolution(null, $"{candidates.Count} versions share timestamp {latest}; left to a person (tieBreak none)");
        }

        var winner = candidates.OrderByDescending(v => v.Replica, StringComparer.Ordinal).First();
        return new Resolution(winner, $"timestamp {latest} from {winner.Replica} is the latest");
    }

    private static string Read(OptionReader reader)
    {
        var tieBreak = reader.OneOf("tieBreak", "replica-id", "replica-id", "none");
        reader.RejectUnknown();
        return tieBreak;
    }
}
