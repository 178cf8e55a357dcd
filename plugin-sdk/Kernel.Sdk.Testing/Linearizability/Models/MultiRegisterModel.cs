using Kernel.Sdk.Testing.Linearizability.Parsing;

namespace Kernel.Sdk.Testing.Linearizability;

internal readonly record struct MicroOp(bool Write, int Register, int Value);

internal readonly record struct TxnInput(MicroOp[] Ops);

/// <summary>The micro-ops as completed (reads carry the values read), or null when the outcome is unknown.</summary>
internal readonly record struct TxnOutput(MicroOp[]? Ops);

/// <summary>Values of all registers (interned value ids); immutable, structural equality.</summary>
internal readonly struct Registers(int[] values) : IEquatable<Registers>
{
    public int[] Values { get; } = values;

    public bool Equals(Registers other) => Values.AsSpan().SequenceEqual(other.Values);

    public override bool Equals(object? obj) => obj is Registers r && Equals(r);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var v in Values)
        {
            h.Add(v);
        }

        return h.ToHashCode();
    }
}

/// <summary>Knossos multi-register: transactions of reads and writes applied atomically, in order.</summary>
internal sealed class MultiRegisterModel(string[] names, ValueTable values, int initial) : ILinearizabilityModel<Registers, TxnInput, TxnOutput>
{
    public Registers Init() => new(Enumerable.Repeat(initial, names.Length).ToArray());

    public bool Step(Registers state, TxnInput input, TxnOutput output, out Registers next)
    {
        next = state;
        var ops = output.Ops ?? input.Ops;
        int[]? copy = null;
        foreach (var m in ops)
        {
            var current = (copy ?? state.Values)[m.Register];
            if (m.Write)
            {
                copy ??= (int[])state.Values.Clone();
                copy[m.Register] = m.Value;
            }
            else if (m.Value != 0 && m.Value != current && output.Ops is not null)
            {
                return false;
            }
        }

        if (copy is not null)
        {
            next = new Registers(copy);
        }

        return true;
    }

    public string DescribeOperation(TxnInput input, TxnOutput output) =>
        "txn [" + string.Join(" ", (output.Ops ?? input.Ops).Select(m => $"[{(m.Write ? ":write" : ":read")} {names[m.Register]} {values.Describe(m.Value)}]")) + "]"
        + (output.Ops is null ? " (outcome unknown)" : "");

    public string DescribeState(Registers state) =>
        "{" + string.Join(", ", state.Values.Select((v, i) => $"{names[i]} {values.Describe(v)}")) + "}";

    public static CheckResult Check(List<PairedOp> ops, string source, CheckOptions options)
    {
        var values = new ValueTable();
        var initial = values.Id(0L);
        var registerIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();

        MicroOp[] Parse(in PairedOp op, object? value)
        {
            if (value is not IReadOnlyList<object?> list)
            {
                throw ModelRunner.Error(source, op, $"expected a transaction [[:read k v] [:write k v] ...], found {ModelRunner.Print(value)}");
            }

            var result = new MicroOp[list.Count];
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is not IReadOnlyList<object?> { Count: 3 } micro || micro[0] is not Keyword { Name: "read" or "write" } f)
                {
                    throw ModelRunner.Error(source, op, $"expected a micro-op [:read k v] or [:write k v], found {ModelRunner.Print(list[i])}");
                }

                var name = ModelRunner.Print(micro[1]);
                if (!registerIds.TryGetValue(name, out var reg))
                {
                    reg = names.Count;
                    names.Add(name);
                    registerIds.Add(name, reg);
                }

                result[i] = new MicroOp(f.Name == "write", reg, values.Id(micro[2]));
            }

            return result;
        }

        var converted = new List<(PairedOp Op, TxnInput In, TxnOutput Out)>();
        foreach (var op in ops)
        {
            if (op.F != "txn")
            {
                throw ModelRunner.Error(source, op, $"operation '{op.F}' is not supported by this model (expected txn)");
            }

            if (op.Outcome == Outcome.Fail)
            {
                continue;
            }

            var input = Parse(op, op.Input);
            var output = op.Outcome == Outcome.Ok ? Parse(op, op.Output) : null;
            converted.Add((op, new TxnInput(input), new TxnOutput(output)));
        }

        var model = new MultiRegisterModel([.. names], values, initial);
        var typed = converted.Select(c => new Operation<TxnInput, TxnOutput>(c.Op.Process, c.In, c.Op.Call, c.Out, c.Op.Return)).ToList();
        return LinearizabilityChecker.Check(model, typed, options, converted.Select(c => c.Op.Line).ToList());
    }
}
