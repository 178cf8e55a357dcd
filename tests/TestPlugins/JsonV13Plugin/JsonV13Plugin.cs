using Kernel.Sdk.Conflict;
using Kernel.Sdk.Plugins;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;
using Newtonsoft.Json;

namespace JsonV13Plugin;

/// <summary>Registers a strategy that reports which Newtonsoft.Json this plugin's load context sees.</summary>
public sealed class JsonV13Plugin : IPlugin
{
    public void Register(IPluginContext context) => context.Strategies.Add(new Probe());

    private sealed class Probe : IConflictResolutionStrategy
    {
        public StrategyCategory Category => StrategyCategory.Conflict;

        public string Name => "json-v13-probe";

        public string Description => "Newtonsoft.Json " + typeof(JsonConvert).Assembly.GetName().Version;

        public IReadOnlyList<string> ValidateOptions(IConfiguration options) => [];

        public IConflictResolver Create(StrategyInstanceContext context) => new Resolver();

        private sealed class Resolver : IConflictResolver
        {
            public Resolution Resolve(Conflict conflict) =>
                Resolution.Winner(conflict.Versions[0], JsonConvert.SerializeObject(new { seen = typeof(JsonConvert).Assembly.GetName().Version!.ToString() }));
        }
    }
}
