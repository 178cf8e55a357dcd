using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Kernel.Sdk.Testing.Tests.Verification;

/// <summary>
/// Renders a page in headless Chromium (Debian's <c>chromium</c> package; <c>.ci/run</c> installs it) and returns the DOM
/// after its scripts ran. Never skips: without Chromium the test fails and says how to install it.
/// </summary>
internal static partial class HeadlessChromium
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    public static string DumpDom(string htmlFile)
    {
        var exe = Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } configured ? configured : Candidates.FirstOrDefault(File.Exists);
        if (exe is null || !File.Exists(exe))
        {
            var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
            Assert.Fail($"headless Chromium is needed to render the HTML report and was not found (looked at $CHROMIUM and {string.Join(", ", Candidates)}); "
                + "install it with 'apt-get install -y chromium'" + (ci ? " (CI=true: .ci/run installs it before the tests; this test does not skip)." : "."));
        }

        var profile = Directory.CreateTempSubdirectory("report-chromium-");
        try
        {
            var start = new ProcessStartInfo(exe!)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1600,1000",
                "--user-data-dir=" + profile.FullName, "--dump-dom", new Uri(Path.GetFullPath(htmlFile)).AbsoluteUri,
            })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("chromium did not finish dumping the DOM within 5 minutes: " + stderr.Result);
            }

            var dom = stdout.Result;
            Assert.True(process.ExitCode == 0 && dom.Length > 0, $"chromium exited with {process.ExitCode}: {stderr.Result}");
            return dom;
        }
        finally
        {
            try
            {
                profile.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A profile file still held by an exiting helper process: the temp folder is cleaned up later.
            }
        }
    }

    /// <summary>The attributes of every <paramref name="tag"/> element inside the element with id <paramref name="id"/> (up to its closing tag).</summary>
    public static List<Dictionary<string, string>> Elements(string dom, string id, string tag)
    {
        var open = Regex.Match(dom, $"<(\\w+)\\b[^>]*\\bid=\"{Regex.Escape(id)}\"");
        Assert.True(open.Success, $"no element with id '{id}' in the rendered page");
        var end = dom.IndexOf("</" + open.Groups[1].Value + ">", open.Index, StringComparison.Ordinal);
        var inner = dom[open.Index..(end < 0 ? dom.Length : end)];
        return [.. Regex.Matches(inner, $"<{tag}\\b([^>]*)>").Select(m => Attributes(m.Groups[1].Value))];
    }

    /// <summary>The text of the element with id <paramref name="id"/>, tags stripped.</summary>
    public static string Text(string dom, string id)
    {
        var m = Regex.Match(dom, $"<(\\w+)\\b[^>]*\\bid=\"{Regex.Escape(id)}\"[^>]*>(.*?)</\\1>", RegexOptions.Singleline);
        Assert.True(m.Success, $"no element with id '{id}' in the rendered page");
        return WebUtility.HtmlDecode(Regex.Replace(m.Groups[2].Value, "<[^>]+>", ""));
    }

    public static bool HasClass(Dictionary<string, string> element, string name) =>
        element.TryGetValue("class", out var c) && c.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(name);

    private static Dictionary<string, string> Attributes(string text) =>
        AttributePattern().Matches(text).ToDictionary(a => a.Groups[1].Value, a => WebUtility.HtmlDecode(a.Groups[2].Value));

    [GeneratedRegex("([\\w:-]+)=\"([^\"]*)\"")]
    private static partial Regex AttributePattern();
}
