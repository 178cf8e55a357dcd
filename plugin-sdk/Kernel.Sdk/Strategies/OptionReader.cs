using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Strategies;

/// <summary>
/// Reads a strategy's options from configuration and collects one message per problem, naming the option and the allowed values.
/// It uses no reflection or DataAnnotations, so a plugin validating its options pins nothing in framework caches.
/// </summary>
public sealed class OptionReader
{
    private readonly IConfiguration _options;
    private readonly List<string> _errors = [];
    private readonly HashSet<string> _known = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<StrategyReference> _references = [];

    /// <summary>Creates a reader over an options section.</summary>
    public OptionReader(IConfiguration options) => _options = options;

    /// <summary>The problems found so far.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>The references to other strategies read so far (see <see cref="Reference"/>).</summary>
    public IReadOnlyList<StrategyReference> References => _references;

    /// <summary>
    /// Reads options once into a typed options object: runs <paramref name="read"/>, rejects unknown options and throws
    /// <see cref="StrategyOptionsException"/> with every problem at once. Use it in a factory's <c>Create</c>.
    /// </summary>
    public static T Bind<T>(IConfiguration options, Func<OptionReader, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var reader = new OptionReader(options);
        var value = read(reader);
        reader.RejectUnknown();
        reader.ThrowIfInvalid();
        return value;
    }

    /// <summary>
    /// Every problem of the options that <paramref name="read"/> reads, unknown options included: the body of an
    /// <see cref="IStrategy.ValidateOptions"/> that shares its reading with <see cref="Bind"/>.
    /// </summary>
    public static IReadOnlyList<string> Validate<T>(IConfiguration options, Func<OptionReader, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var reader = new OptionReader(options);
        read(reader);
        reader.RejectUnknown();
        return reader.Errors;
    }

    /// <summary>
    /// The references <paramref name="read"/> makes, for <see cref="IReferencingStrategy.GetReferences"/>.
    /// </summary>
    public static IReadOnlyList<StrategyReference> ReferencesOf<T>(IConfiguration options, Func<OptionReader, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var reader = new OptionReader(options);
        read(reader);
        return reader.References;
    }

    /// <summary>
    /// The option's text, or null when it is absent. An object or array where a single value is expected is a problem
    /// (Microsoft.Extensions.Configuration would otherwise read it as absent and fall back to the default silently).
    /// </summary>
    private string? Raw(string name, string expected)
    {
        _known.Add(name);
        var raw = _options[name];
        if (raw is null && _options.GetSection(name).GetChildren().Any())
        {
            _errors.Add($"Option '{name}' is an object or array; expected {expected}.");
        }

        return raw;
    }

    /// <summary>Reads an integer option; absent gives <paramref name="defaultValue"/>.</summary>
    public int Int(string name, int defaultValue, int min, int max) => (int)Long(name, defaultValue, min, max);

    /// <summary>Reads a 64-bit integer option; absent gives <paramref name="defaultValue"/>.</summary>
    public long Long(string name, long defaultValue, long min, long max)
    {
        var raw = Raw(name, $"an integer in {min}..{max}");
        if (raw is null)
        {
            return defaultValue;
        }

        if (!long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            _errors.Add($"Option '{name}' is '{raw}', which is not an integer; allowed range {min}..{max}.");
            return defaultValue;
        }

        if (value < min || value > max)
        {
            _errors.Add($"Option '{name}' is {value}; allowed range {min}..{max}.");
            return defaultValue;
        }

        return value;
    }

    /// <summary>Reads a number option; absent gives <paramref name="defaultValue"/>.</summary>
    public double Double(string name, double defaultValue, double min, double max)
    {
        var raw = Raw(name, $"a number in {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}");
        if (raw is null)
        {
            return defaultValue;
        }

        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
        {
            _errors.Add($"Option '{name}' is '{raw}', which is not a number; allowed range {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}.");
            return defaultValue;
        }

        if (value < min || value > max)
        {
            _errors.Add($"Option '{name}' is {value.ToString(CultureInfo.InvariantCulture)}; allowed range {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}.");
            return defaultValue;
        }

        return value;
    }

    /// <summary>Reads a boolean option; absent gives <paramref name="defaultValue"/>.</summary>
    public bool Bool(string name, bool defaultValue)
    {
        var raw = Raw(name, "true or false");
        if (raw is null)
        {
            return defaultValue;
        }

        if (!bool.TryParse(raw, out var value))
        {
            _errors.Add($"Option '{name}' is '{raw}'; allowed values true, false.");
            return defaultValue;
        }

        return value;
    }

