using Kernel.Sdk.Conflict;
using Kernel.Sdk.Plugins;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace BadOptionsPlugin;

/// <summary>A plugin whose strategy's option validation throws: the plugin must be marked failed, the kernel must go on.</summary>
public sealed class BadOptionsPlugin : IPlugin
{
    public void Register(IPluginContext context) => context.Strategies.Add(new ThrowingValidation());

    private sealed class ThrowingValidation : IConflictResolutionStrategy
    {
        public StrategyCategory Category => StrategyCategory.Conflict;

        public string Name => "bad-options";

        public string Description => "Throws from ValidateOptions";

        public IReadOnlyList<string> ValidateOptions(IConfiguration options) => throw new NotSupportedException("validation is broken");

        public IConflictResolver Create(StrategyInstanceContext context) => throw new NotSupportedException("never made: its options never validate");
    }
}
