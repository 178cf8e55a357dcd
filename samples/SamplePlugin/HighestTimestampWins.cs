using Kernel.Sdk.Conflict;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace SamplePlugin;

/// <summary>
/// <c>conflict/sample-lww</c>: last writer wins, the version with the highest timestamp. Versions tied on it go to the
/// greater replica id (<c>tieBreak</c> <c>replica-id</c>, the default) or are kept as siblings (<c>none</c>). Each entry
/// of <c>plugins.json</c> naming the strategy gets a resolver of its own options.
/// </summary>
public sealed class HighestTimestampWins : IConflictResolutionStrategy
{
    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Conflict;

    /// <inheritdoc />
    public string Name => "sample-lww";

    /// <inheritdoc />
    public string Description => "Sample plugin: last writer wins by timestamp, ties broken by replica id or kept as siblings";

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, SampleLwwOptions.Read);

    /// <inheritdoc />
    public IConflictResolver Create(StrategyInstanceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Resolver(OptionReader.Bind(context.Options, SampleLwwOptions.Read));
    }

    private sealed class Resolver(SampleLwwOptions options) : IConflictResolver
    {
        public Resolution Resolve(Conflict conflict)
        {
            ArgumentNullException.ThrowIfNull(conflict);
            var latest = conflict.Versions.Max(v => v.Timestamp);
            var tied = conflict.Versions.Where(v => v.Timestamp == latest).OrderByDescending(v => v.Replica).ToArray();
            if (tied.Length > 1 && options.TieBreak == TieBreak.None)
            {
                return Resolution.Siblings(tied, $"{tied.Length} versions share timestamp {latest}; kept as siblings (tieBreak none)");
            }

            return Resolution.Winner(tied[0], $"timestamp {latest} from {tied[0].Replica} is the latest");
        }
    }
}
