using Kernel.Sdk.Testing.Linearizability;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;
using Kernel.Sdk.Testing.Verification;
using static Kernel.Sdk.Testing.Tests.Verification.HeadlessChromium;

namespace Kernel.Sdk.Testing.Tests.Verification;

/// <summary>
/// The HTML report, rendered in headless Chromium: its timeline has one bar per operation of the reported seed's
/// history, and for a violating run the highlighted operations are exactly the checker's counterexample.
/// </summary>
public sealed class HtmlReportTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("html-report-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Report_of_a_violating_run_highlights_exactly_the_operations_the_checker_cannot_linearize()
    {
        var report = Path.Combine(_dir.FullName, "violation.html");
        var simulation = new SimulationOptions { Faults = SimFaults.Partition };
        var summary = Verifier.Run(new ToyRaftStrategy(ToyFlaw.LocalReads),
            new VerifyOptions { Seeds = 100, StopAtFirstViolation = true, Simulation = simulation, ReportFile = report });
        Assert.Equal(ViolationKinds.Linearizability, summary.Violations[0].Kind);

        // The report is of the first violating seed: replay it to know its history and counterexample.
        var seed = summary.FirstViolatingSeed!.Value;
        var run = Simulator.Run(new ToyRaftStrategy(ToyFlaw.LocalReads), simulation with { Seed = seed });
        Models.TryGet("kv-cas", out var model);
        var cx = model!.Check(run.History).Counterexample!;

        var dom = DumpDom(report);
        Assert.Contains("data-rendered=\"true\"", dom, StringComparison.Ordinal);
        Assert.Contains($"seed {seed}", Text(dom, "title"), StringComparison.Ordinal);
        Assert.Contains(run.TraceHash[..16], Text(dom, "summary"), StringComparison.Ordinal);
        Assert.Equal("1 violation(s)", Text(dom, "verdict"));

        var ops = Elements(dom, "timeline", "rect").Where(e => HasClass(e, "op")).ToList();
        Assert.Equal(Pairing.Pair(run.History).Count, ops.Count);
        var highlighted = ops.Where(e => HasClass(e, "cx-bad")).Select(e => int.Parse(e["data-op"], System.Globalization.CultureInfo.InvariantCulture)).Order();
        Assert.Equal(cx.Unlinearizable.Select(o => o.SourceLine!.Value).Order(), highlighted);
        Assert.NotEmpty(cx.Unlinearizable);
        Assert.Equal(cx.LinearizedPrefix.Count, ops.Count(e => HasClass(e, "cx-prefix")));

        // The close-up of the counterexample: shown, with the same operations in red.
        Assert.DoesNotContain("<div id=\"cx-panel\" hidden", dom, StringComparison.Ordinal);
        var closeUp = Elements(dom, "cx-timeline", "rect").Where(e => HasClass(e, "cx-bad")).Select(e => e["data-op"]).Order();
        Assert.Equal(cx.Unlinearizable.Select(o => o.SourceLine!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), closeUp);
        Assert.Equal(cx.Unlinearizable.Count, Elements(dom, "cx-table", "tr").Count(e => HasClass(e, "cx-bad-row")));

        // Partitions, and a leader per term.
        Assert.Contains(Elements(dom, "timeline", "rect"), e => HasClass(e, "band") && HasClass(e, "partition"));
        Assert.Contains(Elements(dom, "timeline", "rect"), e => HasClass(e, "leader"));
    }

    [Fact]
    public void Report_of_a_clean_run_draws_every_operation_the_faults_and_the_leaders_without_a_counterexample()
    {
        var report = Path.Combine(_dir.FullName, "clean.html");
        var summary = Verifier.Run(new ToyRaftStrategy(), new VerifyOptions { FirstSeed = 3, Seeds = 1, ReportFile = report, VaryFaultSchedule = false });
        Assert.True(summary.Clean);
        var run = Simulator.Run(new ToyRaftStrategy(), new SimulationOptions { Seed = 3 });
        Assert.Equal(summary.TraceHashes[0], run.TraceHash);

        var dom = DumpDom(report);
        Assert.Equal("no violations", Text(dom, "verdict"));
        var rects = Elements(dom, "timeline", "rect");
        var ops = rects.Where(e => HasClass(e, "op")).ToList();
        Assert.Equal(Pairing.Pair(run.History).Count, ops.Count);
        Assert.True(ops.Count > 500, $"a 10 s run has hundreds of operations, not {ops.Count}");
        Assert.Equal(run.Operations.Ok, ops.Count(e => HasClass(e, "ok")));
        Assert.Equal(run.Operations.Info, ops.Count(e => HasClass(e, "info")));
        Assert.DoesNotContain(ops, e => HasClass(e, "cx-bad") || HasClass(e, "cx-prefix"));
        Assert.Contains(rects, e => HasClass(e, "leader"));
        Assert.Contains(rects, e => HasClass(e, "band") && HasClass(e, "crash"));
        Assert.Contains("<div id=\"cx-panel\" hidden", dom, StringComparison.Ordinal);
        Assert.True(new FileInfo(report).Length < 2_000_000, "the report of a 10 s run stays small");
    }

    [Fact]
    public void Report_of_a_log_invariant_violation_highlights_the_nodes_it_names_and_marks_when_it_was_found()
    {
        var report = Path.Combine(_dir.FullName, "invariant.html");
        var simulation = new SimulationOptions { Faults = SimFaults.Crash };
        var summary = Verifier.Run(new ToyRaftStrategy(ToyFlaw.NoSync), new VerifyOptions { Seeds = 50, StopAtFirstViolation = true, Simulation = simulation, ReportFile = report });
        var seed = summary.FirstViolatingSeed!.Value;
        var violations = summary.Violations.Where(v => v.Seed == seed).ToList();
        Assert.DoesNotContain(violations, v => v.Kind == ViolationKinds.Linearizability);
        var named = violations.SelectMany(v => System.Text.RegularExpressions.Regex.Matches(v.Message, @"\bn(\d+)\b").Select(m => "n" + m.Groups[1].Value)).Distinct().Order().ToList();
        Assert.NotEmpty(named);

        var dom = DumpDom(report);
        Assert.Equal($"{violations.Count} violation(s)", Text(dom, "verdict"));
        Assert.Equal(violations.Select(v => v.Kind), Elements(dom, "violations", "li").Select(e => e["data-kind"]));
        Assert.Equal(violations.Count, Elements(dom, "timeline", "line").Count(e => HasClass(e, "violation-marker")));
        var implicated = System.Text.RegularExpressions.Regex.Matches(dom, "<text class=\"row-label implicated\"[^>]*>([^<]*)</text>").Select(m => m.Groups[1].Value).Order().ToList();
        Assert.Equal(named, implicated);
        Assert.DoesNotContain(Elements(dom, "timeline", "rect"), e => HasClass(e, "cx-bad"));
        Assert.Contains(Elements(dom, "timeline", "rect"), e => HasClass(e, "band") && HasClass(e, "crash"));
    }

    [Fact]
    public void Report_of_a_replication_strategy_has_no_leader_band_and_highlights_its_counterexample()
    {
        var report = Path.Combine(_dir.FullName, "replication.html");
        var summary = Verifier.Run(new ToyPrimaryBackupStrategy(localReads: true), new VerifyOptions { Seeds = 40, StopAtFirstViolation = true, ReportFile = report });
        Assert.Equal(ViolationKinds.Linearizability, summary.Violations[0].Kind);
        var run = Simulator.Run(new ToyPrimaryBackupStrategy(localReads: true), new SimulationOptions { Seed = summary.FirstViolatingSeed!.Value });
        Models.TryGet("kv-cas", out var model);
        var cx = model!.Check(run.History).Counterexample!;

        var dom = DumpDom(report);
        var rects = Elements(dom, "timeline", "rect");
        Assert.Equal(Pairing.Pair(run.History).Count, rects.Count(e => HasClass(e, "op")));
        Assert.DoesNotContain(rects, e => HasClass(e, "leader"));
        Assert.Equal(cx.Unlinearizable.Select(o => o.SourceLine!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(),
            rects.Where(e => HasClass(e, "op") && HasClass(e, "cx-bad")).Select(e => e["data-op"]).Order());
    }

    [Fact]
    public void Report_of_a_convergent_strategy_names_its_violation_and_why_the_history_is_not_checked()
    {
        var report = Path.Combine(_dir.FullName, "convergent.html");
        var summary = Verifier.Run(new ToyLwwStrategy(LwwFlaw.NoAntiEntropy), new VerifyOptions { Seeds = 40, StopAtFirstViolation = true, ReportFile = report });
        Assert.Equal(ViolationKinds.Convergence, summary.Violations[0].Kind);
        var html = File.ReadAllText(report);
        Assert.Contains($"\"seed\":{summary.FirstViolatingSeed},", html, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"convergence\"", html, StringComparison.Ordinal);
        Assert.Contains("not run (the strategy promises convergence, not linearizability)", html, StringComparison.Ordinal);
        Assert.Contains("\"leaders\":[]", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_report_data_cannot_close_its_script_element()
    {
        // Values come from strategies and messages: whatever they hold, the inline JSON must not end the script early.
        var html = new StringWriter();
        var run = Simulator.Run(new ToyRaftStrategy(), new SimulationOptions { Seed = 1, SafetyDuration = TimeSpan.FromSeconds(1) });
        HtmlReport.Write(html, new ReportInput("</script><b>x", "consensus", 1, "test", new SimulationOptions(), run,
            [new Violation(1, ViolationKinds.Crash, "n1 threw </script> & <b>", TimeSpan.FromSeconds(0.5))], new ReportTrace()));
        var text = html.ToString();
        Assert.Equal(2, text.Split("</script>").Length - 1);
        Assert.DoesNotContain("http://", text.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", text, StringComparison.Ordinal);
    }
}
