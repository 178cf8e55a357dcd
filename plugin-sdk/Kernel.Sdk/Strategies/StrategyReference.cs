namespace Kernel.Sdk.Strategies;

/// <summary>A reference an option makes to another strategy or named instance, by <c>category/name</c>.</summary>
/// <param name="Option">The option that makes it (as in the <c>options</c> object).</param>
/// <param name="Category">The category referred to.</param>
/// <param name="Name">The strategy's or instance's name in that category.</param>
public sealed record StrategyReference(string Option, StrategyCategory Category, string Name)
{
    /// <summary>The <c>category/name</c> key.</summary>
    public string Key => $"{Category.ToName()}/{Name}";
}
