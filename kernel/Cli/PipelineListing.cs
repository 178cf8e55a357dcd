using Kernel.Host.Hosting;

namespace Kernel.Host.Cli;

/// <summary>Output of the <c>pipelines</c> verb: every resilience pipeline of the configuration, its entries and its state.</summary>
internal static class PipelineListing
{
    public static void Write(KernelRuntime runtime, TextWriter output, bool json)
    {
        var pipelines = runtime.Resilience.Pipelines;
        if (json)
        {
            Listing.WriteJson(output, w =>
            {
                w.WriteStartArray("pipelines");
                foreach (var p in pipelines)
                {
                    w.WriteStartObject();
                    w.WriteString("name", p.Name);
                    w.WriteString("state", p.State);
                    w.WriteBoolean("results", p.Results);
                    w.WriteString("origin", p.Origin);
                    w.WriteStartArray("strategies");
                    foreach (var e in p.Entries)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("index", e.Index);
                        w.WriteString("strategy", e.Strategy);
                        w.WriteString("plugin", e.Plugin);
                        w.WriteString("options", e.Options);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteStartArray("problems");
                    foreach (var problem in p.Problems)
                    {
                        w.WriteStringValue(problem);
                    }

                    w.WriteEndArray();
                    w.WriteStartArray("built");
                    foreach (var kind in p.Built)
                    {
                        w.WriteStringValue(kind);
                    }

                    w.WriteEndArray();
                    w.WriteNumber("builds", p.Builds);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("predicates");
                foreach (var (name, owner) in runtime.Resilience.Predicates.All)
                {
                    w.WriteStartObject();
                    w.WriteString("name", name);
                    w.WriteString("owner", owner);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            return;
        }

        output.WriteLine(pipelines.Count == 0 ? "No resilience pipelines configured (the resilience section of plugins.json)." : "Resilience pipelines:");
        foreach (var p in pipelines)
        {
            output.WriteLine($"  {p.Name}  {p.State}{(p.Results ? "  results" : string.Empty)}  ({p.Origin})");
            foreach (var e in p.Entries)
            {
                output.WriteLine($"    [{e.Index}] {e.Strategy} ({e.Plugin}){(e.Options.Length == 0 ? string.Empty : "  " + e.Options)}");
            }

            foreach (var problem in p.Problems)
            {
                output.WriteLine($"    problem: {problem}");
            }
        }

        output.WriteLine("Predicates for \"handle\": " + string.Join(", ", runtime.Resilience.Predicates.All.Select(p => p.Owner == Resilience.PredicateRegistry.KernelOwner ? p.Name : $"{p.Name} ({p.Owner})")));
    }
}
