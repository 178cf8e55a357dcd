using Polly;

namespace Kernel.Sdk.Resilience;

/// <summary>
/// A named test of an outcome (an exception or a result), what a strategy's <c>ShouldHandle</c> asks. Pipelines name
/// predicates in an entry's options (<c>"handle": ["transient", "my-result"]</c>); the kernel has <c>any</c>, <c>transient</c>
/// and <c>timeout</c>, plugins add their own with <see cref="IResilienceHost.AddPredicate"/>.
/// </summary>
public sealed class ResiliencePredicate
{
    private readonly Func<Exception, bool>? _exception;
    private readonly Func<object?, bool>? _result;
    private readonly ResiliencePredicate[] _anyOf;

    private ResiliencePredicate(string name, Func<Exception, bool>? exception, Func<object?, bool>? result, ResiliencePredicate[] anyOf)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        _exception = exception;
        _result = result;
        _anyOf = anyOf;
    }

    /// <summary>The predicate's name (for a union, the names joined with <c>|</c>).</summary>
    public string Name { get; }

    /// <summary>A predicate on exceptions; it never matches a result.</summary>
    public static ResiliencePredicate ForException(string name, Func<Exception, bool> test)
    {
        ArgumentNullException.ThrowIfNull(test);
        return new(name, test, null, []);
    }

    /// <summary>
    /// A predicate on results of type <typeparamref name="TResult"/> (or derived from it); it never matches an exception or
    /// a result of another type, so one predicate serves pipelines of any result type.
    /// </summary>
    public static ResiliencePredicate ForResult<TResult>(string name, Func<TResult, bool> test)
    {
        ArgumentNullException.ThrowIfNull(test);
        return new(name, null, value => value is TResult typed && test(typed), []);
    }

    /// <summary>A predicate that matches when any of <paramref name="predicates"/> does (none: never).</summary>
    public static ResiliencePredicate AnyOf(IReadOnlyList<ResiliencePredicate> predicates)
    {
        ArgumentNullException.ThrowIfNull(predicates);
        var all = predicates.ToArray();
        return new(all.Length == 0 ? "none" : string.Join("|", all.Select(p => p.Name)), null, null, all);
    }

    /// <summary>Whether the outcome is one to handle (retry, fall back from, count as a failure...).</summary>
    public bool Matches<TResult>(Outcome<TResult> outcome)
    {
        foreach (var part in _anyOf)
        {
            if (part.Matches(outcome))
            {
                return true;
            }
        }

        return outcome.Exception is { } exception
            ? _exception?.Invoke(exception) == true
            : _result?.Invoke(outcome.Result) == true;
    }
}
