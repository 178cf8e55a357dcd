namespace Kernel.Sdk.Strategies;

/// <summary>One option a verifier may vary, and the values to draw from.</summary>
/// <param name="Name">The option's name, as in the strategy's <c>options</c> object.</param>
/// <param name="Values">The values to try, as configuration text (<c>"2"</c>, <c>"true"</c>).</param>
public sealed record OptionVariation(string Name, IReadOnlyList<string> Values);
