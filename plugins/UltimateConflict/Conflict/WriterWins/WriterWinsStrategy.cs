using Kernel.Sdk.Conflict;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateConflict.Conflict.WriterWins;

/// <summary>
/// <c>conflict/last-writer-wins</c> (<see cref="LastWriterWins"/>) and <c>conflict/first-writer-wins</c>
/// (<see cref="FirstWriterWins"/>): the version with the highest (or lowest) timestamp, hybrid or logical as
/// <see cref="VersionedValue.Timestamp"/> carries it, wins. Versions tied on it go to the replica earlier in
/// <see cref="WriterWinsOptions.NodePriority"/>, then to the greater replica id (then the greater clock and value bytes,
/// so the order is total and every replica keeps the same winner). Every other version is lost; the resolution's
/// explanation is the audit record of each of them (replica, timestamp, clock, value). Options:
/// <see cref="WriterWinsOptions"/>.
/// </summary>
public sealed class WriterWinsStrategy : IConflictResolutionStrategy
{
    private readonly WinnerCriterion _timestamp;

    private WriterWinsStrategy(string name, WinnerCriterion timestamp, string description)
    {
        Name = name;
        _timestamp = timestamp;
        Description = description;
    }

    /// <summary><c>conflict/last-writer-wins</c>: the highest timestamp wins.</summary>
    public static WriterWinsStrategy LastWriterWins { get; } = new(
        "last-writer-wins",
        WinnerCriterion.Latest,
        "Last writer wins: the highest timestamp, ties broken by node priority then replica id; every superseded version is recorded");

    /// <summary><c>conflict/first-writer-wins</c>: the lowest timestamp wins.</summary>
    public static WriterWinsStrategy FirstWriterWins { get; } = new(
        "first-writer-wins",
        WinnerCriterion.Earliest,
        "First writer wins: the lowest timestamp, ties broken by node priority then replica id; every superseded version is recorded");

    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Conflict;

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, WriterWinsOptions.Read);

    /// <inheritdoc />
    public IConflictResolver Create(StrategyInstanceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = OptionReader.Bind(context.Options, WriterWinsOptions.Read);
        return new WriterWinsResolver(context.Name, new WinnerOrder(options.NodePriority, _timestamp, WinnerCriterion.Priority));
    }
}
