namespace Kernel.Host.Configuration;

/// <summary>What a configuration value is, as its source wrote it.</summary>
internal enum ConfigKind
{
    Object,
    Array,
    String,
    Number,
    Boolean,
    Null,

    /// <summary>Text from an environment variable or a command-line argument: untyped, parsed as what the setting expects.</summary>
    Text,
}

/// <summary>
/// One node of the merged configuration: the file's JSON with the environment and the command line laid over it. Every node
/// remembers where its last value came from, so a message can name the file and line, the environment variable or the argument.
/// Keys are matched case-insensitively, as Microsoft.Extensions.Configuration does; lookups are dictionary lookups, so
/// validating a configuration of any size is linear in its entries.
/// </summary>
internal sealed class ConfigNode
{
    private Dictionary<string, ConfigNode>? _index;
    private List<ConfigNode>? _children;

    public ConfigNode(string key, string path, ConfigKind kind, string? value, string origin)
    {
        Key = key;
        Path = path;
        Kind = kind;
        Value = value;
        Origin = origin;
    }

    /// <summary>The key in its parent (array items are numbered from 0).</summary>
    public string Key { get; }

    /// <summary>Dotted path from the root, for messages: <c>strategies.consensus.raft</c>.</summary>
    public string Path { get; }

    /// <summary>The kind its last source gave it.</summary>
    public ConfigKind Kind { get; private set; }

    /// <summary>The scalar value as text (JSON numbers as written, booleans as <c>true</c>/<c>false</c>); null for objects, arrays and null.</summary>
    public string? Value { get; private set; }

    /// <summary>Where the last value came from: <c>FILE line N</c>, <c>environment variable NAME</c> or <c>command-line argument 'ARG'</c>.</summary>
    public string Origin { get; private set; }

    /// <summary>True when some source gave this node a scalar (or null) although it also has children, or the other way round.</summary>
    public bool Mixed { get; private set; }

    /// <summary>Where the scalar of a mixed node came from.</summary>
    public string? ScalarOrigin { get; private set; }

    public IReadOnlyList<ConfigNode> Children => _children ?? (IReadOnlyList<ConfigNode>)[];

    public bool IsScalar => Kind is ConfigKind.String or ConfigKind.Number or ConfigKind.Boolean or ConfigKind.Text;

    /// <summary>The kind as a noun phrase with the value, for messages: <c>a string ("on")</c>, <c>an array</c>.</summary>
    public string Describe() => Kind switch
    {
        ConfigKind.Object => "an object",
        ConfigKind.Array => "an array",
        ConfigKind.String => Value!.Length == 0 ? "an empty string" : $"a string (\"{Value}\")",
        ConfigKind.Number => $"a number ({Value})",
        ConfigKind.Boolean => $"a boolean ({Value})",
        ConfigKind.Text => $"'{Value}'",
        _ => "null",
    };

    public ConfigNode? Child(string key) => _index is not null && _index.TryGetValue(key, out var child) ? child : null;

    /// <summary>The child under <paramref name="key"/>, created as an empty object of <paramref name="origin"/> when absent.</summary>
    public ConfigNode GetOrAdd(string key, string origin, out bool added)
    {
        _index ??= new Dictionary<string, ConfigNode>(StringComparer.OrdinalIgnoreCase);
        _children ??= [];
        if (_index.TryGetValue(key, out var child))
        {
            added = false;
            return child;
        }

        child = new ConfigNode(key, Path.Length == 0 ? key : Path + "." + key, ConfigKind.Object, null, origin);
        _index[key] = child;
        _children.Add(child);
        added = true;
        if (IsScalar || Kind == ConfigKind.Null)
        {
            // A scalar given first (say in the file) and children laid over it (say from the environment).
            Mixed = true;
            ScalarOrigin ??= Origin;
        }

        return child;
    }

    /// <summary>Sets this node's kind, value and origin (a later source wins, as in Microsoft.Extensions.Configuration).</summary>
    public void Set(ConfigKind kind, string? value, string origin)
    {
        Kind = kind;
        Value = value;
        if (_children is { Count: > 0 } && kind is not (ConfigKind.Object or ConfigKind.Array))
        {
            Mixed = true;
            ScalarOrigin = origin;
            return;
        }

        Origin = origin;
    }

    /// <summary>The scalars under this node as configuration key/value pairs relative to it (<c>a:b</c>), for an <c>IConfiguration</c>.</summary>
    public void Flatten(string prefix, List<KeyValuePair<string, string?>> into)
    {
        foreach (var child in Children)
        {
            var key = prefix.Length == 0 ? child.Key : prefix + ":" + child.Key;
            if (child.Children.Count > 0)
            {
                child.Flatten(key, into);
            }
            else if (child.IsScalar || child.Mixed)
            {
                into.Add(new KeyValuePair<string, string?>(key, child.Value));
            }
        }
    }

    /// <summary>The scalars under this node as an <c>IConfiguration</c> (an options object for a strategy).</summary>
    public Microsoft.Extensions.Configuration.IConfiguration ToConfiguration()
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        Flatten(string.Empty, pairs);
        return Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(new Microsoft.Extensions.Configuration.ConfigurationBuilder(), pairs).Build();
    }

    /// <summary>
    /// For a message about this options object: where the first option the message names in quotes came from (OptionReader's
    /// messages do), else where the object itself came from.
    /// </summary>
    public string OriginOfOptionMessage(string message)
    {
        foreach (var option in Children)
        {
            if (message.Contains($"'{option.Key}'", StringComparison.OrdinalIgnoreCase))
            {
                return option.Origin;
            }
        }

        return Origin;
    }
}
