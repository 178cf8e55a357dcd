namespace ClusterBench;

/// <summary><c>etcdctl check perf --load=L</c> against a target's three members; its PASS and FAIL lines.</summary>
internal static class CheckPerf
{
    public static async Task<string[]> RunAsync(string etcdctl, Target target, string level, CancellationToken ct)
    {
        if (!File.Exists(etcdctl))
        {
            return [$"not run: no etcdctl at {etcdctl} (apt-get install etcd-client, or --etcdctl PATH)"];
        }

        var endpoints = string.Join(",", target.ClientUrls.Select(u => new Uri(u).Authority));
        var log = Path.Combine(target.Root, $"check-perf-{level}.log");
        var child = Children.Start(etcdctl, [$"--endpoints={endpoints}", "check", "perf", $"--load={level}"], target.Root, log,
            new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
        // check perf runs for 60 s, then deletes its keys; a target that stops answering is given up on after 4 minutes.
        var exited = await child.WaitAsync(TimeSpan.FromMinutes(4), ct);
        await Task.Delay(200, ct); // the last output lines
        var output = child.Tail(200).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var verdicts = output.Where(l => l.Contains("PASS", StringComparison.Ordinal) || l.Contains("FAIL", StringComparison.Ordinal)).ToArray();
        if (!exited)
        {
            return [.. verdicts, "FAIL: etcdctl did not finish within 4 minutes"];
        }

        return verdicts.Length > 0 ? verdicts : [.. output.TakeLast(3).Prepend("no verdict; etcdctl said:")];
    }
}
