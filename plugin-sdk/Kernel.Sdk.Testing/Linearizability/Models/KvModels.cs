using System.Globalization;
using Kernel.Sdk.Testing.Linearizability.Parsing;

namespace Kernel.Sdk.Testing.Linearizability;

internal enum KvOp : byte
{
    Get,
    Put,
    Append,
    Cas,
}

internal readonly record struct KvInput(KvOp Op, string? Key, string? Value, string? Expected);

internal readonly record struct KvOutput(OpResult Result, string? Value);

/// <summary>
/// Value of one key (null = absent). Ordinal string equality. <see cref="Unobserved"/> stands for every value that no
/// operation of the key can tell apart (see <see cref="KvModel"/>); its <see cref="Value"/> is null.
/// </summary>
internal readonly record struct KvState(string? Value, bool Unobserved = false)
{
    public static KvState Unobservable { get; } = new(null, Unobserved: true);
}

/// <summary>
/// Key-value store partitioned by key. Without cas (<c>kv</c>, Porcupine's model) keys start as "" and a null read means "";
/// with cas (<c>kv-cas</c>) keys start absent and a null read means absent.
/// </summary>
/// <remarks>
/// Given the history (<see cref="Observe"/>), a value of a key that is not a prefix of any value read from that key or
/// expected by one of its cas operations is replaced by <see cref="KvState.Unobservable"/>: no read can return it or
/// anything appended to it, no cas can match it or anything appended to it, so all such values behave alike under every
/// operation of the key (a put replaces them, an append or a cas leaves them such values). Merging them keeps every verdict
/// and keeps the search from telling apart the many values that writes of unknown outcome could have left, which no one reads.
/// </remarks>
internal sealed class KvModel(bool withCas) : ILinearizabilityModel<KvState, KvInput, KvOutput>, IReadOnlyInputs<KvInput>
{
    /// <summary>Per key, the values read or expected by a cas, sorted (ordinal); null until <see cref="Observe"/>: nothing is merged.</summary>
    private Dictionary<string, string[]>? _observable;

    private KvMerging _merging;

    /// <summary>For tests (on this thread): which values <see cref="Observe"/> keeps apart.</summary>
    [ThreadStatic]
    internal static KvMerging Merging;

    public bool IsReadOnly(KvInput input) => input.Op == KvOp.Get;

    public KvState Init() => new(withCas ? null : "");

    /// <summary>Records the values the history's operations can observe, per key; values outside them are merged from then on.</summary>
    public void Observe(IEnumerable<(KvInput Input, KvOutput Output)> ops)
    {
        _merging = Merging;
        if (_merging == KvMerging.Off)
        {
            _observable = null;
            return;
        }

        var observable = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var (input, output) in ops)
        {
            var seen = input.Op switch
            {
                KvOp.Get when output.Result != OpResult.Unknown => output.Value ?? (withCas ? null : ""),
                KvOp.Cas => input.Expected,
                _ => null,
            };
            if (seen is null)
            {
                continue;
            }

            var key = input.Key ?? "";
            if (!observable.TryGetValue(key, out var set))
            {
                observable[key] = set = new SortedSet<string>(StringComparer.Ordinal);
            }

            set.Add(seen);
        }

