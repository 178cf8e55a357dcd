namespace UltimateReplication.Shared;

/// <summary>
/// A version of a key's value: a logical counter and the replica that wrote it. Totally ordered (counter, then replica), so
/// every replica picks the same winner of any two versions, and unique per write (a writer stamps each write with a counter
/// above every one it has seen).
/// </summary>
/// <param name="Counter">The logical counter (0: no version).</param>
/// <param name="Node">The writing replica's id.</param>
internal readonly record struct Stamp(long Counter, int Node) : IComparable<Stamp>
{
    public static bool operator >(Stamp a, Stamp b) => a.CompareTo(b) > 0;

    public static bool operator <(Stamp a, Stamp b) => a.CompareTo(b) < 0;

    public static bool operator >=(Stamp a, Stamp b) => a.CompareTo(b) >= 0;

    public static bool operator <=(Stamp a, Stamp b) => a.CompareTo(b) <= 0;

    public int CompareTo(Stamp other) => Counter != other.Counter ? Counter.CompareTo(other.Counter) : Node.CompareTo(other.Node);

    public override string ToString() => $"{Counter}@n{Node}";
}
