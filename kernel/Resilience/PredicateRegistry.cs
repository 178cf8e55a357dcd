using System.Net.Http;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Kernel.Host.Resilience;

/// <summary>
/// The named predicates an entry's options may give to say what to handle (<c>"handle": ["transient", ...]</c>): the
/// kernel's own (<see cref="Any"/>, <see cref="Transient"/>, <see cref="Timeout"/>) and those plugins register, which leave
/// with their plugin. Thread-safe; reads see a snapshot.
/// </summary>
internal sealed partial class PredicateRegistry
{
    public const string KernelOwner = "kernel";

    /// <summary><c>any</c>: every exception except <see cref="OperationCanceledException"/> (the caller cancelled; as Polly's default).</summary>
    public static readonly ResiliencePredicate Any = ResiliencePredicate.ForException("any", e => e is not OperationCanceledException);

    /// <summary><c>timeout</c>: Polly's timeout fired (<see cref="TimeoutRejectedException"/>), or a <see cref="TimeoutException"/>.</summary>
    public static readonly ResiliencePredicate Timeout = ResiliencePredicate.ForException("timeout", e => e is TimeoutRejectedException or TimeoutException);

    /// <summary>
    /// <c>transient</c>: a failure that trying again may cure. Timeouts (<see cref="TimeoutRejectedException"/>,
    /// <see cref="TimeoutException"/>), network failures (<see cref="HttpRequestException"/> without a status code or with
    /// 408, 429 or 5xx; <see cref="SocketException"/>) and I/O failures (<see cref="IOException"/>, but not a missing file,
    /// folder or drive, nor a path too long). Not <see cref="BrokenCircuitException"/>: an open circuit says to stop calling,
    /// and a retry inside the breaker's period only meets it again.
    /// </summary>
    public static readonly ResiliencePredicate Transient = ResiliencePredicate.ForException("transient", IsTransient);

    private readonly object _gate = new();
    private Dictionary<string, (string Owner, ResiliencePredicate Predicate)> _entries = new(StringComparer.OrdinalIgnoreCase)
    {
        [Any.Name] = (KernelOwner, Any),
        [Timeout.Name] = (KernelOwner, Timeout),
        [Transient.Name] = (KernelOwner, Transient),
    };

    /// <summary>Every predicate name with its owner (<c>kernel</c> or a plugin id), ordered by name.</summary>
    public IReadOnlyList<(string Name, string Owner)> All
    {
        get
        {
            var entries = _entries;
            return [.. entries.Select(e => (e.Key, e.Value.Owner)).OrderBy(e => e.Key, StringComparer.Ordinal)];
        }
    }

    public static bool IsTransient(Exception e) => e switch
    {
        TimeoutRejectedException or TimeoutException or SocketException => true,
        HttpRequestException { StatusCode: null } => true,
        HttpRequestException { StatusCode: { } code } => (int)code is 408 or 429 or >= 500,
        FileNotFoundException or DirectoryNotFoundException or DriveNotFoundException or PathTooLongException => false,
        IOException => true,
        _ => false,
    };

    /// <summary>Checks a predicate a plugin is about to add; returns the problem or null.</summary>
    public string? CheckNew(string pluginId, ResiliencePredicate predicate)
    {
        if (!NamePattern().IsMatch(predicate.Name))
        {
            return $"predicate name '{predicate.Name}' is invalid: use lower-case letters, digits and '-', starting with a letter";
        }

        return _entries.TryGetValue(predicate.Name, out var held) && held.Owner != pluginId
            ? $"predicate '{predicate.Name}' is already registered by {(held.Owner == KernelOwner ? "the kernel" : "plugin " + held.Owner)}"
            : null;
    }

    /// <summary>Adds a plugin's predicates (checked with <see cref="CheckNew"/>).</summary>
    public void Add(string pluginId, IReadOnlyList<ResiliencePredicate> predicates)
    {
        if (predicates.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            var next = new Dictionary<string, (string, ResiliencePredicate)>(_entries, StringComparer.OrdinalIgnoreCase);
            foreach (var p in predicates)
            {
                next[p.Name] = (pluginId, p);
            }

            _entries = next;
        }
    }

    /// <summary>Removes every predicate a plugin registered.</summary>
    public void RemovePlugin(string pluginId)
    {
        lock (_gate)
        {
            _entries = _entries.Where(e => e.Value.Owner != pluginId).ToDictionary(e => e.Key, e => e.Value, StringComparer.OrdinalIgnoreCase);
        }
    }

    /// <summary>Reads an option naming predicates; an unknown name is a problem in <paramref name="reader"/> naming those that exist.</summary>
    public ResiliencePredicate Read(OptionReader reader, string option, IReadOnlyList<string> defaultNames)
    {
        var entries = _entries;
        var found = new List<ResiliencePredicate>();
        foreach (var name in reader.Strings(option, defaultNames))
        {
            if (entries.TryGetValue(name, out var entry))
            {
                found.Add(entry.Predicate);
            }
            else
            {
                reader.Fail($"Option '{option}' names predicate '{name}', which does not exist; predicates: {string.Join(", ", entries.Keys.Order(StringComparer.Ordinal))}.");
            }
        }

        return found.Count == 1 ? found[0] : ResiliencePredicate.AnyOf(found);
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex NamePattern();
}
