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

/// <summary>The kernel's command line: <c>run</c> (default), <c>plugins</c>, <c>strategies</c>, <c>check-history</c>, <c>verify</c>.</summary>
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

    private static readonly Option<bool> JsonOption = new("--json") { Description = "Write one JSON object instead of text" };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var root = new RootCommand("Plugin-hosted kernel of distributed-systems strategies (consensus, replication, conflict resolution, CRDTs, resilience).")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        root.Options.Add(ConfigOption);
        root.Options.Add(PluginsDirOption);

        var run = new Command("run", "Start the kernel and run until Ctrl+C (the default when no verb is given)") { TreatUnmatchedTokensAsErrors = false };
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

        foreach (var command in ExtraCommands.Create(output, error))
        {
            root.Subcommands.Add(command);
        }

        var parseResult = root.Parse(args);
        return await parseResult.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
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
            await error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return InvalidInput;
        }

        return action(runtime);
    }

    /// <summary>Loads the configuration the options name; on a problem writes it and returns null.</summary>
    private static KernelConfig? TryLoadConfig(ParseResult parse, TextWriter error)
    {
        try
        {
            return KernelConfig.Load(parse.GetValue(ConfigOption), parse.GetValue(PluginsDirOption), parse.UnmatchedTokens);
        }
        catch (ConfigurationException ex)
        {
            error.WriteLine("error: " + ex.Message);
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
        builder.Services.AddSerilog(serilog, dispose: true);
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(sp => new KernelRuntime(config, sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddHostedService<KernelService>();
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);

        using var host = builder.Build();
        try
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (ConfigurationException ex)
        {
            await error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return InvalidInput;
        }
    }

    internal static ILoggerFactory CreateLoggerFactory(LogEventLevel level, TextWriter error) =>
        new SerilogLoggerFactory(CreateSerilog(level, error), dispose: true);

    private static Serilog.ILogger CreateSerilog(LogEventLevel level, TextWriter error)
    {
        var configuration = new LoggerConfiguration().MinimumLevel.Is(level);
        // Logs go to stderr so that stdout carries only a verb's output (for example --json).
        configuration = ReferenceEquals(error, Console.Error)
            ? configuration.WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}")
            : configuration.WriteTo.Sink(new TextWriterSink(error));
        return configuration.CreateLogger();
    }
}
