using Kernel.Sdk.Crdt;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;
using UltimateConflict.Crdt;

namespace UltimateConflict.Tests.Crdt;

/// <summary>The plugin's types, made as the kernel makes them: the registered strategy's factory over an options section.</summary>
internal static class TestTypes
{
    public static ICrdtType Create(string name, params (string Key, string Value)[] options)
    {
        var strategy = CrdtCatalog.Strategies.Single(s => s.Name == name);
        var section = Options(options);
        Assert.Empty(strategy.ValidateOptions(section));
        return strategy.Create(new StrategyInstanceContext { Name = name, Options = section, Strategies = null! });
    }

    public static IConfiguration Options(params (string Key, string Value)[] options) =>
        new ConfigurationBuilder().AddInMemoryCollection(options.Select(o => KeyValuePair.Create(o.Key, (string?)o.Value))).Build();
}
