using System.Text.RegularExpressions;
using Kernel.Sdk.Cluster;

namespace UltimateConflict.Conflict.Priority;

/// <summary>
/// A per-field rule of <c>conflict/priority</c>, written <c>"PATTERN =&gt; n2, n1"</c>: the top-level JSON fields whose
/// name matches <see cref="Pattern"/> (<c>*</c> any run of characters, <c>?</c> one character, case-sensitive) take
/// their value from the first of <see cref="Replicas"/> that has a version in the conflict.
/// </summary>
public sealed class PriorityFieldRule
{
    private readonly Regex _match;

    /// <summary>Creates a rule.</summary>
    public PriorityFieldRule(string pattern, IReadOnlyList<NodeId> replicas)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        ArgumentNullException.ThrowIfNull(replicas);
        Pattern = pattern;
        Replicas = replicas;
        _match = new Regex("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    /// <summary>The field name pattern.</summary>
    public string Pattern { get; }

    /// <summary>The replicas whose version gives the field's value, highest priority first.</summary>
    public IReadOnlyList<NodeId> Replicas { get; }

    /// <summary>True when the rule covers the field <paramref name="name"/>.</summary>
    public bool Matches(string name) => _match.IsMatch(name);

    /// <summary>Parses <c>"PATTERN =&gt; n2, n1"</c>; null when malformed.</summary>
    public static PriorityFieldRule? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var arrow = text.IndexOf("=>", StringComparison.Ordinal);
        if (arrow < 0)
        {
            return null;
        }

        var pattern = text[..arrow].Trim();
        var replicas = ReplicaIds.ParseList(text[(arrow + 2)..].Split(','));
        return pattern.Length == 0 || replicas is not { Count: > 0 } ? null : new PriorityFieldRule(pattern, replicas);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Pattern} => {string.Join(", ", Replicas)}";
}
