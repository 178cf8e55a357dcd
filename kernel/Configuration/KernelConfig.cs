using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Kernel.Host.Configuration;

/// <summary>A configuration problem the kernel cannot start with; the message says where and what is allowed.</summary>
internal sealed class ConfigurationException(string message) : Exception(message);

/// <summary>Loads <c>plugins.json</c> with environment (<c>KERNEL_</c> prefix) and command-line overrides.</summary>
internal sealed class KernelConfig
{
    public const string EnvironmentPrefix = "KERNEL_";

    private KernelConfig(string? path, IConfigurationRoot root, string pluginsFolder)
    {
        Path = path;
        Root = root;
        PluginsFolder = pluginsFolder;
    }

    /// <summary>The file read, or null when none was found and defaults apply.</summary>
    public string? Path { get; }

    public IConfigurationRoot Root { get; }

    public string PluginsFolder { get; }

    public IConfigurationSection Plugins => Root.GetSection("plugins");

    public IConfigurationSection Strategies => Root.GetSection("strategies");

    /// <summary>Finds the configuration file: the one given, else plugins.json in the working folder, else beside the executable.</summary>
    public static string? Locate(string? explicitPath)
    {
        if (explicitPath is not null)
        {
            var full = System.IO.Path.GetFullPath(explicitPath);
            if (!File.Exists(full))
            {
                throw new ConfigurationException($"Configuration file {full} does not exist.");
            }

            return full;
        }

        foreach (var candidate in new[] { System.IO.Path.GetFullPath("plugins.json"), System.IO.Path.Combine(AppContext.BaseDirectory, "plugins.json") })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static KernelConfig Load(string? explicitPath, string? pluginsDirOverride, IEnumerable<string> commandLineOverrides)
    {
        var path = Locate(explicitPath);
        var builder = new ConfigurationBuilder();
        if (path is not null)
        {
            CheckJson(path);
            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }

        var overrides = commandLineOverrides.ToArray();
        CheckOverrides(overrides);
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddCommandLine(overrides);
        var root = builder.Build();

        var baseDir = path is null ? Environment.CurrentDirectory : System.IO.Path.GetDirectoryName(path)!;
        var folder = pluginsDirOverride is not null
            ? System.IO.Path.GetFullPath(pluginsDirOverride)
            : root["pluginsFolder"] is { Length: > 0 } configured
                ? System.IO.Path.GetFullPath(configured, baseDir)
                : System.IO.Path.Combine(AppContext.BaseDirectory, "plugins");

        var config = new KernelConfig(path, root, folder);
        config.CheckShape();
        return config;
    }

    /// <summary>Plugin ids the configuration sets <c>enabled: false</c>.</summary>
    public bool IsPluginEnabled(string id)
    {
        var section = Plugins.GetChildren().FirstOrDefault(c => string.Equals(c.Key, id, StringComparison.OrdinalIgnoreCase));
        return section is null || !bool.TryParse(section["enabled"], out var enabled) || enabled;
    }

    public IConfigurationSection? StrategySection(string category, string name) =>
        Strategies.GetChildren().FirstOrDefault(c => string.Equals(c.Key, category, StringComparison.OrdinalIgnoreCase))
            ?.GetChildren().FirstOrDefault(c => string.Equals(c.Key, name, StringComparison.OrdinalIgnoreCase));

    public bool IsStrategyEnabled(string category, string name)
    {
        var section = StrategySection(category, name);
        return section is null || !bool.TryParse(section["enabled"], out var enabled) || enabled;
    }

    public IConfiguration StrategyOptions(string category, string name) =>
        StrategySection(category, name)?.GetSection("options") ?? (IConfiguration)new ConfigurationBuilder().Build();

    /// <summary>Parses the file first so that malformed JSON is reported with its line and column.</summary>
    private static void CheckJson(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions
            {
                AllowTrailingCommas = true,
                CommentHandling = JsonCommentHandling.Skip,
            });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ConfigurationException($"{path}: the top level must be a JSON object (with pluginsFolder, plugins, strategies).");
            }
        }
        catch (JsonException ex)
        {
            var reason = Kernel.Host.Plugins.PluginManifest.FirstSentence(ex.Message);
            throw new ConfigurationException($"{path}: malformed JSON at line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}: {reason}");
        }
    }

    private static readonly string[] TopLevelKeys = ["pluginsFolder", "plugins", "strategies"];

    /// <summary>
    /// Command-line tokens that are not options of the verb are configuration overrides (<c>--key=value</c>, <c>--key value</c>,
    /// <c>key=value</c>); a flag without a value would be dropped silently by the provider, so it is an error here.
    /// </summary>
    private static void CheckOverrides(string[] tokens)
    {
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (token.Contains('='))
            {
                continue;
            }

            var isKey = token.StartsWith("--", StringComparison.Ordinal) || token.StartsWith('/');
            if (isKey && i + 1 < tokens.Length && !tokens[i + 1].StartsWith('-'))
            {
                i++; // --key value
                continue;
            }

            throw new ConfigurationException(
                $"command line: '{token}' is neither an option of this verb (see --help) nor a configuration override (--pluginsFolder=..., --plugins:ID:enabled=..., --strategies:CATEGORY:NAME:options:OPTION=...).");
        }
    }

    private bool FromCommandLine(string key) =>
        Root.Providers.OfType<Microsoft.Extensions.Configuration.CommandLine.CommandLineConfigurationProvider>().Any(p => p.TryGet(key, out _));

    private void CheckShape()
    {
        var errors = new List<string>();
        var where = Path ?? "configuration";
        foreach (var child in Root.GetChildren())
        {
            // Environment variables without the prefix never reach here; anything else at the top level is a typo.
            if (!TopLevelKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(FromCommandLine(child.Key)
                    ? $"command line: '--{child.Key}' is neither an option of this verb (see --help) nor a configuration override (--pluginsFolder=..., --plugins:ID:enabled=..., --strategies:CATEGORY:NAME:options:OPTION=...)."
                    : $"{where}: unknown setting '{child.Key}'; allowed: {string.Join(", ", TopLevelKeys)}.");
            }
        }

        foreach (var plugin in Plugins.GetChildren())
        {
            foreach (var setting in plugin.GetChildren())
            {
                if (!string.Equals(setting.Key, "enabled", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"{where}: plugins:{plugin.Key}: unknown setting '{setting.Key}'; allowed: enabled.");
                }
                else if (!bool.TryParse(setting.Value, out _))
                {
                    errors.Add($"{where}: plugins:{plugin.Key}:enabled is '{setting.Value}'; allowed values true, false.");
                }
            }
        }

        foreach (var category in Strategies.GetChildren())
        {
            foreach (var strategy in category.GetChildren())
            {
                foreach (var setting in strategy.GetChildren())
                {
                    if (string.Equals(setting.Key, "enabled", StringComparison.OrdinalIgnoreCase))
                    {
                        if (!bool.TryParse(setting.Value, out _))
                        {
                            errors.Add($"{where}: strategies:{category.Key}:{strategy.Key}:enabled is '{setting.Value}'; allowed values true, false.");
                        }
                    }
                    else if (!string.Equals(setting.Key, "options", StringComparison.OrdinalIgnoreCase))
                    {
                        errors.Add($"{where}: strategies:{category.Key}:{strategy.Key}: unknown setting '{setting.Key}'; allowed: enabled, options.");
                    }
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(string.Join(Environment.NewLine, errors));
        }
    }
}
