namespace Kernel.Sdk.Testing.Simulation;

/// <summary>
/// xoshiro256** seeded through SplitMix64: the simulator's only source of randomness, identical on every .NET version
/// and platform (unlike <see cref="Random"/>, whose algorithm is an implementation detail).
/// </summary>
internal sealed class SimRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public SimRandom(ulong seed)
    {
        var sm = seed;
        _s0 = SplitMix(ref sm);
        _s1 = SplitMix(ref sm);
        _s2 = SplitMix(ref sm);
        _s3 = SplitMix(ref sm);
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, maxExclusive).</summary>
    public int Next(int maxExclusive)
    {
        if (maxExclusive <= 1)
        {
            return 0;
        }

        return (int)Below((ulong)maxExclusive);
    }

    /// <summary>A uniform integer in [min, maxExclusive).</summary>
    public int Next(int min, int maxExclusive) => maxExclusive <= min ? min : min + Next(maxExclusive - min);

    /// <summary>A uniform 64-bit integer in [min, maxExclusive).</summary>
    public long NextInt64(long min, long maxExclusive) =>
        maxExclusive <= min ? min : min + (long)Below((ulong)(maxExclusive - min));

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => p > 0 && (p >= 1 || NextDouble() < p);

    /// <summary>A new independent generator derived from this one (for a node's own <see cref="Random"/>).</summary>
    public SimRandom Fork() => new(NextUInt64());

    public void Shuffle<T>(IList<T> list)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    private ulong Below(ulong bound)
    {
        // Lemire's nearly divisionless method would do; rejection sampling keeps it obviously uniform.
        var threshold = (0 - bound) % bound;
        while (true)
        {
            var r = NextUInt64();
            if (r >= threshold)
            {
                return r % bound;
            }
        }
    }

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}

/// <summary>
/// A <see cref="Random"/> whose every virtual member draws from a <see cref="SimRandom"/>, handed to strategies as
/// <see cref="Kernel.Sdk.Consensus.ConsensusNodeOptions.Random"/> so their election jitter is deterministic too.
/// </summary>
internal sealed class DeterministicRandom : Random
{
    private readonly SimRandom _source;

    public DeterministicRandom(SimRandom source)
        : base(0) => _source = source;

    public override int Next() => (int)(_source.NextUInt64() >> 33);

    public override int Next(int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return _source.Next(maxValue);
    }

    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        return (int)_source.NextInt64(minValue, maxValue);
    }

    public override long NextInt64() => (long)(_source.NextUInt64() >> 1);

    public override long NextInt64(long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return _source.NextInt64(0, maxValue);
    }

    public override long NextInt64(long minValue, long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        return _source.NextInt64(minValue, maxValue);
    }

    public override double NextDouble() => _source.NextDouble();

    public override float NextSingle() => (_source.NextUInt64() >> 40) * (1.0f / (1U << 24));

    public override void NextBytes(byte[] buffer) => NextBytes(buffer.AsSpan());

    public override void NextBytes(Span<byte> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)_source.NextUInt64();
        }
    }

    protected override double Sample() => _source.NextDouble();
}
