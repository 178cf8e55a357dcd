using System.Text.Json;

namespace Kernel.Host.Plugins;

/// <summary>The manifest (<c>plugin.json</c>) in a plugin's folder.</summary>
internal sealed record PluginManifest(string Id, string Version, string EntryAssembly, VersionRange SdkRange, string? Sha256)
{
    public const string FileName = "plugin.json";

    /// <summary>Reads and validates a manifest; the error names the file and what is wrong.</summary>
    public static bool TryRead(string path, out PluginManifest manifest, out string error)
    {
        manifest = null!;
        JsonDocument doc;
        try
        {
            var bytes = File.ReadAllBytes(path).AsMemory();
            if (bytes.Span.StartsWith(System.Text.Encoding.UTF8.Preamble))
            {
                bytes = bytes[System.Text.Encoding.UTF8.Preamble.Length..]; // editors often save a byte-order mark
            }

            doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            error = $"manifest {path} is not valid JSON at line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}: {FirstSentence(ex.Message)}";
            return false;
        }
        catch (IOException ex)
        {
            error = $"manifest {path} cannot be read: {ex.Message}";
            return false;
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = $"manifest {path} must be a JSON object with id, version, entryAssembly and sdkVersion";
                return false;
            }

            var missing = new List<string>();
            var id = Str(doc.RootElement, "id", missing);
            var version = Str(doc.RootElement, "version", missing);
            var entry = Str(doc.RootElement, "entryAssembly", missing);
            var sdk = Str(doc.RootElement, "sdkVersion", missing);
            if (missing.Count > 0)
            {
                error = $"manifest {path} lacks {string.Join(", ", missing)} (a string each; required: id, version, entryAssembly, sdkVersion; optional: sha256)";
                return false;
            }

            if (!IsValidId(id!))
            {
                error = $"manifest {path}: id '{id}' cannot be addressed in configuration; use letters, digits, '.', '-' and '_' (no '__'), starting with a letter or digit, at most {MaxIdLength} characters";
                return false;
            }

            if (!VersionRange.TryParse(sdk, out var range, out var rangeError))
            {
                error = $"manifest {path}: sdkVersion {rangeError}";
                return false;
            }

            if (entry!.IndexOfAny(['/', '\\']) >= 0)
            {
                error = $"manifest {path}: entryAssembly '{entry}' must be a file name in the plugin's folder";
                return false;
            }

            string? sha = null;
            if (doc.RootElement.TryGetProperty("sha256", out var shaElement) && shaElement.ValueKind != JsonValueKind.Null)
            {
                sha = shaElement.ValueKind == JsonValueKind.String ? shaElement.GetString() : null;
                if (sha is null || sha.Length != 64 || !sha.All(Uri.IsHexDigit))
                {
                    error = $"manifest {path}: sha256 must be 64 hexadecimal digits";
                    return false;
                }
            }

            manifest = new PluginManifest(id!, version!, entry, range, sha?.ToLowerInvariant());
            error = string.Empty;
            return true;
        }
    }

    private const int MaxIdLength = 100;

    /// <summary>
    /// Ids name the plugin in <c>plugins.json</c> keys, in <c>--plugins:ID:enabled</c> arguments (where ':' separates keys)
    /// and in <c>KERNEL_plugins__ID__enabled</c> variables (where '__' does), so those are excluded.
    /// </summary>
    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= MaxIdLength
        && char.IsAsciiLetterOrDigit(id[0])
        && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')
        && !id.Contains("__", StringComparison.Ordinal);

    private static string? Str(JsonElement root, string name, List<string> missing)
    {
        if (root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(e.GetString()))
        {
            return e.GetString();
        }

        missing.Add(name);
        return null;
    }

    internal static string FirstSentence(string message)
    {
        var i = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (i > 0 ? message[..i] : message).Trim();
    }
}
