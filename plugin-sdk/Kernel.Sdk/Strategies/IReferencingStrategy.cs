using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Strategies;

/// <summary>
/// Optional, for a strategy whose options name other strategies (say <c>"resolver": "conflict/lww"</c>): the kernel
/// asks it for the references when it validates <c>plugins.json</c>, and reports one that names nothing (listing what
/// exists) or a cycle, before anything runs. Read references with <see cref="OptionReader.Reference"/>.
/// </summary>
public interface IReferencingStrategy
{
    /// <summary>The references <paramref name="options"/> make; called only with options that passed <see cref="IStrategy.ValidateOptions"/>.</summary>
    IReadOnlyList<StrategyReference> GetReferences(IConfiguration options);
}
