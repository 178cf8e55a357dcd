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

/// <summary>Value of one key (null = absent). Ordinal string equality.</summary>
internal readonly record struct KvState(string? Value);

/// <summary>
/// Key-value store partitioned by key. Without cas (<c>kv</c>, Porcupine's model) keys start as "" and a null read means "";
/// with cas (<c>kv-cas</c>) keys start absent and a null read means absent.
/// </summary>
internal sealed class KvModel(bool withCas) : ILinearizabilityModel<KvState, KvInput, KvOutput>, IReadOnlyInputs<KvInput>
{
    public bool IsReadOnly(KvInput input) => input.Op == KvOp.Get;

    public KvState Init() => new(withCas ? null : "");

    public bool Step(KvState state, KvInput input, KvOutput output, out KvState next)
    {
        next = state;
        switch (input.Op)
        {
            case KvOp.Get:
                return output.Result == OpResult.Unknown
                    || string.Equals(output.Value ?? (withCas ? null : ""), state.Value, StringComparison.Ordinal);
            case KvOp.Put:
                next = new KvState(input.Value);
                return true;
            case KvOp.Append:
                next = new KvState(string.Concat(state.Value, input.Value));
                return true;
            default:
                var matches = string.Equals(state.Value, input.Expected, StringComparison.Ordinal);
                switch (output.Result)
                {
                    case OpResult.Ok:
                        next = new KvState(input.Value);
                        return matches;
                    case OpResult.CasFailed:
                        return !matches;
                    default:
                        if (matches)
                        {
                            next = new KvState(input.Value);
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

    public string DescribeState(KvState state) => Quote(state.Value);

    private static string Quote(string? s) => s is null ? "nil" : Edn.Print(s);
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
        });
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