        _observable = observable.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
    }

    private KvState Make(string? key, string? value)
    {
        if (value is null || _observable is null)
        {
            return new KvState(value);
        }

        return _observable.TryGetValue(key ?? "", out var sorted) && IsPrefixOfOne(sorted, value) ? new KvState(value) : KvState.Unobservable;
    }

    /// <summary>Whether <paramref name="value"/> is a prefix of one of <paramref name="sorted"/> (ordinal order): the values
    /// starting with it come together, right where it would be inserted.</summary>
    private bool IsPrefixOfOne(string[] sorted, string value)
    {
        var i = Array.BinarySearch(sorted, value, StringComparer.Ordinal);
        if (i >= 0)
        {
            return true;
        }

        i = ~i;
        return _merging != KvMerging.WrongEqualityOnly && i < sorted.Length && sorted[i].StartsWith(value, StringComparison.Ordinal);
    }

    public bool Step(KvState state, KvInput input, KvOutput output, out KvState next)
    {
        next = state;
        switch (input.Op)
        {
            case KvOp.Get:
                return output.Result == OpResult.Unknown
                    || (!state.Unobserved && string.Equals(output.Value ?? (withCas ? null : ""), state.Value, StringComparison.Ordinal));
            case KvOp.Put:
                next = Make(input.Key, input.Value);
                return true;
            case KvOp.Append:
                next = state.Unobserved ? state : Make(input.Key, string.Concat(state.Value, input.Value));
                return true;
            default:
                var matches = !state.Unobserved && string.Equals(state.Value, input.Expected, StringComparison.Ordinal);
                switch (output.Result)
                {
                    case OpResult.Ok:
                        next = Make(input.Key, input.Value);
                        return matches;
                    case OpResult.CasFailed:
                        return !matches;
                    default:
                        if (matches)
                        {
                            next = Make(input.Key, input.Value);
                        }

                        return true;
                }
        }
    }

    public string? PartitionKey(KvInput input) => input.Key;

    public string DescribeOperation(KvInput input, KvOutput output)
    {
        var key = Quote(input.Key);
        var suffix = output.Result switch
        {
            OpResult.Unknown => " (outcome unknown)",
            OpResult.CasFailed => " -> failed",
            _ => "",
        };
        return input.Op switch
        {
            KvOp.Get => output.Result == OpResult.Unknown ? $"get({key}) -> ?" : $"get({key}) -> {Quote(output.Value)}",
            KvOp.Put => $"put({key}, {Quote(input.Value)}){suffix}",
            KvOp.Append => $"append({key}, {Quote(input.Value)}){suffix}",
            _ => $"cas({key}, {Quote(input.Expected)}, {Quote(input.Value)}){suffix}",
        };
    }

    public string DescribeState(KvState state) => state.Unobserved ? "(a value no operation reads)" : Quote(state.Value);

    private static string Quote(string? s) => s is null ? "nil" : Edn.Print(s);
}

/// <summary>Which values of a key <see cref="KvModel"/> merges; only the default is correct.</summary>
internal enum KvMerging
{
    /// <summary>Values that are not a prefix of one read or expected (the rule).</summary>
    Prefixes,

    /// <summary>Nothing is merged (the plain model).</summary>
    Off,

    /// <summary>Wrong, for tests: values not equal to one read or expected, though appending to them could give one.</summary>
    WrongEqualityOnly,
}

internal static class KvModels
{
    public static CheckResult Check(List<PairedOp> ops, string source, CheckOptions options, bool withCas)
    {
        var model = new KvModel(withCas);
        return ModelRunner.Run(model, ops, options, (in PairedOp op, out KvInput input, out KvOutput output) =>
        {
            input = default;
            output = default;
            var result = op.Outcome == Outcome.Unknown ? OpResult.Unknown : OpResult.Ok;
            switch (op.F)
            {
                case "get" or "read":
                    if (op.Outcome == Outcome.Fail)
                    {
                        return false;
                    }

                    input = new KvInput(KvOp.Get, op.Key, null, null);
                    output = new KvOutput(result, result == OpResult.Unknown ? null : Str(source, op, op.Output));
                    return true;
                case "put" or "write" or "append":
                    if (op.Outcome == Outcome.Fail)
                    {
                        return false;
                    }

                    input = new KvInput(op.F == "append" ? KvOp.Append : KvOp.Put, op.Key, Str(source, op, op.Input), null);
                    output = new KvOutput(result, null);
                    return true;
                case "cas" when withCas:
                    if (op.Input is not IReadOnlyList<object?> { Count: 2 } pair)
                    {
                        throw ModelRunner.Error(source, op, $"expected a cas value {{\"old\":...,\"new\":...}}, found {ModelRunner.Print(op.Input)}");
                    }

                    if (op.Outcome == Outcome.Fail)
                    {
                        result = OpResult.CasFailed;
                    }

                    input = new KvInput(KvOp.Cas, op.Key, Str(source, op, pair[1]), Str(source, op, pair[0]));
                    output = new KvOutput(result, null);
                    return true;
                default:
                    var valid = withCas ? "get, put, append, cas" : "get, put, append";
                    throw ModelRunner.Error(source, op, $"operation '{op.F}' is not supported by this model (expected {valid})");
            }
        }, typed => model.Observe(typed.Select(o => (o.Input, o.Output))));
    }

    private static string? Str(string source, in PairedOp op, object? value) => value switch
    {
        null => null,
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        Keyword k => k.Name,
        _ => throw ModelRunner.Error(source, op, $"expected a string value, found {ModelRunner.Print(value)}"),
    };
}
