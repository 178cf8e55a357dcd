namespace Kernel.Sdk.Strategies;

/// <summary>
/// Optional, for consensus and replication strategies: the options a verifier should vary from seed to seed, each with
/// the values worth trying (small batches and windows, short snapshot thresholds, features on and off). Bugs hide on the
/// paths default options never reach; a verifier that draws from these values reaches them. List only values that are
/// valid and that the strategy claims are safe under every fault the simulator injects (a lease that assumes bounded
/// clock drift does not belong here). The verifier checks each drawn combination with
/// <see cref="IStrategy.ValidateOptions"/> and draws again when it is refused, so values that are only valid together
/// (a minimum below a maximum) need no special care.
/// </summary>
public interface IOptionVariations
{
    /// <summary>The options to vary, each with the values to draw from (as they would be written in configuration).</summary>
    IReadOnlyList<OptionVariation> Variations { get; }
}
