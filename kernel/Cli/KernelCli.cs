using System.CommandLine;
using Kernel.Host.Configuration;
using Kernel.Host.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace Kernel.Host.Cli;

/// <summary>The kernel's command line: <c>run</c> (default), <c>node</c>, <c>plugins</c>, <c>strategies</c>, <c>pipelines</c>, <c>check-history</c>, <c>verify</c>.</summary>
internal static class KernelCli
{
    /// <summary>Exit code for invalid configuration or arguments.</summary>
    public const int InvalidInput = 2;

    private static readonly Option<string?> ConfigOption = new("--config")
    {
        Description = "plugins.json to use (default: ./plugins.json, else the one beside the executable)",
        Recursive = true,
    };

    private static readonly Option<string?> PluginsDirOption = new("--plugins-dir")
    {
        Description = "Plugins folder, overriding pluginsFolder of the configuration",
        Recursive = true,
    };

    private static readonly Option<bool> VerboseOption = new("--verbose")
    {
        Description = "On an unexpected error, also print its stack trace",
        Recursive = true,
    };

    /// <summary>The exit-code contract, shown in --help.</summary>
    internal const string ExitCodes = "Exit codes: 0 success; 1 a finding (not linearizable, violation found); 2 bad input or unusable environment (the message names the option or file, the value and what is allowed).";

    private static readonly Option<bool> JsonOption = new("--json") { Description = "Write one JSON object instead of text" };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var root = new RootCommand("Plugin-hosted kernel of distributed-systems strategies (consensus, replication, conflict resolution, CRDTs, resilience). " + ExitCodes)
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        root.Options.Add(ConfigOption);
        root.Options.Add(PluginsDirOption);
        root.Options.Add(VerboseOption);

        var run = new Command("run", "Start the kernel and serve a cluster on the configured consensus strategy (etcd's v3 API, on 127.0.0.1:2379 by default) until Ctrl+C; the default when no verb is given") { TreatUnmatchedTokensAsErrors = false };
        run.SetAction((parse, ct) => RunHostAsync(parse, error, ct));
        root.SetAction((parse, ct) => RunHostAsync(parse, error, ct));
        root.Subcommands.Add(run);

        var plugins = new Command("plugins", "List every discovered plugin with its status and strategies") { TreatUnmatchedTokensAsErrors = false };
        plugins.Options.Add(JsonOption);
        plugins.SetAction((parse, ct) => WithRuntime(parse, error, runtime =>
        {
            Listing.WritePlugins(runtime, output, parse.GetValue(JsonOption));
            return 0;
        }));
        root.Subcommands.Add(plugins);

        var category = new Option<string?>("--category") { Description = "Only this category: consensus, replication, conflict, crdt, resilience" };
        var strategies = new Command("strategies", "List every registered strategy as category/name") { TreatUnmatchedTokensAsErrors = false };
        strategies.Options.Add(category);
        strategies.Options.Add(JsonOption);
        strategies.SetAction((parse, ct) => WithRuntime(parse, error, runtime =>
            Listing.WriteStrategies(runtime, output, error, parse.GetValue(category), parse.GetValue(JsonOption))));
        root.Subcommands.Add(strategies);

        var pipelines = new Command("pipelines", "List the resilience pipelines of the configuration with their entries and state") { TreatUnmatchedTokensAsErrors = false };
        pipelines.Options.Add(JsonOption);
        pipelines.SetAction((parse, ct) => WithRuntime(parse, error, runtime =>
        {
            PipelineListing.Write(runtime, output, parse.GetValue(JsonOption));
            return 0;
        }));
        root.Subcommands.Add(pipelines);

        foreach (var command in ExtraCommands.Create(output, error))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(NodeCommand.Create(error));

        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?" or "/?" or "/h"))
        {
            // System.CommandLine would print help and exit 1, the code for a finding; bad usage is bad input.
            var verb = parseResult.CommandResult.Command == root ? "kernel" : "kernel " + parseResult.CommandResult.Command.Name;
            foreach (var e in parseResult.Errors)
            {
                await error.WriteLineAsync($"error: {Plain(e.Message)} (see {verb} --help)").ConfigureAwait(false);
            }

            return InvalidInput;
        }

