using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Kernel.Host.Configuration;

/// <summary>A configuration problem the kernel cannot start with; the message says where and what is allowed.</summary>
internal sealed class ConfigurationException(string message) : Exception(message);

/// <summary>
/// The kernel's configuration: <c>plugins.json</c> with environment (<c>KERNEL_</c> prefix) and command-line overrides laid
/// over it, checked for shape and type at load (every problem at once, each naming the setting's path, what is allowed and
/// where the value came from).
/// </summary>
internal sealed class KernelConfig
{
    public const string EnvironmentPrefix = "KERNEL_";

    /// <summary>How long a plugin's <c>Register</c> may take by default.</summary>
    public static readonly TimeSpan DefaultRegisterTimeout = TimeSpan.FromSeconds(30);

    private const double MaxRegisterTimeoutSeconds = 3600;

    private KernelConfig(string? path, ConfigNode root, string pluginsFolder, TimeSpan registerTimeout, IReadOnlyList<string> ignoredEnvironment)
    {
        Path = path;
        Tree = root;
        PluginsFolder = pluginsFolder;
        RegisterTimeout = registerTimeout;
        IgnoredEnvironment = ignoredEnvironment;
    }

    /// <summary>The file read, or null when none was found and defaults apply.</summary>
    public string? Path { get; }

    /// <summary>The merged configuration, every value with its origin.</summary>
    public ConfigNode Tree { get; }

    public string PluginsFolder { get; }

    /// <summary>How long a plugin's constructor and <c>Register</c> may run before the plugin is marked failed.</summary>
    public TimeSpan RegisterTimeout { get; }

    /// <summary><c>KERNEL_</c> environment variables that name no setting of the kernel's, and so were not applied.</summary>
    public IReadOnlyList<string> IgnoredEnvironment { get; }

    /// <summary>The <c>plugins</c> entries (empty when absent).</summary>
    public IReadOnlyList<ConfigNode> PluginEntries => Tree.Child("plugins")?.Children ?? [];

    /// <summary>The <c>strategies</c> categories (empty when absent).</summary>
    public IReadOnlyList<ConfigNode> StrategyCategoryEntries => Tree.Child("strategies")?.Children ?? [];

    /// <summary>What <c>kernel run</c> serves (the <c>cluster</c> section, checked at load).</summary>
    public ClusterConfig Cluster => ClusterConfig.Read(Tree.Child(ClusterConfig.Key), []);

