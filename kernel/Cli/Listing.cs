using System.Text.Json;
using Kernel.Host.Hosting;
using Kernel.Host.Plugins;
using Kernel.Sdk.Strategies;

namespace Kernel.Host.Cli;

/// <summary>Output of the <c>plugins</c> and <c>strategies</c> verbs.</summary>
internal static class Listing
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public static void WritePlugins(KernelRuntime runtime, TextWriter output, bool json)
    {
        var plugins = runtime.Plugins.Plugins;
        if (json)
        {
            WriteJson(output, w =>
            {
                w.WriteString("pluginsFolder", runtime.Plugins.Folder);
                w.WriteString("sdkVersion", Kernel.Sdk.SdkVersion.Current.ToString());
                w.WriteStartArray("plugins");
                foreach (var p in plugins)
                {
                    w.WriteStartObject();
                    w.WriteString("id", p.Id);
                    w.WriteString("version", p.Version);
                    w.WriteString("sdkRange", p.SdkRange);
                    w.WriteString("status", p.Status.ToString().ToLowerInvariant());
                    w.WriteString("reason", p.Reason);
                    w.WriteString("folder", p.Folder);
                    w.WriteStartArray("strategies");
                    foreach (var s in p.Strategies)
                    {
                        w.WriteStartObject();
                        w.WriteString("category", s.Category.ToName());
                        w.WriteString("name", s.Name);
                        w.WriteString("description", s.Description);
                        w.WriteBoolean("enabled", s.Enabled);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("uncheckedEntries");
                foreach (var entry in runtime.UncheckedEntries)
                {
                    w.WriteStringValue(entry);
                }

                w.WriteEndArray();
            });
            return;
        }

        output.WriteLine($"Plugins in {runtime.Plugins.Folder} (kernel SDK {Kernel.Sdk.SdkVersion.Current}):");
        if (plugins.Count == 0)
        {
            output.WriteLine("  none");
        }

        foreach (var p in plugins)
        {
            output.WriteLine($"  {p.Id} {p.Version ?? "?"}  SDK {p.SdkRange ?? "?"}  {p.Status.ToString().ToLowerInvariant()}" + (p.Reason is null ? string.Empty : $": {p.Reason}"));
            foreach (var s in p.Strategies)
            {
                output.WriteLine($"    {s.Category.ToName()}/{s.Name}{(s.Enabled ? string.Empty : " (disabled)")}  {s.Description}");
            }
        }
    }

    public static int WriteStrategies(KernelRuntime runtime, TextWriter output, TextWriter error, string? category, bool json)
    {
        StrategyCategory? filter = null;
        if (category is not null)
        {
            if (!StrategyCategories.TryParse(category, out var parsed))
            {
                error.WriteLine($"error: --category '{category}' is not a category; categories: {string.Join(", ", StrategyCategories.All.Select(c => c.ToName()))}.");
                return KernelCli.InvalidInput;
            }

            filter = parsed;
        }

        var all = runtime.Registry.All.Where(r => filter is null || r.Strategy.Category == filter).ToArray();
        if (json)
        {
            WriteJson(output, w =>
            {
                w.WriteStartArray("strategies");
                foreach (var r in all)
                {
                    w.WriteStartObject();
                    w.WriteString("key", r.Key);
                    w.WriteString("category", r.Strategy.Category.ToName());
                    w.WriteString("name", r.Strategy.Name);
                    w.WriteString("description", r.Strategy.Description);
                    w.WriteString("plugin", r.PluginId);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            return 0;
        }

        if (all.Length == 0)
        {
            output.WriteLine("No strategies registered.");
        }

        var width = all.Length == 0 ? 0 : all.Max(r => r.Key.Length);
        foreach (var r in all)
        {
            output.WriteLine($"{r.Key.PadRight(width)}  {r.Strategy.Description}");
        }

        return 0;
    }

    /// <summary>Writes one indented JSON object whose members <paramref name="members"/> writes.</summary>
    internal static void WriteJson(TextWriter output, Action<Utf8JsonWriter> members)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Indented))
        {
            w.WriteStartObject();
            members(w);
            w.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
