using System.Buffers;

namespace Kernel.Storage.Codec;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over one array kept from use to use (<see cref="Reset"/> forgets what was written), so a
/// writer on a hot path makes no garbage once the array has grown to its working size. Unlike
/// <see cref="ArrayBufferWriter{T}"/> it hands out what was written as a mutable span, so a header reserved first can be
/// filled in once the payload behind it is written.
/// </summary>
public sealed class ReusableBufferWriter : IBufferWriter<byte>
{
    private readonly int _initialCapacity;
    private readonly int _retainedCapacity;
    private byte[] _buffer;
    private int _written;

    /// <summary>Creates a writer with an array of <paramref name="initialCapacity"/> bytes.</summary>
    /// <param name="initialCapacity">The array's first size.</param>
    /// <param name="retainedCapacity">An array grown past this size is given up at the next <see cref="Reset"/>, so one huge write does not pin its memory.</param>
    public ReusableBufferWriter(int initialCapacity, int retainedCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(retainedCapacity, initialCapacity);
        _initialCapacity = initialCapacity;
        _retainedCapacity = retainedCapacity;
        _buffer = new byte[initialCapacity];
    }

    /// <summary>The bytes written since the last <see cref="Reset"/>.</summary>
    public Span<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>How many bytes were written since the last <see cref="Reset"/>.</summary>
    public int WrittenCount => _written;

    /// <summary>The current array's size.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>Forgets what was written, keeping the array unless it grew past the retained capacity.</summary>
    public void Reset()
    {
        _written = 0;
        if (_buffer.Length > _retainedCapacity)
        {
            _buffer = new byte[_initialCapacity];
        }
    }

    /// <inheritdoc />
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > _buffer.Length - _written)
        {
            throw new InvalidOperationException($"Cannot advance {count} bytes: only {_buffer.Length - _written} were handed out.");
        }

        _written += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var needed = (long)_written + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        if (needed > Array.MaxLength)
        {
            throw new OutOfMemoryException($"A buffer of {needed} bytes exceeds the largest array.");
        }

        var size = Math.Clamp(_buffer.Length * 2L, needed, Array.MaxLength);
        Array.Resize(ref _buffer, (int)size);
    }
}
