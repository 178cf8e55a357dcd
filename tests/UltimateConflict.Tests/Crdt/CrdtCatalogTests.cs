using Kernel.Sdk.Messaging;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Plugins;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace UltimateConflict.Tests.Crdt;

public sealed class CrdtCatalogTests
{
    /// <summary>Every CRDT strategy, and for each an option of the wrong value (the error must name it).</summary>
    public static TheoryData<string, string, string> BadOptions => new()
    {
        { "g-counter", "pruning", "maybe" },
        { "pn-counter", "pruning", "1" },
        { "g-set", "maxElementBytes", "0" },
        { "two-phase-set", "maxElementBytes", "2000000" },
        { "or-set", "maxElementBytes", "many" },
        { "lww-register", "maxValueBytes", "0" },
        { "mv-register", "maxValueBytes", "-1" },
        { "flag", "wins", "both" },
        { "lww-map", "maxKeyBytes", "0" },
        { "or-map", "maxDepth", "17" },
    };

    [Fact]
    public void The_plugin_registers_every_crdt_type_once()
    {
        var context = new RecordingContext();
        new UltimateConflictPlugin().Register(context);
        var names = context.Added.Where(s => s.Category == StrategyCategory.Crdt).Select(s => s.Name).ToArray();
        Assert.Equal(BadOptions.Select(row => (string)row[0]).Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
        Assert.All(context.Added.Where(s => s.Category == StrategyCategory.Crdt), s =>
        {
            Assert.IsAssignableFrom<ICrdtStrategy>(s);
            Assert.Matches("^[a-z][a-z0-9-]*$", s.Name); // the kernel's rule: lower case, digits and '-', starting with a letter
            Assert.False(string.IsNullOrWhiteSpace(s.Description));
            Assert.Empty(s.ValidateOptions(TestTypes.Options()));
        });
    }

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void A_bad_option_is_an_error_naming_it_and_an_unknown_one_too(string name, string option, string value)
    {
        var strategy = CrdtCatalog().Single(s => s.Name == name);
        var errors = strategy.ValidateOptions(TestTypes.Options((option, value), ("colour", "blue")));
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Contains($"'{option}'", StringComparison.Ordinal) && e.Contains(value, StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'colour' is not known", StringComparison.Ordinal) && e.Contains(option, StringComparison.Ordinal));
        var thrown = Assert.Throws<StrategyOptionsException>(() =>
            ((ICrdtStrategy)strategy).Create(new StrategyInstanceContext { Name = name, Options = TestTypes.Options((option, value)), Strategies = null! }));
        Assert.Contains($"'{option}'", thrown.Message, StringComparison.Ordinal);
    }

    private static IReadOnlyList<IStrategy> CrdtCatalog()
    {
        var context = new RecordingContext();
        new UltimateConflictPlugin().Register(context);
        return context.Added.Where(s => s.Category == StrategyCategory.Crdt).ToList();
    }

    private sealed class RecordingContext : IPluginContext, IStrategyRegistrar
    {
        public List<IStrategy> Added { get; } = [];

        public string PluginId => "ultimate-conflict";

        public IStrategyRegistrar Strategies => this;

        public IMessageBus Bus => throw new NotSupportedException();

        public ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;

        public Kernel.Sdk.Resilience.IResilienceHost Resilience => throw new NotSupportedException();

        public IStrategyResolver Resolver => throw new NotSupportedException();

        public Microsoft.Extensions.DependencyInjection.IServiceCollection Services => throw new NotSupportedException();

        public void Add(IStrategy strategy) => Added.Add(strategy);
    }
}
