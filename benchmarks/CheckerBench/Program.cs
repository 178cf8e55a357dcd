// Checks every history of the verdict-labelled corpus in one process and prints the time per set and the slowest file.
// Usage: dotnet run -c Release --project benchmarks/CheckerBench [HISTORIES_DIR] [--repeat N]
using System.Diagnostics;
using System.Globalization;
using Kernel.Sdk.Testing.Linearizability;

var repeat = 3;
var r = Array.IndexOf(args, "--repeat");
if (r >= 0 && r + 1 < args.Length)
{
    repeat = int.Parse(args[r + 1], CultureInfo.InvariantCulture);
}

var dir = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (r < 0 || i != r + 1)).FirstOrDefault() ?? FindHistories();

if (dir is null || !File.Exists(Path.Combine(dir, "verdicts.tsv")))
{
    Console.Error.WriteLine("histories folder not found: pass it as the first argument (it holds verdicts.tsv)");
    return 2;
}

var rows = File.ReadLines(Path.Combine(dir, "verdicts.tsv")).Skip(1)
    .Select(l => l.Split('\t'))
    .Select(c => (Path: c[0], Model: c[1], Expected: c[2] == "linearizable" ? Verdict.Linearizable : Verdict.NotLinearizable))
    .ToList();

// Parse once (parsing is not what is measured), then check.
var parse = Stopwatch.StartNew();
var loaded = rows.Select(row => (row.Path, row.Model, row.Expected, History: HistoryCheck.Load(Path.Combine(dir, row.Path)))).ToList();

Console.WriteLine($"{loaded.Count} histories from {dir} (parsed in {parse.Elapsed.TotalMilliseconds:F0} ms, cold)");
Console.WriteLine("warm-up...");
var mismatches = Run(loaded, print: false);
if (mismatches > 0)
{
    Console.WriteLine($"{mismatches} verdict mismatch(es)!");
}

for (var i = 0; i < repeat; i++)
{
    Console.WriteLine($"run {i + 1}:");
    Run(loaded, print: true);
}

return mismatches == 0 ? 0 : 1;

static int Run(List<(string Path, string Model, Verdict Expected, History History)> loaded, bool print)
{
    var perSet = new Dictionary<string, (double Ms, int Files, string Slowest, double SlowestMs)>();
    var slowest = (Path: "", Ms: 0.0);
    var mismatches = 0;
    var total = Stopwatch.StartNew();
    foreach (var (path, modelName, expected, history) in loaded)
    {
        Models.TryGet(modelName, out var model);
        var sw = Stopwatch.StartNew();
        var result = model!.Check(history);
        var ms = sw.Elapsed.TotalMilliseconds;
        if (result.Verdict != expected)
        {
            mismatches++;
            Console.WriteLine($"  MISMATCH {path}: expected {expected}, got {result.Verdict}");
        }

        var set = modelName == "etcd-register-with-cas" ? "etcd" : modelName;
        perSet[set] = perSet.TryGetValue(set, out var s)
            ? (s.Ms + ms, s.Files + 1, ms > s.SlowestMs ? path : s.Slowest, Math.Max(ms, s.SlowestMs))
            : (ms, 1, path, ms);
        if (ms > slowest.Ms)
        {
            slowest = (path, ms);
        }
    }

    if (print)
    {
        foreach (var (set, (ms, files, slow, slowMs)) in perSet)
        {
            Console.WriteLine($"  {set,-16} {files,4} files {ms,9:F1} ms   (slowest {Path.GetFileName(slow)} {slowMs:F1} ms)");
        }

        Console.WriteLine($"  {"total",-16} {loaded.Count,4} files {total.Elapsed.TotalMilliseconds,9:F1} ms");
        Console.WriteLine($"  slowest file: {slowest.Path} {slowest.Ms:F1} ms");
    }

    return mismatches;
}

static string? FindHistories()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        var candidate = Path.Combine(d.FullName, "..", "shared", "histories");
        if ((File.Exists(Path.Combine(d.FullName, "Directory.Packages.props")) || File.Exists(Path.Combine(d.FullName, "Kernel.sln")))
            && Directory.Exists(candidate))
        {
            return Path.GetFullPath(candidate);
        }

        var direct = Path.Combine(d.FullName, "shared", "histories");
        if (Directory.Exists(direct))
        {
            return direct;
        }
    }

    return null;
}
