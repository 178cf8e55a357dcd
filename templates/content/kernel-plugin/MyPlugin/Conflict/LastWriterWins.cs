using Kernel.Sdk.Conflict;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace MyPlugin;

/// <summary>
/// conflict/last-writer-wins: the version with the highest timestamp wins. Versions with equal highest timestamps are
/// ordered by replica id (option <c>tieBreak</c> = <c>replica-id</c>, the default), or kept as siblings (<c>none</c>).
/// A factory: each entry of <c>plugins.json</c> naming it gets a resolver of its own options.
/// Deterministic: every replica resolving the same conflict gets the same result, whatever the order of the versions.
/// </summary>
public sealed class LastWriterWins : IConflictResolutionStrategy
{
    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Conflict;

    /// <inheritdoc />
    public string Name => "last-writer-wins";

    /// <inheritdoc />
    public string Description => "Last writer wins by timestamp; ties broken by replica id, or kept as siblings";

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, LastWriterWinsOptions.Read);

    /// <inheritdoc />
    public IConflictResolver Create(StrategyInstanceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Resolver(OptionReader.Bind(context.Options, LastWriterWinsOptions.Read));
    }

    private sealed class Resolver(LastWriterWinsOptions options) : IConflictResolver
    {
        public Resolution Resolve(Conflict conflict)
        {
            ArgumentNullException.ThrowIfNull(conflict);
            var latest = conflict.Versions.Max(v => v.Timestamp);
            var candidates = conflict.Versions.Where(v => v.Timestamp == latest).OrderByDescending(v => v.Replica).ToList();
            if (candidates.Count > 1 && !options.BreakTiesByReplica)
            {
                return Resolution.Siblings(candidates, $"{candidates.Count} versions share timestamp {latest}; kept as siblings (tieBreak none)");
            }

            return Resolution.Winner(candidates[0], $"timestamp {latest} from {candidates[0].Replica} is the latest");
        }
    }
}
