namespace Kernel.Sdk.Testing.Linearizability;

/// <summary>
/// A sequential specification the checker linearizes histories against (the equivalent of Porcupine's <c>Model</c>).
/// States must be cheap immutable values with structural equality and hash code (value types are ideal).
/// </summary>
/// <typeparam name="TState">The model state: immutable, with <see cref="IEquatable{T}"/> and a consistent <see cref="object.GetHashCode"/>.</typeparam>
/// <typeparam name="TInput">What an operation was asked to do (its invocation).</typeparam>
/// <typeparam name="TOutput">What the operation answered. For an operation whose outcome is unknown the output type must be able
/// to say so, and <see cref="Step"/> must then accept any state change consistent with the input (the operation is placed at
/// the end of the history, which also covers "never took effect").</typeparam>
public interface ILinearizabilityModel<TState, TInput, TOutput>
    where TState : IEquatable<TState>
{
    /// <summary>The initial state.</summary>
    TState Init();

    /// <summary>Applies an operation to <paramref name="state"/>; returns false when the output is impossible in that state.</summary>
    bool Step(TState state, TInput input, TOutput output, out TState next);

    /// <summary>
    /// The independent partition (e.g. the key) an operation belongs to, or <c>null</c> when the model is not partitioned.
    /// Operations of different partitions must commute (P-compositionality); every partition is then checked separately.
    /// </summary>
    string? PartitionKey(TInput input) => null;

    /// <summary>A short human-readable description of an operation, used in counterexamples.</summary>
    string DescribeOperation(TInput input, TOutput output) => $"{input} -> {output}";

    /// <summary>A short human-readable description of a state, used in counterexamples.</summary>
    string DescribeState(TState state) => state.ToString() ?? "";
}

/// <summary>
/// One operation of a concurrent history: invoked at <see cref="Call"/> and answered at <see cref="Return"/>
/// (any totally ordered clock: nanoseconds, event indexes...). An operation whose outcome is unknown (Jepsen <c>:info</c>,
/// never completed) has <see cref="Return"/> = <see cref="long.MaxValue"/> and an output the model treats as "unknown".
/// </summary>
public readonly record struct Operation<TInput, TOutput>(int ClientId, TInput Input, long Call, TOutput Output, long Return)
{
    /// <summary>Return time used for operations whose outcome is unknown.</summary>
    public const long Pending = long.MaxValue;
}
