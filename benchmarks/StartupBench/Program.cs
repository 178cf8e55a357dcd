using System.Diagnostics;

// Start-up time to ready, whole process: starts each program, waits for its "ready" log line, stops it.
// Usage: StartupBench <kernel.dll> <sample plugin output folder> <BareHost.dll> [runs=5]
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: StartupBench <kernel.dll> <sample plugin output folder> <BareHost.dll> [runs=5]");
    return 2;
}

// A plugins folder holding just the sample plugin.
var pluginsDir = Path.Combine(Path.GetTempPath(), "startup-bench-plugins");
if (Directory.Exists(pluginsDir))
{
    Directory.Delete(pluginsDir, recursive: true);
}

var sampleDir = Path.Combine(pluginsDir, "SamplePlugin");
Directory.CreateDirectory(sampleDir);
foreach (var file in Directory.EnumerateFiles(args[1]))
{
    File.Copy(file, Path.Combine(sampleDir, Path.GetFileName(file)));
}

var runs = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 5;
var config = Path.Combine(Path.GetTempPath(), "startup-bench-plugins.json");
File.WriteAllText(config, "{}");
var kernel = Measure("kernel run (sample plugin)", "dotnet", [args[0], "run", "--config", config, "--plugins-dir", pluginsDir], "Kernel ready");
var bare = Measure("bare generic host", "dotnet", [args[2]], "Bare host ready");
Console.WriteLine($"kernel: median {kernel:F0} ms; bare host: median {bare:F0} ms; difference {kernel - bare:F0} ms");
return 0;

double Measure(string name, string file, string[] arguments, string readyText)
{
    var times = new List<double>();
    for (var i = 0; i < runs + 1; i++)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        var ready = new TaskCompletionSource();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        process.ErrorDataReceived += (_, e) => { if (e.Data?.Contains(readyText, StringComparison.Ordinal) == true) { ready.TrySetResult(); } };
        process.OutputDataReceived += (_, e) => { if (e.Data?.Contains(readyText, StringComparison.Ordinal) == true) { ready.TrySetResult(); } };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        if (!ready.Task.Wait(TimeSpan.FromSeconds(60)))
        {
            process.Kill(true);
            throw new InvalidOperationException($"{name} did not print '{readyText}' within 60 s");
        }

        var elapsed = clock.Elapsed.TotalMilliseconds;
        process.Kill(true);
        process.WaitForExit();
        if (i > 0)
        {
            times.Add(elapsed); // the first run warms the disk cache and is not counted
        }
    }

    times.Sort();
    var median = times[times.Count / 2];
    Console.WriteLine($"{name}: {string.Join(", ", times.Select(t => t.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} ms (median {median:F0})");
    return median;
}
