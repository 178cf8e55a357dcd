using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Sets;

/// <summary>
/// A grow-only set of strings: an add is forever; merge is the union. Kept as a sorted (ordinal) array, merged in one
/// pass and encoded front-coded in that order.
/// </summary>
internal sealed class GSet : IDeltaReplicatedData<GSet, GSet>, IEquatable<GSet>
{
    private readonly string[] _elements;

    private GSet(string[] elements) => _elements = elements;

    public static GSet Empty { get; } = new([]);

    /// <summary>The elements, sorted.</summary>
    public IReadOnlyList<string> Elements => _elements;

    /// <summary>True when <paramref name="element"/> is in the set.</summary>
    public bool Contains(string element) => Array.BinarySearch(_elements, element, StringComparer.Ordinal) >= 0;

    /// <summary>The delta of adding <paramref name="element"/> (empty when it is there already).</summary>
    public GSet AddDelta(string element) => Contains(element) ? Empty : new GSet([element]);

    /// <inheritdoc />
    public GSet Merge(GSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(this, other) || other._elements.Length == 0)
        {
            return this;
        }

        if (_elements.Length == 0)
        {
            return other;
        }

        var merged = new string[_elements.Length + other._elements.Length];
        int i = 0, j = 0, n = 0;
        while (i < _elements.Length || j < other._elements.Length)
        {
            var cmp = i == _elements.Length ? 1 : j == other._elements.Length ? -1 : string.CompareOrdinal(_elements[i], other._elements[j]);
            merged[n++] = cmp <= 0 ? _elements[i] : other._elements[j];
            i += cmp <= 0 ? 1 : 0;
            j += cmp >= 0 ? 1 : 0;
        }

        if (n == _elements.Length)
        {
            return this;
        }

        Array.Resize(ref merged, n);
        return new GSet(merged);
    }

    /// <inheritdoc />
    public GSet MergeDelta(GSet delta) => Merge(delta);

    /// <inheritdoc />
    public void Encode(CrdtWriter writer)
    {
        CrdtFormat.WriteHeader(writer);
        EncodeBody(writer);
    }

    /// <summary>The count, then the elements front-coded in order (no version byte: for types that hold a set).</summary>
    public void EncodeBody(CrdtWriter writer)
    {
        writer.WriteCount(_elements.Length);
        var coder = new FrontCoder();
        foreach (var element in _elements)
        {
            coder.Write(writer, element);
        }
    }

    /// <inheritdoc />
    public static GSet Decode(ref CrdtReader reader)
    {
        CrdtFormat.ReadHeader(ref reader, "g-set");
        return DecodeBody(ref reader, "g-set");
    }

    /// <summary>Reads what <see cref="EncodeBody"/> wrote; elements out of order or repeated are malformed.</summary>
    public static GSet DecodeBody(ref CrdtReader reader, string type)
    {
        var elements = new string[reader.ReadCount(reader.Remaining)];
        var decoder = new FrontDecoder(type);
        for (var i = 0; i < elements.Length; i++)
        {
            elements[i] = decoder.Read(ref reader);
            CrdtFormat.CheckAscending(i == 0 ? null : elements[i - 1], elements[i], type);
        }

        return elements.Length == 0 ? Empty : new GSet(elements);
    }

    /// <inheritdoc />
    public bool Equals(GSet? other) => other is not null && _elements.AsSpan().SequenceEqual(other._elements);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as GSet);

    /// <inheritdoc />
    public override int GetHashCode() => _elements.Length;

    /// <inheritdoc />
    public override string ToString() => "[" + string.Join(", ", _elements) + "]";
}
