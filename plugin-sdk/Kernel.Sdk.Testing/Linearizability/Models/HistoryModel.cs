using Kernel.Sdk.Testing.Linearizability.Parsing;

namespace Kernel.Sdk.Testing.Linearizability;

/// <summary>
/// A named sequential model that checks untyped <see cref="History"/> objects (files, the simulator's histories).
/// Look one up with <see cref="Models.TryGet"/>. For a model of your own, implement
/// <see cref="ILinearizabilityModel{TState,TInput,TOutput}"/> and call <see cref="LinearizabilityChecker.Check{TState,TInput,TOutput}(ILinearizabilityModel{TState,TInput,TOutput},IReadOnlyList{Operation{TInput,TOutput}},CheckOptions?)"/>.
/// </summary>
public sealed class HistoryModel
{
    private readonly Func<List<PairedOp>, string, CheckOptions, CheckResult> _check;

    internal HistoryModel(string name, string description, Func<List<PairedOp>, string, CheckOptions, CheckResult> check)
    {
        Name = name;
        Description = description;
        _check = check;
    }

    /// <summary>The name used on the command line (<c>--model NAME</c>).</summary>
    public string Name { get; }

    /// <summary>One-line description of the operations and semantics.</summary>
    public string Description { get; }

    /// <summary>Checks a history against this model.</summary>
    /// <exception cref="HistoryParseException">The history holds an operation or value this model does not understand.</exception>
    public CheckResult Check(History history, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        var ops = Pairing.Pair(history);
        return _check(ops, history.Source ?? "history", options ?? CheckOptions.Unlimited);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Description}";
}

/// <summary>The registry of built-in models, looked up by name.</summary>
public static class Models
{
    private static readonly HistoryModel[] All =
    [
        new("register", "single read/write register (read|get, write|put), initially absent; a nil read means absent",
            (ops, src, o) => RegisterModels.Check(ops, src, o, RegisterVariant.Register)),
        new("cas-register", "knossos cas-register: read, write, cas [old new]; initially 0; a nil read is always legal; :fail = did not happen",
            (ops, src, o) => RegisterModels.Check(ops, src, o, RegisterVariant.CasRegister)),
        new("etcd-register-with-cas", "Jepsen etcd register: read, write, cas [old new]; initially absent (nil); a failed cas observed another value",
            (ops, src, o) => RegisterModels.Check(ops, src, o, RegisterVariant.Etcd)),
        new("kv", "key-value store: get, put, append per key (partitioned by key), every key initially \"\"",
            (ops, src, o) => KvModels.Check(ops, src, o, withCas: false)),
        new("kv-cas", "key-value store: get, put, append, cas {old,new} per key (partitioned by key), keys initially absent (null); a failed cas observed another value",
            (ops, src, o) => KvModels.Check(ops, src, o, withCas: true)),
        new("multi-register", "knossos multi-register: txn of [:read k v] / [:write k v], registers initially 0, nil reads always legal",
            MultiRegisterModel.Check),
        new("mutex", "single lock: acquire (legal when free), release (legal when held), initially free",
            MutexModel.Check),
    ];

    /// <summary>The names of the built-in models.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(m => m.Name).ToArray();

    /// <summary>The built-in models.</summary>
    public static IReadOnlyList<HistoryModel> Available => All;

    /// <summary>Finds a model by name (case-insensitive).</summary>
    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HistoryModel? model)
    {
        model = All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
        return model is not null;
    }
}

/// <summary>Shared plumbing of the named models: converts paired operations and runs the checker.</summary>
internal static class ModelRunner
{
    public delegate bool Converter<TInput, TOutput>(in PairedOp op, out TInput input, out TOutput output);

    public static CheckResult Run<TState, TInput, TOutput>(
        ILinearizabilityModel<TState, TInput, TOutput> model, List<PairedOp> ops, CheckOptions options, Converter<TInput, TOutput> convert,
        Action<IReadOnlyList<Operation<TInput, TOutput>>>? prepare = null)
        where TState : IEquatable<TState>
    {
        var typed = new List<Operation<TInput, TOutput>>(ops.Count);
        var lines = new List<int>(ops.Count);
        foreach (var op in ops)
        {
            if (convert(op, out var input, out var output))
            {
                typed.Add(new Operation<TInput, TOutput>(op.Process, input, op.Call, output, op.Return));
                lines.Add(op.Line);
            }
        }

        prepare?.Invoke(typed);
        return LinearizabilityChecker.Check(model, typed, options, lines);
    }

    public static HistoryParseException Error(string source, in PairedOp op, string message) => new(source, op.Line, op.Column, message);

    public static string Print(object? value) => Edn.Print(value);
}
