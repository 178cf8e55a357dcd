using FsCheck.Xunit;
using Kernel.Sdk.Testing.Linearizability;

namespace Kernel.Sdk.Testing.Tests.Linearizability;

/// <summary>
/// Histories produced by executing every operation atomically at some instant inside its [call, return] interval against a
/// sequential kv-cas store are linearizable; changing one read result to a value never written makes them non-linearizable.
/// FsCheck supplies the seed; the history is derived from it deterministically.
/// </summary>
public sealed class PropertyTests
{
    private sealed record Op(int Process, string F, string Key, string? Value, string? Expected, long Call, long At, long Return, bool Unknown)
    {
        public string? Read { get; set; }

        public bool Swapped { get; set; }
    }

    private static List<Op> Generate(int seed, int processes, int opsPerProcess)
    {
        var rnd = new Random(seed);
        var keys = new[] { "a", "b" };
        var values = new[] { "1", "2", "3" };
        var ops = new List<Op>();
        for (var p = 0; p < processes; p++)
        {
            long t = rnd.Next(0, 5);
            for (var i = 0; i < opsPerProcess; i++)
            {
                // Distinct instants: scale by the process count and add the process id.
                var call = t;
                var at = call + rnd.Next(1, 6);
                var ret = at + rnd.Next(1, 6);
                t = ret + rnd.Next(1, 4);
                var f = rnd.Next(4) switch { 0 => "get", 1 => "put", 2 => "append", _ => "cas" };
                var key = keys[rnd.Next(keys.Length)];
                var unknown = f != "get" && rnd.Next(8) == 0;
                ops.Add(new Op(p, f, key, values[rnd.Next(values.Length)], rnd.Next(3) == 0 ? null : values[rnd.Next(values.Length)],
                    call * 3 * processes + p, at * 3 * processes + processes + p, ret * 3 * processes + 2 * processes + p, unknown));
                if (unknown)
                {
                    break; // a process whose outcome is unknown is never used again
                }
            }
        }

        // Execute atomically in the order of the chosen instants.
        var store = new Dictionary<string, string?>();
        foreach (var op in ops.OrderBy(o => o.At))
        {
            store.TryGetValue(op.Key, out var current);
            switch (op.F)
            {
                case "get": op.Read = current; break;
                case "put": store[op.Key] = op.Value; break;
                case "append": store[op.Key] = current + op.Value; break;
                default:
                    op.Swapped = current == op.Expected;
                    if (op.Swapped)
                    {
                        store[op.Key] = op.Value;
                    }

                    break;
            }
        }

        return ops;
    }

    private static History Build(List<Op> ops, Op? corrupted = null)
    {
        var events = ops.Select(o => (Time: o.Call, Op: o, Invoke: true))
            .Concat(ops.Where(o => !o.Unknown).Select(o => (Time: o.Return, Op: o, Invoke: false)))
            .OrderBy(e => e.Time);
        var b = new HistoryBuilder();
        foreach (var (time, op, invoke) in events)
        {
            if (invoke)
            {
                if (op.F == "cas")
                {
                    b.InvokeCas(op.Process, op.Key, op.Expected, op.Value, time);
                }
                else
                {
                    b.Invoke(op.Process, op.F, op.Key, op.F == "get" ? null : op.Value, time);
                }
            }
            else if (op.F == "cas" && !op.Swapped)
            {
                b.Fail(op.Process, time);
            }
            else
            {
                b.Ok(op.Process, ReferenceEquals(op, corrupted) ? "never-written" : op.Read, time);
            }
        }

        return b.Build();
    }

    private static HistoryModel KvCas => Models.TryGet("kv-cas", out var m) ? m : throw new InvalidOperationException();

    [Property(MaxTest = 150)]
    public bool Atomic_executions_are_linearizable(int seed)
    {
        var ops = Generate(seed, processes: 2 + Math.Abs(seed % 4), opsPerProcess: 6);
        return KvCas.Check(Build(ops)).Verdict == Verdict.Linearizable;
    }

