using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;
using Polly;

namespace Kernel.Sdk.Resilience;

/// <summary>
/// A resilience strategy as a Polly v8 strategy. Pipelines are composed by name from configuration: the kernel
/// calls <see cref="AddTo"/> for each named strategy in order, so Polly's telemetry and knowledge carry over.
/// </summary>
public interface IResilienceStrategy : IStrategy
{
    /// <summary>Adds the strategy, configured from its validated options, to a pipeline being built.</summary>
    void AddTo(ResiliencePipelineBuilder builder, IConfiguration options, TimeProvider timeProvider);
}
