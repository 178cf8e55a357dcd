using Kernel.Sdk.Testing.Linearizability.Parsing;

namespace Kernel.Sdk.Testing.Linearizability;

internal enum RegisterVariant
{
    Register,
    CasRegister,
    Etcd,
}

internal enum RegOp : byte
{
    Read,
    Write,
    Cas,
}

/// <summary>Result of an operation: ok, a cas whose comparison failed (etcd semantics), or unknown.</summary>
internal enum OpResult : byte
{
    Ok,
    CasFailed,
    Unknown,
}

internal readonly record struct RegInput(RegOp Op, int A, int B);

internal readonly record struct RegOutput(OpResult Result, int Value);

/// <summary>Interns values so that register states are plain ints (0 = nil/absent).</summary>
internal sealed class ValueTable
{
    private readonly Dictionary<object, int> _ids = [];
    private readonly List<object?> _values = [null];

    public int Id(object? value)
    {
        if (value is null)
        {
            return 0;
        }

        if (!_ids.TryGetValue(value, out var id))
        {
            id = _values.Count;
            _values.Add(value);
            _ids.Add(value, id);
        }

        return id;
    }

    public string Describe(int id) => Edn.Print(_values[id]);
}

/// <summary>Single register with read, write and cas; the state is an interned value id.</summary>
internal sealed class RegisterModel(ValueTable values, int initial, bool nilReadAlwaysLegal) : ILinearizabilityModel<int, RegInput, RegOutput>
{
    public int Init() => initial;

    public bool Step(int state, RegInput input, RegOutput output, out int next)
    {
        next = state;
        switch (input.Op)
        {
            case RegOp.Read:
                return output.Result == OpResult.Unknown || output.Value == state || (output.Value == 0 && nilReadAlwaysLegal);
            case RegOp.Write:
                next = input.A;
                return true;
            default:
                switch (output.Result)
                {
                    case OpResult.Ok:
                        if (state != input.A)
                        {
                            return false;
                        }

                        next = input.B;
                        return true;
                    case OpResult.CasFailed:
                        return state != input.A;
                    default:
                        if (state == input.A)
                        {
                            next = input.B;
                        }

                        return true;
                }
        }
    }

    public string DescribeOperation(RegInput input, RegOutput output)
    {
        var suffix = output.Result switch
        {
            OpResult.Unknown => " (outcome unknown)",
            OpResult.CasFailed => " -> failed",
            _ => "",
        };
        return input.Op switch
        {
            RegOp.Read => output.Result == OpResult.Unknown ? "read -> ?" : $"read -> {values.Describe(output.Value)}",
            RegOp.Write => $"write {values.Describe(input.A)}{suffix}",
            _ => $"cas [{values.Describe(input.A)} {values.Describe(input.B)}]{suffix}",
        };
    }

    public string DescribeState(int state) => values.Describe(state);
}

internal static class RegisterModels
{
    public static CheckResult Check(List<PairedOp> ops, string source, CheckOptions options, RegisterVariant variant)
    {
        var values = new ValueTable();
        var initial = variant == RegisterVariant.CasRegister ? values.Id(0L) : 0;
        var model = new RegisterModel(values, initial, nilReadAlwaysLegal: variant == RegisterVariant.CasRegister);
        return ModelRunner.Run(model, ops, options, (in PairedOp op, out RegInput input, out RegOutput output) =>
        {
            input = default;
            output = default;
            var unknown = op.Outcome == Outcome.Unknown ? OpResult.Unknown : OpResult.Ok;
            switch (op.F)
            {
                case "read" or "get":
                    if (op.Outcome == Outcome.Fail)
                    {
                        return false; // no result: constrains nothing
                    }

                    input = new RegInput(RegOp.Read, 0, 0);
                    output = new RegOutput(unknown, unknown == OpResult.Unknown ? 0 : values.Id(Scalar(source, op, op.Output)));
                    return true;
                case "write" or "put":
                    if (op.Outcome == Outcome.Fail)
                    {
                        return false;
                    }

                    input = new RegInput(RegOp.Write, values.Id(Scalar(source, op, op.Input)), 0);
                    output = new RegOutput(unknown, 0);
                    return true;
                case "cas" when variant != RegisterVariant.Register:
                    if (op.Input is not IReadOnlyList<object?> { Count: 2 } pair)
                    {
                        throw ModelRunner.Error(source, op, $"expected a cas value [old new], found {ModelRunner.Print(op.Input)}");
                    }

                    OpResult result;
                    if (op.Outcome == Outcome.Fail)
                    {
                        if (variant != RegisterVariant.Etcd)
                        {
                            return false; // knossos: did not happen
                        }

                        result = OpResult.CasFailed;
                    }
                    else
                    {
                        result = unknown;
                    }

                    input = new RegInput(RegOp.Cas, values.Id(Scalar(source, op, pair[0])), values.Id(Scalar(source, op, pair[1])));
                    output = new RegOutput(result, 0);
                    return true;
                default:
                    var valid = variant == RegisterVariant.Register ? "read, write" : "read, write, cas";
                    throw ModelRunner.Error(source, op, $"operation '{op.F}' is not supported by this model (expected {valid})");
            }
        });
    }

    private static object? Scalar(string source, in PairedOp op, object? value) =>
        value is IReadOnlyList<object?> or EdnMap
            ? throw ModelRunner.Error(source, op, $"expected a single register value, found {ModelRunner.Print(value)}")
            : value;
}
