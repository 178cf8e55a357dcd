namespace Kernel.Sdk.Strategies;

/// <summary>A reference that cannot be resolved: no such strategy or instance (the message names those that exist), or one that cannot be made.</summary>
public sealed class StrategyResolutionException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    public StrategyResolutionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its message and cause.</summary>
    public StrategyResolutionException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
