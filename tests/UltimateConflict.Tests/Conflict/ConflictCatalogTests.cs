using Kernel.Sdk.Conflict;
using Kernel.Sdk.Messaging;
using Kernel.Sdk.Plugins;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace UltimateConflict.Tests.Conflict;

public sealed class ConflictCatalogTests
{
    private static readonly string[] Expected =
        ["crdt-merge", "custom", "first-writer-wins", "last-writer-wins", "priority", "three-way-merge", "vector-clock"];

    [Fact]
    public void The_plugin_registers_every_conflict_strategy()
    {
        var context = new RecordingContext();
        new UltimateConflictPlugin().Register(context);
        var conflict = context.Registrar.Added.Where(s => s.Category == StrategyCategory.Conflict).ToArray();
        Assert.Equal(Expected, conflict.Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.All(conflict, s =>
        {
            Assert.IsAssignableFrom<IConflictResolutionStrategy>(s);
            Assert.False(string.IsNullOrWhiteSpace(s.Description));
        });
    }

    [Fact]
    public void The_strategies_that_name_others_declare_them()
    {
        var referencing = ConflictStrategies.All.OfType<IReferencingStrategy>().Select(s => ((IStrategy)s).Name).Order(StringComparer.Ordinal);
        Assert.Equal(["crdt-merge", "custom", "three-way-merge"], referencing);
        var defaults = ((IReferencingStrategy)ConflictStrategies.Named("three-way-merge")).GetReferences(TestStrategies.Options());
        Assert.Equal("conflict/last-writer-wins", Assert.Single(defaults).Key);
    }

    private sealed class RecordingContext : IPluginContext
    {
        public RecordingRegistrar Registrar { get; } = new();

        public string PluginId => "ultimate-conflict";

        public IStrategyRegistrar Strategies => Registrar;

        public IMessageBus Bus => throw new NotSupportedException();

        public ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;

        public Kernel.Sdk.Resilience.IResilienceHost Resilience => throw new NotSupportedException();

        public IStrategyResolver Resolver => throw new NotSupportedException();

        public Microsoft.Extensions.DependencyInjection.IServiceCollection Services => throw new NotSupportedException();
    }
}
