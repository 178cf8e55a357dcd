using System.Collections;
using System.Text;
using System.Text.Json;

namespace Kernel.Host.Configuration;

/// <summary>
/// Reads the three sources of the kernel's configuration into one <see cref="ConfigNode"/> tree, in the order
/// Microsoft.Extensions.Configuration would apply them (file, then <c>KERNEL_</c> environment variables, then command-line
/// overrides; last wins), keeping for every value the file line, variable name or argument it came from.
/// </summary>
internal static class ConfigSources
{
    /// <summary>Settings the kernel knows at the top level; environment variables naming anything else are ignored.</summary>
    public static readonly string[] TopLevelKeys = ["pluginsFolder", "plugins", "strategies", "registerTimeoutSeconds", ResilienceConfig.Key, ClusterConfig.Key];

    private static readonly JsonReaderOptions ReaderOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>Parses the file into <paramref name="root"/>; malformed JSON throws with the file, line and column.</summary>
    public static void ReadFile(string path, ConfigNode root, List<string> errors)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{path}: cannot be read: {ex.Message}");
        }

        ReadJson(bytes, path, root, errors);
    }

    /// <summary>Parses JSON text (a UTF-8 byte-order mark is skipped, as editors write one) into <paramref name="root"/>.</summary>
    public static void ReadJson(ReadOnlySpan<byte> json, string path, ConfigNode root, List<string> errors)
    {
        var bomLength = json.StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        json = json[bomLength..];
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new ConfigurationException($"{path}: the file is empty; it must hold a JSON object (with pluginsFolder, plugins, strategies), for example {{}}.");
        }

        var lines = new LineMap(json);
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (!reader.Read())
            {
                throw new ConfigurationException($"{path}: the file is empty; it must hold a JSON object (with pluginsFolder, plugins, strategies), for example {{}}.");
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ConfigurationException($"{path}: the top level must be a JSON object (with pluginsFolder, plugins, strategies).");
            }

            ReadObject(ref reader, root, path, lines, errors);
            if (reader.Read())
            {
                throw new ConfigurationException($"{path} line {lines.LineOf(reader.TokenStartIndex)}: unexpected content after the top-level object.");
            }
        }
        catch (JsonException ex)
        {
            var reason = Kernel.Host.Plugins.PluginManifest.FirstSentence(ex.Message);
            var i = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            reason = i > 0 ? reason[..i].Trim() : reason;
            throw new ConfigurationException($"{path}: malformed JSON at line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}: {reason}");
        }
    }

    private static void ReadObject(ref Utf8JsonReader reader, ConfigNode node, string path, LineMap lines, List<string> errors)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            var origin = $"{path} line {lines.LineOf(reader.TokenStartIndex)}";
            var child = node.GetOrAdd(key, origin, out var added);
            if (!added)
            {
                errors.Add($"{origin}: {(node.Path.Length == 0 ? key : node.Path + "." + key)} is given twice (keys are case-insensitive); keep one.");
            }

            reader.Read();
            ReadValue(ref reader, child, origin, path, lines, errors);
        }
    }

    private static void ReadValue(ref Utf8JsonReader reader, ConfigNode node, string origin, string path, LineMap lines, List<string> errors)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                node.Set(ConfigKind.Object, null, origin);
                ReadObject(ref reader, node, path, lines, errors);
                break;
            case JsonTokenType.StartArray:
                node.Set(ConfigKind.Array, null, origin);
                var index = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var itemOrigin = $"{path} line {lines.LineOf(reader.TokenStartIndex)}";
                    var item = node.GetOrAdd(index.ToString(System.Globalization.CultureInfo.InvariantCulture), itemOrigin, out _);
                    index++;
                    ReadValue(ref reader, item, itemOrigin, path, lines, errors);
                }

                break;
            case JsonTokenType.String:
                node.Set(ConfigKind.String, reader.GetString(), origin);
                break;
            case JsonTokenType.Number:
                node.Set(ConfigKind.Number, Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan), origin);
                break;
            case JsonTokenType.True:
                node.Set(ConfigKind.Boolean, "true", origin);
                break;
            case JsonTokenType.False:
                node.Set(ConfigKind.Boolean, "false", origin);
                break;
            default:
                node.Set(ConfigKind.Null, null, origin);
                break;
        }
    }

    /// <summary>
    /// Lays <c>KERNEL_</c> variables over the tree (<c>__</c> separates keys). Variables whose first key is not one of the
    /// kernel's settings (say <c>KERNEL_VERSION</c>, set by something else) are returned, not applied.
    /// </summary>
    public static IReadOnlyList<string> ReadEnvironment(ConfigNode root, IDictionary variables)
    {
        var ignored = new List<string>();
        var entries = new List<(string Name, string Value)>();
        foreach (DictionaryEntry entry in variables)
        {
            if (entry.Key is string name && name.StartsWith(KernelConfig.EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            {
                entries.Add((name, entry.Value as string ?? string.Empty));
            }
        }

        // The process environment has no order; sort so that a run is the same whatever order the OS lists them in.
        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var (name, value) in entries)
        {
            var keys = name[KernelConfig.EnvironmentPrefix.Length..].Split("__");
            if (!TopLevelKeys.Contains(keys[0], StringComparer.OrdinalIgnoreCase) || keys.Any(k => k.Length == 0))
            {
                ignored.Add(name);
                continue;
            }

            Apply(root, keys, value, $"environment variable {name}");
        }

        return ignored;
    }

    /// <summary>
    /// Lays command-line overrides over the tree: <c>--key=value</c>, <c>--key value</c>, <c>/key value</c> or <c>key=value</c>,
    /// keys separated by <c>:</c>, as Microsoft.Extensions.Configuration.CommandLine reads them. A token that is none of these
    /// (a mistyped option, a flag without a value) is an error.
    /// </summary>
    public static void ReadCommandLine(ConfigNode root, IReadOnlyList<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            string key;
            string value;
            string argument;
            var prefixLength = token.StartsWith("--", StringComparison.Ordinal) ? 2 : token.StartsWith('/') ? 1 : 0;
            var eq = token.IndexOf('=', StringComparison.Ordinal);
            var singleDash = token.StartsWith('-') && prefixLength != 2;
            if (eq >= 0 && !singleDash)
            {
                key = token[prefixLength..eq];
                value = token[(eq + 1)..];
                argument = token;
            }
            else if (prefixLength > 0 && i + 1 < tokens.Count && !tokens[i + 1].StartsWith('-'))
            {
                key = token[prefixLength..];
                value = tokens[++i];
                argument = token + " " + value;
            }
            else
            {
                throw new ConfigurationException(NotAnOverride(token));
            }

            var keys = key.Split(':');
            if (keys.Any(k => k.Length == 0))
            {
                throw new ConfigurationException(NotAnOverride(token));
            }

            if (!TopLevelKeys.Contains(keys[0], StringComparer.OrdinalIgnoreCase))
            {
                throw new ConfigurationException(NotAnOverride("--" + key));
            }

            Apply(root, keys, value, $"command-line argument '{argument}'");
        }
    }

    public static string NotAnOverride(string token) =>
        $"command line: '{token}' is neither an option of this verb (see --help) nor a configuration override (--pluginsFolder=..., --plugins:ID:enabled=..., --strategies:CATEGORY:NAME:options:OPTION=...).";

    private static void Apply(ConfigNode root, string[] keys, string value, string origin)
    {
        var node = root;
        foreach (var key in keys)
        {
            node = node.GetOrAdd(key, origin, out _);
        }

        node.Set(ConfigKind.Text, value, origin);
    }

    /// <summary>Byte offset to line number, by binary search over the offsets where lines start.</summary>
    private sealed class LineMap
    {
        private readonly List<int> _starts = [0];

        public LineMap(ReadOnlySpan<byte> text)
        {
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == (byte)'\n')
                {
                    _starts.Add(i + 1);
                }
            }
        }

        public int LineOf(long offset)
        {
            var i = _starts.BinarySearch((int)offset);
            return (i >= 0 ? i : ~i - 1) + 1;
        }
    }
}
