using Kernel.Sdk.Crdt;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateConflict.Crdt.Shared;

/// <summary>
/// One <c>crdt/NAME</c> strategy: its options read by one function (validated with every problem at once, bound once
/// per configured entry) and the type made from them.
/// </summary>
/// <typeparam name="TOptions">The strategy's options class.</typeparam>
internal sealed class CrdtStrategy<TOptions> : ICrdtStrategy
{
    private readonly Func<OptionReader, TOptions> _read;
    private readonly Func<TOptions, ICrdtType> _create;

    public CrdtStrategy(string name, string description, Func<OptionReader, TOptions> read, Func<TOptions, ICrdtType> create)
    {
        Name = name;
        Description = description;
        _read = read;
        _create = create;
    }

    public StrategyCategory Category => StrategyCategory.Crdt;

    public string Name { get; }

    public string Description { get; }

    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, _read);

    public ICrdtType Create(StrategyInstanceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _create(OptionReader.Bind(context.Options, _read));
    }

    /// <summary>The type made from the given options (tests and benchmarks, without configuration).</summary>
    public ICrdtType Create(TOptions options) => _create(options);
}
