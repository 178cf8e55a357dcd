namespace Kernel.Sdk.Strategies;

/// <summary>Where a plugin registers its strategies while it loads.</summary>
public interface IStrategyRegistrar
{
    /// <summary>
    /// Registers a strategy under <c>category/name</c>. Throws <see cref="StrategyRegistrationException"/> if the name is
    /// malformed or another plugin already holds it.
    /// </summary>
    void Add(IStrategy strategy);
}

/// <summary>A strategy that cannot be registered: bad name or a name another plugin already holds.</summary>
public sealed class StrategyRegistrationException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    public StrategyRegistrationException(string message)
        : base(message)
    {
    }
}
