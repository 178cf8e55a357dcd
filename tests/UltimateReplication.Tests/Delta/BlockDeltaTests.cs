using UltimateReplication.Delta;
using Xunit;

namespace UltimateReplication.Tests.Delta;

/// <summary>rsync-style block deltas: the result is the target whatever the edit, and small for a small edit of a large value.</summary>
public sealed class BlockDeltaTests
{
    private static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void One_changed_byte_of_a_mebibyte_ships_about_one_block()
    {
        var original = Random(1 << 20, 1);
        var changed = (byte[])original.Clone();
        changed[700_001] ^= 0xFF;
        var delta = BlockDelta.Compute(original, changed, 2048);
        Assert.InRange(delta.Length, 2048, 2048 + 64); // the changed block as literal bytes, two copies around it
        Assert.Equal(changed, BlockDelta.Apply(original, delta));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    public void Applying_the_delta_to_its_base_gives_the_target_for_any_edit(int blockBytes)
    {
        var random = new Random(blockBytes);
        for (var trial = 0; trial < 200; trial++)
        {
            var original = Random(random.Next(0, 600), trial);
            var target = new List<byte>(original);
            for (var edits = random.Next(0, 5); edits > 0; edits--)
            {
                var at = random.Next(0, target.Count + 1);
                switch (random.Next(3))
                {
                    case 0:
                        target.InsertRange(at, Random(random.Next(1, 40), trial + edits));
                        break;
                    case 1 when target.Count > 0:
                        target.RemoveRange(Math.Min(at, target.Count - 1), Math.Min(random.Next(1, 40), target.Count - Math.Min(at, target.Count - 1)));
                        break;
                    default:
                        if (target.Count > 0)
                        {
                            target[Math.Min(at, target.Count - 1)] ^= 0x5A;
                        }

                        break;
                }
            }

            var delta = BlockDelta.Compute(original, target.ToArray(), blockBytes);
            Assert.Equal(target.ToArray(), BlockDelta.Apply(original, delta));
        }
    }

    [Fact]
    public void An_insertion_shifts_nothing_out_of_reach_the_rolling_checksum_finds_the_blocks_at_their_new_offsets()
    {
        var original = Random(64 * 1024, 5);
        var target = new byte[] { 1, 2, 3 }.Concat(original).ToArray();
        var delta = BlockDelta.Compute(original, target, 1024);
        Assert.True(delta.Length < 64, $"{delta.Length} bytes");
        Assert.Equal(target, BlockDelta.Apply(original, delta));
    }

    [Fact]
    public void A_delta_that_does_not_fit_its_base_is_refused_not_misapplied()
    {
        var original = Random(8192, 9);
        var delta = BlockDelta.Compute(original, original, 1024);
        Assert.Null(BlockDelta.Apply(original.AsSpan(0, 4096), delta)); // copies beyond the shorter base
        Assert.Null(BlockDelta.Apply(original, [1, 2, 3]));
    }
}