        try
        {
            return await parseResult.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (ConfigurationException ex)
        {
            WriteError(error, ex.Message);
            return InvalidInput;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception ex)
        {
            // Nothing the user gave should land here; if something does, a message, and the trace only when asked for.
            WriteError(error, $"unexpected {ex.GetType().Name}: {ex.Message}" + (parseResult.GetValue(VerboseOption) ? string.Empty : " (--verbose shows where)"));
            if (parseResult.GetValue(VerboseOption))
            {
                await error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            }

            return InvalidInput;
        }
    }

    /// <summary>System.CommandLine's parse messages name .NET types; say what they mean instead.</summary>
    private static string Plain(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"as expected type '([^']*)'", m =>
            m.Groups[1].Value.Contains("Int", StringComparison.Ordinal) ? "as an integer"
            : m.Groups[1].Value.Contains("Double", StringComparison.Ordinal) ? "as a number"
            : "as the option's type", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));

    /// <summary>Writes a (possibly multi-line) message with <c>error: </c> before each line.</summary>
    internal static void WriteError(TextWriter error, string message)
    {
        foreach (var line in message.Split('\n'))
        {
            error.WriteLine("error: " + line.TrimEnd('\r'));
        }
    }

    /// <summary>Loads configuration and plugins for a one-shot verb; configuration problems exit 2 with their message.</summary>
    internal static async Task<int> WithRuntime(ParseResult parse, TextWriter error, Func<KernelRuntime, int> action)
    {
        if (TryLoadConfig(parse, error) is not { } config)
        {
            return InvalidInput;
        }

        using var loggerFactory = CreateLoggerFactory(LogEventLevel.Warning, error);
        await using var runtime = new KernelRuntime(config, loggerFactory);
        try
        {
            runtime.Start();
        }
        catch (ConfigurationException ex)
        {
            WriteError(error, ex.Message);
            return InvalidInput;
        }

        if (runtime.UncheckedWarning is { } warning)
        {
            await error.WriteLineAsync("warning: " + warning).ConfigureAwait(false);
        }

        return action(runtime);
    }

    /// <summary>Loads the configuration the options name; on a problem writes it and returns null.</summary>
    internal static KernelConfig? TryLoadConfig(ParseResult parse, TextWriter error)
    {
        try
        {
            return KernelConfig.Load(parse.GetValue(ConfigOption), parse.GetValue(PluginsDirOption), parse.UnmatchedTokens);
        }
        catch (ConfigurationException ex)
        {
            WriteError(error, ex.Message);
            return null;
        }
    }

    private static async Task<int> RunHostAsync(ParseResult parse, TextWriter error, CancellationToken cancellationToken)
    {
        if (TryLoadConfig(parse, error) is not { } config)
        {
            return InvalidInput;
        }

        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "kernel" });
        var serilog = CreateSerilog(LogEventLevel.Information, error);
        var exit = new ExitCodeHolder();
        builder.Services.AddSerilog(serilog, dispose: true);
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(exit);
        builder.Services.AddSingleton(error);
        builder.Services.AddSingleton(sp => new KernelRuntime(config, sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<Polly.Registry.ResiliencePipelineProvider<string>>(sp => sp.GetRequiredService<KernelRuntime>().Resilience.Provider);
        builder.Services.AddHostedService<KernelService>();
        builder.Services.AddHostedService<ClusterService>();
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);

        using var host = builder.Build();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
        return exit.Code;
    }

    internal static ILoggerFactory CreateLoggerFactory(LogEventLevel level, TextWriter error) =>
        new SerilogLoggerFactory(CreateSerilog(level, error), dispose: true);

    private static Serilog.ILogger CreateSerilog(LogEventLevel level, TextWriter error)
    {
        // The members' web hosts log every request at Information; the kernel says what they serve itself.
        var configuration = new LoggerConfiguration().MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Extensions.Hosting.Internal.Host", LogEventLevel.Fatal); // a failed start is reported by the kernel, without a stack trace
        // Logs go to stderr so that stdout carries only a verb's output (for example --json).
        configuration = ReferenceEquals(error, Console.Error)
            ? configuration.WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}")
            : configuration.WriteTo.Sink(new TextWriterSink(error));
        return configuration.CreateLogger();
    }
}
