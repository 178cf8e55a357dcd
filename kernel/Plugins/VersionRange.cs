using System.Globalization;

namespace Kernel.Host.Plugins;

/// <summary>
/// A range of versions in NuGet's interval notation: <c>1.0.0</c> (at least 1.0.0), <c>[1.0.0]</c> (exactly),
/// <c>[1.0.0, 2.0.0)</c>, <c>(1.0, )</c>, <c>(, 2.0]</c>.
/// </summary>
internal sealed record VersionRange(Version? Min, bool MinInclusive, Version? Max, bool MaxInclusive, string Text)
{
    public bool Contains(Version version)
    {
        if (Min is not null)
        {
            var c = Normalize(version).CompareTo(Normalize(Min));
            if (c < 0 || (c == 0 && !MinInclusive))
            {
                return false;
            }
        }

        if (Max is not null)
        {
            var c = Normalize(version).CompareTo(Normalize(Max));
            if (c > 0 || (c == 0 && !MaxInclusive))
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => Text;

    public static bool TryParse(string? text, out VersionRange range, out string error)
    {
        range = null!;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the SDK version range is empty";
            return false;
        }

        var s = text.Trim();
        if (s[0] is not ('[' or '('))
        {
            if (!TryVersion(s, out var min))
            {
                error = $"'{s}' is not a version or an interval such as [1.0.0, 2.0.0)";
                return false;
            }

            range = new VersionRange(min, true, null, false, s);
            return true;
        }

        var last = s[^1];
        if (last is not (']' or ')'))
        {
            error = $"'{s}' opens an interval but does not close it with ']' or ')'";
            return false;
        }

        var body = s[1..^1];
        var parts = body.Split(',');
        if (parts.Length == 1)
        {
            if (s[0] != '[' || last != ']' || !TryVersion(parts[0].Trim(), out var exact))
            {
                error = $"'{s}' is not a valid exact version such as [1.2.0]";
                return false;
            }

            range = new VersionRange(exact, true, exact, true, s);
            return true;
        }

        if (parts.Length != 2)
        {
            error = $"'{s}' has more than one comma";
            return false;
        }

        Version? lo = null, hi = null;
        if (parts[0].Trim().Length > 0 && !TryVersion(parts[0].Trim(), out lo))
        {
            error = $"'{parts[0].Trim()}' in '{s}' is not a version";
            return false;
        }

        if (parts[1].Trim().Length > 0 && !TryVersion(parts[1].Trim(), out hi))
        {
            error = $"'{parts[1].Trim()}' in '{s}' is not a version";
            return false;
        }

        if (lo is null && hi is null)
        {
            error = $"'{s}' has no bound";
            return false;
        }

        range = new VersionRange(lo, s[0] == '[', hi, last == ']', s);
        return true;
    }

    private static bool TryVersion(string s, out Version version)
    {
        var core = s.Split('-', '+')[0];
        if (Version.TryParse(core, out var v) || (int.TryParse(core, NumberStyles.None, CultureInfo.InvariantCulture, out var major) && (v = new Version(major, 0)) is not null))
        {
            version = v!;
            return true;
        }

        version = new Version();
        return false;
    }

    private static Version Normalize(Version v) => new(v.Major, Math.Max(v.Minor, 0), Math.Max(v.Build, 0));
}
