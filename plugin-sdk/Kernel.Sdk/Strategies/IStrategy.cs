using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Strategies;

/// <summary>
/// What every strategy has. A strategy is registered under <c>category/name</c>; the category interfaces
/// (<see cref="Consensus.IConsensusStrategy"/> and the others) add what each category does.
/// </summary>
public interface IStrategy
{
    /// <summary>The category the strategy belongs to.</summary>
    StrategyCategory Category { get; }

    /// <summary>The name, unique within the category: lower case, digits and '-'.</summary>
    string Name { get; }

    /// <summary>One line that says what the strategy does.</summary>
    string Description { get; }

    /// <summary>
    /// Checks the strategy's options (the <c>options</c> object of its entry in <c>plugins.json</c>) and returns one message per problem,
    /// each naming the option and what is allowed (see <see cref="OptionReader"/>). An empty list means valid.
    /// </summary>
    IReadOnlyList<string> ValidateOptions(IConfiguration options);
}