    [Property(MaxTest = 150)]
    public bool Reading_a_never_written_value_is_not_linearizable(int seed)
    {
        var ops = Generate(seed, processes: 2 + Math.Abs(seed % 4), opsPerProcess: 6);
        var read = ops.FirstOrDefault(o => o.F == "get" && !o.Unknown);
        if (read is null)
        {
            return true;
        }

        var result = KvCas.Check(Build(ops, read));
        return result.Verdict == Verdict.NotLinearizable
            && result.Counterexample!.PartitionKey == read.Key
            && result.Counterexample.Unlinearizable.Any(o => o.Description.Contains("never-written", StringComparison.Ordinal));
    }

    [Property(MaxTest = 50)]
    public bool Json_lines_round_trip_keeps_the_verdict(int seed)
    {
        var ops = Generate(seed, processes: 3, opsPerProcess: 5);
        var history = Build(ops);
        var text = new StringWriter();
        JsonLinesHistory.Write(history, text);
        var back = JsonLinesHistory.Read(new StringReader(text.ToString()), "rt");
        return back.EventCount == history.EventCount && KvCas.Check(back).Verdict == KvCas.Check(history).Verdict;
    }

    [Property(MaxTest = 100)]
    public bool Register_histories_from_atomic_executions_are_linearizable_under_the_typed_api(int seed)
    {
        // Same idea on the typed API directly (no text): a single register of ints.
        var rnd = new Random(seed);
        var ops = new List<Operation<(bool Write, int Value), int>>();
        var pending = new List<(int Client, bool Write, int Value, long Call, long At, long Return)>();
        for (var c = 0; c < 4; c++)
        {
            long t = rnd.Next(10);
            for (var i = 0; i < 5; i++)
            {
                var at = t + rnd.Next(1, 10);
                var ret = at + rnd.Next(1, 10);
                pending.Add((c, rnd.Next(2) == 0, rnd.Next(3), t * 8 + c, at * 8 + 4 + c, ret * 8 + c));
                t = ret + 1;
            }
        }

        var state = 0;
        foreach (var o in pending.OrderBy(o => o.At))
        {
            var output = o.Write ? 0 : state;
            if (o.Write)
            {
                state = o.Value;
            }

            ops.Add(new Operation<(bool Write, int Value), int>(o.Client, (o.Write, o.Value), o.Call, output, o.Return));
        }

        return LinearizabilityChecker.Check(new IntRegister(), ops).Verdict == Verdict.Linearizable;
    }

    private sealed class IntRegister : ILinearizabilityModel<int, (bool Write, int Value), int>
    {
        public int Init() => 0;

        public bool Step(int state, (bool Write, int Value) input, int output, out int next)
        {
            next = input.Write ? input.Value : state;
            return input.Write || output == state;
        }
    }

    [Property(MaxTest = 100)]
    public bool Dominance_pruning_of_unanswered_operations_keeps_every_verdict(int seed)
    {
        // Many processes, so that several operations of unknown outcome overlap the completed ones.
        var ops = Generate(seed, processes: 6 + Math.Abs(seed % 5), opsPerProcess: 6);
        var read = ops.FirstOrDefault(o => o.F == "get" && !o.Unknown);
        var histories = read is null ? [Build(ops)] : new[] { Build(ops), Build(ops, read) };
        foreach (var history in histories)
        {
            var plain = KvCas.Check(history).Verdict;
            LinearizabilityChecker.DominanceFromTheStart = true;
            try
            {
                if (KvCas.Check(history).Verdict != plain)
                {
                    return false;
                }
            }
            finally
            {
                LinearizabilityChecker.DominanceFromTheStart = false;
            }
        }

        return true;
    }

    [Property(MaxTest = 100)]
    public bool Merging_unobserved_values_and_skipping_unchanging_unanswered_operations_keep_every_verdict(int seed)
    {
        // Many processes and appends of short values, so that merged values, prefixes of values read and unanswered
        // operations that change nothing all occur; the plain search (both rules off) is the reference.
        var ops = Generate(seed, processes: 6 + Math.Abs(seed % 5), opsPerProcess: 6);
        var read = ops.FirstOrDefault(o => o.F == "get" && !o.Unknown);
        var histories = read is null ? [Build(ops)] : new[] { Build(ops), Build(ops, read) };
        foreach (var history in histories)
        {
            var plain = UnknownOutcomeTests.WithRules(UnchangedStateRule.Off, KvMerging.Off, () => KvCas.Check(history)).Verdict;
            if (KvCas.Check(history).Verdict != plain)
            {
                return false;
            }
        }

        return true;
    }
}
