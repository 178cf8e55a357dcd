using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kernel.Sdk.Testing.Linearizability;
using Kernel.Sdk.Testing.Linearizability.Parsing;
using Kernel.Sdk.Testing.Simulation;

namespace Kernel.Sdk.Testing.Verification;

/// <summary>What the HTML report of one seed is made of.</summary>
/// <param name="Strategy">The strategy's name.</param>
/// <param name="Category">consensus or replication (a leader band only for consensus).</param>
/// <param name="Seed">The seed reported.</param>
/// <param name="Why">Why this seed was picked (the first violating one, or the first).</param>
/// <param name="Simulation">The simulation options of the run.</param>
/// <param name="Result">What the simulation of the seed produced.</param>
/// <param name="Violations">The violations of the seed (the linearizability one included).</param>
/// <param name="Trace">The trace of the seed, read for the report.</param>
/// <param name="Linearizable">Whether the strategy promises linearizability (its history is checked then, unless an invariant broke first).</param>
internal sealed record ReportInput(string Strategy, string Category, long Seed, string Why, SimulationOptions Simulation, SimulationResult Result,
    IReadOnlyList<Violation> Violations, ReportTrace Trace, bool Linearizable = true);

/// <summary>
/// Writes the self-contained HTML report of one seed: the data as one inline JSON object, drawn by an inline script as
/// SVG (no network, no library). Client operations are bars from invoke to completion per client (<c>rect.op</c> with
/// <c>data-op</c> = the line of the invoke in the history, the id the checker's counterexample uses), faults bands per
/// node and for the network, the leader per term a band; a linearizability counterexample marks its operations
/// <c>cx-bad</c> (cannot be linearized) and <c>cx-prefix</c> (the longest linearizable prefix), and gets a zoomed view.
/// </summary>
internal static partial class HtmlReport
{
    public static void Write(string path, ReportInput input)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        Write(writer, input);
    }

    public static void Write(TextWriter output, ReportInput input)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(input);
        var title = System.Net.WebUtility.HtmlEncode($"verify {input.Strategy}, seed {input.Seed}");
        output.Write(Template.Head.Replace("{{TITLE}}", title, StringComparison.Ordinal));
        output.Write(Data(input));
        output.Write(Template.Tail);
    }

    /// <summary>The report's data, as JSON safe inside a script element (&lt; &gt; &amp; are escaped).</summary>
    internal static string Data(ReportInput input)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default }))
        {
            WriteData(w, input);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteData(Utf8JsonWriter w, ReportInput input)
    {
        var result = input.Result;
        var trace = input.Trace;
        var sim = input.Simulation;
        var end = (long)result.SimulatedTime.TotalMicroseconds;
        var nodes = Math.Max(sim.Nodes, trace.Events.Select(e => e.Node).Append(0).Max());
        var consensus = input.Category == "consensus";
        w.WriteStartObject();
        w.WriteString("strategy", input.Strategy);
        w.WriteString("category", input.Category);
        w.WriteNumber("seed", input.Seed);
        w.WriteString("why", input.Why);
        w.WriteNumber("nodes", nodes);
        w.WriteNumber("clients", sim.Clients);
        w.WriteString("faults", SimFaultNames.Format(sim.Faults));
        w.WriteNumber("end", end);
        w.WriteString("traceHash", result.TraceHash);
        w.WriteStartObject("counts");
        w.WriteNumber("ok", result.Operations.Ok);
        w.WriteNumber("fail", result.Operations.Fail);
        w.WriteNumber("info", result.Operations.Info);
        w.WriteEndObject();
        w.WriteString("check", trace.Check?.Verdict switch
        {
            null => input.Linearizable ? "not run (an invariant was violated first)" : "not run (the strategy promises convergence, not linearizability)",
            Verdict.NotLinearizable => "not linearizable (kv-cas model)",
            _ => trace.Check.ToString(),
        });

        w.WriteStartArray("violations");
        foreach (var v in input.Violations)
        {
            w.WriteStartObject();
            w.WriteString("kind", v.Kind);
            w.WriteString("message", v.Message);
            w.WriteNumber("at", (long)v.At.TotalMicroseconds);
            var text = v.Kind == ViolationKinds.Linearizability ? "" : v.Message;
            WriteNumbers(w, "nodes", NodeName().Matches(text).Select(m => m.Groups[1].Value));
            WriteNumbers(w, "terms", TermNumber().Matches(text).Select(m => m.Groups[1].Value));
            WriteNumbers(w, "indexes", IndexNumber().Matches(text).Select(m => m.Groups[1].Value));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        var ops = WriteOperations(w, result.History, trace);
        WriteLeaders(w, trace, end, consensus);
        WriteFaults(w, trace, end);
        WriteCounterexample(w, trace.Check?.Counterexample, ops);
        w.WriteEndObject();
    }

    private static void WriteNumbers(Utf8JsonWriter w, string name, IEnumerable<string> numbers)
    {
        w.WriteStartArray(name);
        foreach (var n in numbers.Select(s => long.Parse(s, CultureInfo.InvariantCulture)).Distinct())
        {
            w.WriteNumberValue(n);
        }

        w.WriteEndArray();
    }

    /// <summary>
    /// The operations, paired as the checker pairs them (an invoke with the next completion of its process):
    /// [id, client, invoke µs, completion µs, 0 ok | 1 fail | 2 info, f, key, value in, value out, node, why].
    /// Returns the ids written.
    /// </summary>
    private static HashSet<int> WriteOperations(Utf8JsonWriter w, History history, ReportTrace trace)
    {
        var ids = new HashSet<int>();
        var pending = new Dictionary<int, HistoryEvent>();
        w.WriteStartArray("ops");
        foreach (var e in history.Events)
        {
            if (e.Type == HistoryEventType.Invoke)
            {
                pending[e.Process] = e;
                continue;
            }

            if (!pending.Remove(e.Process, out var invoke))
            {
                continue;
            }

            Op(invoke, e);
        }

        foreach (var invoke in pending.Values.OrderBy(p => p.Line))
        {
            Op(invoke, null);
        }

        w.WriteEndArray();
        return ids;

        void Op(HistoryEvent invoke, HistoryEvent? done)
        {
            var start = invoke.Time ?? 0;
            var endTime = done?.Time ?? start;
            ids.Add(invoke.Line);
            w.WriteStartArray();
            w.WriteNumberValue(invoke.Line);
            w.WriteNumberValue(invoke.Process);
            w.WriteNumberValue(start);
            w.WriteNumberValue(endTime);
            w.WriteNumberValue(done?.Type switch { HistoryEventType.Ok => 0, HistoryEventType.Fail => 1, _ => 2 });
            w.WriteStringValue(invoke.F);
            w.WriteStringValue(invoke.Key);
            w.WriteStringValue(Show(invoke.Value));
            w.WriteStringValue(done is { Type: HistoryEventType.Ok } ok && invoke.F is "get" or "read" ? Show(ok.Value) : null);
            w.WriteNumberValue(trace.InvokedAt.GetValueOrDefault((invoke.Process, start)));
            w.WriteStringValue(done?.Time is { } t ? trace.CompletedWhy.GetValueOrDefault((invoke.Process, t)) : "still running at the end");
            w.WriteEndArray();
        }
    }

    private static string? Show(object? value) => value switch
    {
        null => null,
        EdnList { Count: 2 } cas => (cas[0]?.ToString() ?? "nil") + "->" + (cas[1]?.ToString() ?? "nil"),
        EdnList list => list.ToString(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>The leader per term, as seen from accepted proposals: [from µs, to µs, term, node, 1 when another node was also seen leading it].</summary>
    private static void WriteLeaders(Utf8JsonWriter w, ReportTrace trace, long end, bool consensus)
    {
        w.WriteStartArray("leaders");
        if (consensus)
        {
            var terms = trace.Leaders.GroupBy(l => l.Term).OrderBy(g => g.Key).ToList();
            for (var i = 0; i < terms.Count; i++)
            {
                var first = terms[i].First();
                var until = i + 1 < terms.Count ? terms[i + 1].Min(l => l.Time) : end;
                var conflict = terms[i].Select(l => l.Node).Distinct().Count() > 1;
                w.WriteStartArray();
                w.WriteNumberValue(first.Time);
                w.WriteNumberValue(Math.Max(until, first.Time));
                w.WriteNumberValue(first.Term);
                w.WriteNumberValue(first.Node);
                w.WriteNumberValue(conflict ? 1 : 0);
                w.WriteEndArray();
            }
        }

        w.WriteEndArray();
    }

    /// <summary>
    /// Bands [row, from µs, to µs, class, label] (row: "network" or the node's index) and marks [row, at µs, class,
    /// label] (row: "events" or the node's index) from the trace's fault lines.
    /// </summary>
    private static void WriteFaults(Utf8JsonWriter w, ReportTrace trace, long end)
    {
        var bands = new List<(string Row, long From, long To, string Class, string Label)>();
        var marks = new List<(string Row, long At, string Class, string Label)>();
        var open = new Dictionary<(string Row, string Class), (long From, string Label)>();
        (long Time, string Text) note = (-1, "");
        long? liveness = null;

        void Open(string row, string cls, long t, string label)
        {
            Close(row, cls, t);
            open[(row, cls)] = (t, label);
        }

        void Close(string row, string cls, long t)
        {
            if (open.Remove((row, cls), out var o))
            {
                bands.Add((row, o.From, Math.Max(t, o.From), cls, o.Label));
            }
        }

        void Network(long t, string label)
        {
            label = note.Time == t ? note.Text + ": " + label : label;
            if (open.TryGetValue(("network", "partition"), out var o) && o.From == t)
            {
                open[("network", "partition")] = (t, o.Label + ", " + label);
            }
            else
            {
                Open("network", "partition", t, label);
            }
        }

        foreach (var e in trace.Events)
        {
            var row = e.Node.ToString(CultureInfo.InvariantCulture);
            var who = "n" + row;
            switch (e.Kind)
            {
                case "crash":
                    Close(row, "pause", e.Time);
                    if (!open.ContainsKey((row, "crash")))
                    {
                        Open(row, "crash", e.Time, who + " down: " + e.Details);
                    }

                    break;
                case "restart":
                    Close(row, "crash", e.Time);
                    break;
                case "pause":
                    Open(row, "pause", e.Time, who + " paused " + e.Details);
                    break;
                case "resume":
                    Close(row, "pause", e.Time);
                    break;
                case "network" when e.Node > 0 && e.Details == "disconnect":
                    Open(row, "isolated", e.Time, who + " disconnected");
                    Network(e.Time, who + " disconnected");
                    break;
                case "network" when e.Node > 0 && e.Details == "connect":
                    Close(row, "isolated", e.Time);
                    break;
                case "network" when e.Node > 0 && e.Details.StartsWith("block ", StringComparison.Ordinal):
                    Network(e.Time, who + " " + e.Details[6..]);
                    break;
                case "network" when e.Details.StartsWith("partition", StringComparison.Ordinal):
                    foreach (var k in open.Keys.Where(k => k.Class == "isolated").ToList())
                    {
                        Close(k.Row, k.Class, e.Time);
                    }

                    Network(e.Time, e.Details);
                    break;
                case "network" when e.Details == "heal":
                    foreach (var k in open.Keys.Where(k => k.Class is "isolated" or "partition").ToList())
                    {
                        Close(k.Row, k.Class, e.Time);
                    }

                    break;
                case "network" when e.Node == 0:
                    marks.Add(("events", e.Time, "network", "network " + e.Details));
                    break;
                case "nemesis" when e.Node > 0 && e.Details.StartsWith("clock drift ", StringComparison.Ordinal):
                    var drift = e.Details[12..];
                    if (double.TryParse(drift, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d != 0)
                    {
                        Open(row, "drift", e.Time, who + " clock drift " + drift);
                    }
                    else
                    {
                        Close(row, "drift", e.Time);
                    }

                    break;
                case "nemesis" when e.Node == 0:
                    note = (e.Time, e.Details);
                    if (e.Details.StartsWith("heal all", StringComparison.Ordinal))
                    {
                        liveness ??= e.Time;
                    }
                    else if (e.Details.StartsWith("transfer", StringComparison.Ordinal))
                    {
                        marks.Add(("events", e.Time, "transfer", e.Details));
                    }
                    else if (e.Details.StartsWith("remove", StringComparison.Ordinal) || e.Details.StartsWith("membership", StringComparison.Ordinal))
                    {
                        marks.Add(("events", e.Time, "membership", e.Details));
                    }
                    else if (e.Details.StartsWith("arm crash", StringComparison.Ordinal))
                    {
                        marks.Add(("events", e.Time, "crash", e.Details));
                    }

                    break;
                case "membership":
                    // "Remove n3: accepted index 40", "AddLearner n3: ...", "AddVoter n3: ...", or refused.
                    var accepted = e.Details.Contains(": accepted", StringComparison.Ordinal);
                    marks.Add(("events", e.Time, accepted ? "membership" : "refused", who + " proposes " + e.Details));
                    var parts = e.Details.Split(' ', 3);
                    if (accepted && parts.Length >= 2 && parts[1].TrimEnd(':') is var target && target.StartsWith('n'))
                    {
                        var targetRow = target[1..];
                        if (parts[0] == "Remove")
                        {
                            Open(targetRow, "removed", e.Time, target + " removed from the configuration");
                        }
                        else if (parts[0] == "AddLearner")
                        {
                            Close(targetRow, "removed", e.Time);
                            Open(targetRow, "learner", e.Time, target + " learner");
                        }
                        else if (parts[0] == "AddVoter")
                        {
                            Close(targetRow, "removed", e.Time);
                            Close(targetRow, "learner", e.Time);
                        }
                    }

                    break;
                case "VIOLATION":
                    marks.Add((e.Node > 0 ? row : "events", e.Time, "violation", e.Details));
                    break;
            }
        }

        foreach (var k in open.Keys.ToList())
        {
            Close(k.Row, k.Class, end);
        }

        w.WriteNumber("liveness", liveness ?? -1);
        w.WriteStartArray("bands");
        foreach (var b in bands.OrderBy(b => b.From))
        {
            w.WriteStartArray();
            w.WriteStringValue(b.Row);
            w.WriteNumberValue(b.From);
            w.WriteNumberValue(b.To);
            w.WriteStringValue(b.Class);
            w.WriteStringValue(b.Label);
            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteStartArray("marks");
        foreach (var m in marks)
        {
            w.WriteStartArray();
            w.WriteStringValue(m.Row);
            w.WriteNumberValue(m.At);
            w.WriteStringValue(m.Class);
            w.WriteStringValue(m.Label);
            w.WriteEndArray();
        }

        w.WriteEndArray();
    }

    /// <summary>
    /// The counterexample: its partition (key), the state after the prefix, the ids of the prefix in linearization order
    /// and of the operations that cannot be linearized, and the model's description of each of these.
    /// </summary>
    private static void WriteCounterexample(Utf8JsonWriter w, Counterexample? cx, HashSet<int> ids)
    {
        if (cx is null)
        {
            w.WriteNull("cx");
            return;
        }

        w.WriteStartObject("cx");
        w.WriteString("key", cx.PartitionKey);
        w.WriteNumber("partitionOps", cx.PartitionOperations);
        w.WriteString("state", cx.StateAfterPrefix);
        w.WriteStartArray("prefix");
        foreach (var op in cx.LinearizedPrefix)
        {
            w.WriteNumberValue(op.SourceLine ?? -1);
        }

        w.WriteEndArray();
        w.WriteStartArray("bad");
        foreach (var op in cx.Unlinearizable)
        {
            w.WriteNumberValue(op.SourceLine ?? -1);
        }

        w.WriteEndArray();
        w.WriteStartObject("desc");
        foreach (var op in cx.LinearizedPrefix.TakeLast(30).Concat(cx.Unlinearizable))
        {
            if (op.SourceLine is { } line && ids.Contains(line))
            {
                w.WriteString(line.ToString(CultureInfo.InvariantCulture), op.Description);
            }
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    [GeneratedRegex(@"\bn(\d+)\b")]
    private static partial Regex NodeName();

    [GeneratedRegex(@"\bterm (\d+)\b")]
    private static partial Regex TermNumber();

    [GeneratedRegex(@"\b(?:index|indexes) (\d+)\b")]
    private static partial Regex IndexNumber();
}