    /// <summary>Finds the configuration file: the one given, else plugins.json in the working folder, else beside the executable.</summary>
    public static string? Locate(string? explicitPath)
    {
        if (explicitPath is not null)
        {
            if (string.IsNullOrWhiteSpace(explicitPath))
            {
                throw new ConfigurationException("--config is empty; give the path of a configuration file (plugins.json).");
            }

            var full = System.IO.Path.GetFullPath(explicitPath);
            if (Directory.Exists(full))
            {
                throw new ConfigurationException($"--config {full} is a folder; give the path of a configuration file (plugins.json).");
            }

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

    public static KernelConfig Load(string? explicitPath, string? pluginsDirOverride, IEnumerable<string> commandLineOverrides) =>
        Load(explicitPath, pluginsDirOverride, commandLineOverrides, Environment.GetEnvironmentVariables());

    public static KernelConfig Load(string? explicitPath, string? pluginsDirOverride, IEnumerable<string> commandLineOverrides, System.Collections.IDictionary environment)
    {
        if (pluginsDirOverride is not null && string.IsNullOrWhiteSpace(pluginsDirOverride))
        {
            throw new ConfigurationException("--plugins-dir is empty; give the path of the plugins folder.");
        }

        var path = Locate(explicitPath);
        var root = new ConfigNode(string.Empty, string.Empty, ConfigKind.Object, null, path ?? "defaults");
        var errors = new List<string>();
        if (path is not null)
        {
            ConfigSources.ReadFile(path, root, errors);
        }

        var ignored = ConfigSources.ReadEnvironment(root, environment);
        ConfigSources.ReadCommandLine(root, commandLineOverrides.ToArray());
        var timeout = CheckShape(root, errors);
        if (errors.Count > 0)
        {
            throw new ConfigurationException(string.Join(Environment.NewLine, errors));
        }

        var baseDir = path is null ? Environment.CurrentDirectory : System.IO.Path.GetDirectoryName(path)!;
        var folder = pluginsDirOverride is not null
            ? System.IO.Path.GetFullPath(pluginsDirOverride)
            : root.Child("pluginsFolder")?.Value is { Length: > 0 } configured
                ? System.IO.Path.GetFullPath(configured, baseDir)
                : System.IO.Path.Combine(AppContext.BaseDirectory, "plugins");

        var overrides = commandLineOverrides.ToArray();
        return new KernelConfig(path, root, folder, timeout, ignored)
        {
            _reload = () => Load(path, pluginsDirOverride, overrides, environment),
        };
    }

    private Func<KernelConfig>? _reload;

    /// <summary>Reads the same sources again: the file as it is now, the same environment and command line.</summary>
    public KernelConfig Reload() => _reload!();

    public ConfigNode? PluginEntry(string id) => Tree.Child("plugins")?.Child(id);

    public bool IsPluginEnabled(string id) => Enabled(PluginEntry(id));

    public ConfigNode? StrategyEntry(string category, string name) => Tree.Child("strategies")?.Child(category)?.Child(name);

    public bool IsStrategyEnabled(string category, string name) => Enabled(StrategyEntry(category, name));

    /// <summary>The registered strategy a named instance is made by (its <c>strategy</c> setting), or null for a strategy's own entry.</summary>
    public string? InstanceStrategy(string category, string name) => StrategyEntry(category, name)?.Child("strategy")?.Value;

    /// <summary>A strategy's options as an <see cref="IConfiguration"/> (empty when none are given).</summary>
    public IConfiguration StrategyOptions(string category, string name)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        StrategyEntry(category, name)?.Child("options")?.Flatten(string.Empty, pairs);
        return new ConfigurationBuilder().AddInMemoryCollection(pairs).Build();
    }

    /// <summary>
    /// Where the option a strategy's message is about came from: the first option of the entry that the message names
    /// in quotes (OptionReader's messages do), else the options entry itself.
    /// </summary>
    public string OriginOfOptionMessage(string category, string name, string message)
    {
        var options = StrategyEntry(category, name)?.Child("options");
        if (options is null)
        {
            return Path ?? "configuration";
        }

        foreach (var option in options.Children)
        {
            if (message.Contains($"'{option.Key}'", StringComparison.OrdinalIgnoreCase))
            {
                return option.Origin;
            }
        }

        return options.Origin;
    }

    private static bool Enabled(ConfigNode? entry) =>
        entry?.Child("enabled") is not { } enabled || !bool.TryParse(enabled.Value, out var value) || value;

    /// <summary>Checks every setting's shape and type; returns the register timeout.</summary>
    private static TimeSpan CheckShape(ConfigNode root, List<string> errors)
    {
        ReportNulls(root, errors);
        var timeout = DefaultRegisterTimeout;
        foreach (var child in root.Children)
        {
            if (child.Kind == ConfigKind.Null)
            {
                continue;
            }

            switch (KnownKey(child.Key))
            {
                case "pluginsFolder":
                    if (ExpectScalar(child, "a folder path", errors))
                    {
                        if (child.Kind is not (ConfigKind.String or ConfigKind.Text))
                        {
                            errors.Add($"{child.Origin}: pluginsFolder is {child.Describe()}; expected a string (a folder path).");
                        }
                        else if (string.IsNullOrWhiteSpace(child.Value))
                        {
                            errors.Add($"{child.Origin}: pluginsFolder is empty; expected a folder path (remove the setting for the default, the plugins folder beside the kernel).");
                        }
                    }

                    break;
                case "registerTimeoutSeconds":
                    if (ExpectScalar(child, "a number of seconds", errors))
                    {
                        if (child.Kind is not (ConfigKind.Number or ConfigKind.Text)
                            || !double.TryParse(child.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                            || !(seconds > 0 && seconds <= MaxRegisterTimeoutSeconds))
                        {
                            errors.Add($"{child.Origin}: registerTimeoutSeconds is {child.Describe()}; expected a number of seconds greater than 0 and at most {MaxRegisterTimeoutSeconds}.");
                        }
                        else
                        {
                            timeout = TimeSpan.FromSeconds(seconds);
                        }
                    }

                    break;
                case "plugins":
                    if (ExpectObject(child, "mapping plugin ids to { \"enabled\": true|false }", errors))
                    {
                        foreach (var plugin in child.Children)
                        {
                            CheckEntry(plugin, ["enabled"], "{ \"enabled\": true|false }", errors);
                        }
                    }

                    break;
                case "strategies":
                    if (ExpectObject(child, "mapping categories to strategies", errors))
                    {
                        foreach (var category in child.Children)
                        {
                            if (category.Kind != ConfigKind.Null && ExpectObject(category, "mapping strategy or instance names to { \"strategy\": ..., \"enabled\": ..., \"options\": { ... } }", errors))
                            {
                                foreach (var strategy in category.Children)
                                {
                                    CheckEntry(strategy, ["strategy", "enabled", "options"], "{ \"strategy\": \"NAME\" (for a named instance), \"enabled\": true|false, \"options\": { ... } }", errors);
                                    if (!Kernel.Sdk.Strategies.StrategyNames.IsValid(strategy.Key) && strategy.Child("strategy") is not null)
                                    {
                                        errors.Add($"{strategy.Origin}: {strategy.Path}: instance name '{strategy.Key}' is invalid; use {Kernel.Sdk.Strategies.StrategyNames.Rule}.");
                                    }
                                }
                            }
                        }
                    }

                    break;
                case ResilienceConfig.Key:
                    ResilienceConfig.CheckShape(child, errors);
                    break;
                case ClusterConfig.Key:
                    ClusterConfig.CheckShape(child, errors);
                    break;
                default:
                    errors.Add($"{child.Origin}: unknown setting '{child.Key}'; allowed: {string.Join(", ", ConfigSources.TopLevelKeys)}.");
                    break;
            }
        }

        return timeout;
    }

    private static string? KnownKey(string key) =>
        ConfigSources.TopLevelKeys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>A plugin or strategy entry: an object with only the allowed settings, <c>enabled</c> a boolean, <c>options</c> an object.</summary>
    private static void CheckEntry(ConfigNode entry, string[] allowed, string shape, List<string> errors)
    {
        if (entry.Kind == ConfigKind.Null || !ExpectObject(entry, shape, errors))
        {
            return;
        }

        foreach (var setting in entry.Children)
        {
            if (setting.Kind == ConfigKind.Null)
            {
                continue;
            }

            if (string.Equals(setting.Key, "enabled", StringComparison.OrdinalIgnoreCase))
            {
                if (ExpectScalar(setting, "true or false", errors)
                    && !(setting.Kind == ConfigKind.Boolean || setting.Kind == ConfigKind.Text && bool.TryParse(setting.Value, out _)))
                {
                    errors.Add($"{setting.Origin}: {setting.Path} is {setting.Describe()}; allowed values true, false.");
                }
            }
            else if (string.Equals(setting.Key, "options", StringComparison.OrdinalIgnoreCase) && allowed.Contains("options"))
            {
                ExpectObject(setting, "of option names and values", errors);
            }
            else if (string.Equals(setting.Key, "strategy", StringComparison.OrdinalIgnoreCase) && allowed.Contains("strategy"))
            {
                if (ExpectScalar(setting, "the name of a registered strategy of the same category", errors)
                    && (setting.Kind is not (ConfigKind.String or ConfigKind.Text) || !Kernel.Sdk.Strategies.StrategyNames.IsValid(setting.Value)))
                {
                    errors.Add($"{setting.Origin}: {setting.Path} is {setting.Describe()}; expected the name of a registered strategy of the same category ({Kernel.Sdk.Strategies.StrategyNames.Rule}).");
                }
            }
            else
            {
                errors.Add($"{setting.Origin}: {entry.Path}: unknown setting '{setting.Key}'; allowed: {string.Join(", ", allowed)}.");
            }
        }
    }

    private static bool ExpectObject(ConfigNode node, string what, List<string> errors)
    {
        if (node.Kind == ConfigKind.Object && !node.Mixed)
        {
            return true;
        }

        errors.Add($"{node.ScalarOrigin ?? node.Origin}: {node.Path} is {node.Describe()}; expected an object {what}.");
        return false;
    }

    private static bool ExpectScalar(ConfigNode node, string what, List<string> errors)
    {
        if (node.Children.Count == 0 && node.IsScalar)
        {
            return true;
        }

        errors.Add($"{node.Origin}: {node.Path} is {(node.Kind == ConfigKind.Array ? "an array" : "an object")}; expected {what}.");
        return false;
    }

    /// <summary>A JSON null would make Microsoft.Extensions.Configuration fall back to the default silently; it is an error.</summary>
    private static void ReportNulls(ConfigNode node, List<string> errors)
    {
        if (node.Kind == ConfigKind.Null)
        {
            errors.Add($"{node.Origin}: {node.Path} is null; give a value, or remove the entry for the default.");
        }

        foreach (var child in node.Children)
        {
            ReportNulls(child, errors);
        }
    }
}