    /// <summary>Reads an option that must be one of <paramref name="allowed"/> (case-insensitive).</summary>
    public string OneOf(string name, string defaultValue, params string[] allowed)
    {
        var raw = Raw(name, "one of " + string.Join(", ", allowed));
        if (raw is null)
        {
            return defaultValue;
        }

        foreach (var a in allowed)
        {
            if (string.Equals(a, raw, StringComparison.OrdinalIgnoreCase))
            {
                return a;
            }
        }

        _errors.Add($"Option '{name}' is '{raw}'; allowed values {string.Join(", ", allowed)}.");
        return defaultValue;
    }

    /// <summary>
    /// Reads an option that is one string or an array of strings (<c>"a"</c> or <c>["a", "b"]</c>); absent gives
    /// <paramref name="defaultValue"/>. An empty string, or an object, is a problem.
    /// </summary>
    public IReadOnlyList<string> Strings(string name, IReadOnlyList<string> defaultValue)
    {
        ArgumentNullException.ThrowIfNull(defaultValue);
        _known.Add(name);
        var raw = _options[name];
        if (raw is not null)
        {
            if (raw.Length == 0)
            {
                _errors.Add($"Option '{name}' is empty; expected a string or an array of strings.");
                return defaultValue;
            }

            return [raw];
        }

        var items = _options.GetSection(name).GetChildren().ToArray();
        if (items.Length == 0)
        {
            return defaultValue;
        }

        var values = new List<string>();
        foreach (var item in items.OrderBy(i => int.TryParse(i.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue))
        {
            if (!int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _) || item.Value is not { Length: > 0 } value)
            {
                _errors.Add($"Option '{name}' is an object or holds one; expected a string or an array of strings.");
                return defaultValue;
            }

            values.Add(value);
        }

        return values;
    }

    /// <summary>
    /// Reads an option that names another strategy or named instance of <paramref name="category"/>, written
    /// <c>category/name</c> or just <c>name</c>; absent gives <paramref name="defaultValue"/> (null: no reference). The
    /// reference is recorded in <see cref="References"/>; whether it names something that exists is the kernel's check.
    /// </summary>
    public StrategyReference? Reference(string name, StrategyCategory category, string? defaultValue = null)
    {
        var expected = $"a {category.ToName()} strategy, written {category.ToName()}/NAME";
        var raw = Raw(name, expected) ?? defaultValue;
        if (raw is null)
        {
            return null;
        }

        var parsed = StrategyNames.Parse(raw, category);
        if (parsed is null)
        {
            _errors.Add($"Option '{name}' is '{raw}', which is not a strategy reference; expected {expected} (names use {StrategyNames.Rule}).");
            return null;
        }

        if (parsed.Value.Category != category)
        {
            _errors.Add($"Option '{name}' is '{raw}', a {parsed.Value.Category.ToName()} strategy; expected {expected}.");
            return null;
        }

        var reference = new StrategyReference(name, category, parsed.Value.Name);
        _references.Add(reference);
        return reference;
    }

    /// <summary>Adds a problem that involves several options (for example min greater than max).</summary>
    public void Fail(string message) => _errors.Add(message);

    /// <summary>Reports every option present in the section that no read asked for, naming the known ones.</summary>
    public void RejectUnknown()
    {
        foreach (var child in _options.GetChildren())
        {
            if (!_known.Contains(child.Key))
            {
                var known = _known.Count == 0 ? "none" : string.Join(", ", _known.Order(StringComparer.Ordinal));
                _errors.Add($"Option '{child.Key}' is not known; known options: {known}.");
            }
        }
    }

    /// <summary>Throws <see cref="StrategyOptionsException"/> with every problem if there is any.</summary>
    public void ThrowIfInvalid()
    {
        if (_errors.Count > 0)
        {
            throw new StrategyOptionsException(_errors);
        }
    }
}

/// <summary>Options that failed validation; the message lists every problem.</summary>
public sealed class StrategyOptionsException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public StrategyOptionsException(IReadOnlyList<string> errors)
        : base(string.Join(Environment.NewLine, errors)) => Errors = errors;

    /// <summary>One message per problem.</summary>
    public IReadOnlyList<string> Errors { get; }
}
