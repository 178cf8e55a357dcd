using FsCheck.Xunit;
using UltimateConflict.Conflict.ThreeWay;

namespace UltimateConflict.Tests.Conflict.ThreeWay;

public sealed class Diff3Tests
{
    // The example of Khanna, Kunal and Pierce, "A Formal Investigation of Diff3" (FSTTCS 2007), section 2:
    // O = 1 2 3 4 5 6, A = 1 4 5 2 3 6, B = 1 2 4 5 3 6. A moved 4 5 up; B moved 3 down. Stable chunks [1], [2], [6];
    // A's insertion of 4 5 merges cleanly; the stretch A [3] / O [3 4 5] / B [4 5 3] is a true conflict. GNU diffutils'
    // `diff3 -m A O B` prints the same text as the expected output below.
    private const string O = "1\n2\n3\n4\n5\n6\n";
    private const string A = "1\n4\n5\n2\n3\n6\n";
    private const string B = "1\n2\n4\n5\n3\n6\n";

    [Fact]
    public void The_classic_example_merges_as_the_paper_states()
    {
        var result = Diff3.Merge(A, O, B, "A", "O", "B");
        Assert.Equal(
            "1\n4\n5\n2\n<<<<<<< A\n3\n||||||| O\n3\n4\n5\n=======\n4\n5\n3\n>>>>>>> B\n6\n",
            result.Text);
        Assert.Equal(1, result.Conflicts);
        Assert.Equal(
            [ChunkKind.Stable, ChunkKind.Left, ChunkKind.Stable, ChunkKind.Conflict, ChunkKind.Stable],
            result.Chunks.Select(c => c.Kind));
    }

    [Fact]
    public void Swapping_the_sides_mirrors_the_markers()
    {
        var result = Diff3.Merge(B, O, A, "B", "O", "A");
        Assert.Equal(
            "1\n4\n5\n2\n<<<<<<< B\n4\n5\n3\n||||||| O\n3\n4\n5\n=======\n3\n>>>>>>> A\n6\n",
            result.Text);
        Assert.Equal(
            [ChunkKind.Stable, ChunkKind.Right, ChunkKind.Stable, ChunkKind.Conflict, ChunkKind.Stable],
            result.Chunks.Select(c => c.Kind));
    }

    [Property(MaxTest = 300)]
    public bool Swapping_the_sides_mirrors_every_chunk(int seed)
    {
        var random = new Random(seed);
        string left = Text(random), o = Text(random), right = Text(random);
        var forward = Diff3.Parse(Diff3.Lines(left), Diff3.Lines(o), Diff3.Lines(right));
        var backward = Diff3.Parse(Diff3.Lines(right), Diff3.Lines(o), Diff3.Lines(left));
        return forward.Count == backward.Count && forward.Zip(backward).All(p =>
            p.First.Left.SequenceEqual(p.Second.Right) && p.First.Right.SequenceEqual(p.Second.Left) && p.First.Base.SequenceEqual(p.Second.Base)
            && Mirror(p.First.Kind) == p.Second.Kind);
    }

    [Property(MaxTest = 300)]
    public bool A_side_left_unchanged_yields_the_other_and_equal_sides_agree(int seed)
    {
        var random = new Random(seed);
        string changed = Text(random), o = Text(random);
        return Clean(Diff3.Merge(o, o, changed, "l", "o", "r"), changed)
            && Clean(Diff3.Merge(changed, o, o, "l", "o", "r"), changed)
            && Clean(Diff3.Merge(changed, o, changed, "l", "o", "r"), changed);
    }

    [Property(MaxTest = 300)]
    public bool The_base_is_concatenated_from_the_chunks(int seed)
    {
        var random = new Random(seed);
        string left = Text(random), o = Text(random), right = Text(random);
        var chunks = Diff3.Parse(Diff3.Lines(left), Diff3.Lines(o), Diff3.Lines(right));
        return string.Concat(chunks.SelectMany(c => c.Base)) == o
            && string.Concat(chunks.SelectMany(c => c.Left)) == left
            && string.Concat(chunks.SelectMany(c => c.Right)) == right;
    }

    [Fact]
    public void Lines_keep_their_ends_and_a_marker_starts_a_line_of_its_own()
    {
        Assert.Equal(["a\n", "b"], Diff3.Lines("a\nb"));
        Assert.Empty(Diff3.Lines(string.Empty));
        Assert.Equal("<<<<<<< l\nx\n||||||| o\no\n=======\ny\n>>>>>>> r\n", Diff3.Merge("x", "o", "y", "l", "o", "r").Text);
    }

    [Fact]
    public void The_longest_matching_is_found_beyond_a_common_prefix_and_suffix()
    {
        var match = Diff3.Match(Diff3.Lines("a\nb\nc\nd\ne\n"), Diff3.Lines("a\nx\nc\ny\ne\n"));
        Assert.Equal([0, -1, 2, -1, 4], match);
    }

    private static bool Clean(Diff3Result result, string expected) => result.Conflicts == 0 && result.Text == expected;

    private static ChunkKind Mirror(ChunkKind kind) => kind switch
    {
        ChunkKind.Left => ChunkKind.Right,
        ChunkKind.Right => ChunkKind.Left,
        _ => kind,
    };

    private static string Text(Random random) =>
        string.Concat(Enumerable.Range(0, random.Next(0, 8)).Select(_ => "abcd"[random.Next(4)] + "\n"));
}
