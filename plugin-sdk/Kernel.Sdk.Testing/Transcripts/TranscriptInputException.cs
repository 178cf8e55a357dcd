namespace Kernel.Sdk.Testing.Transcripts;

/// <summary>Bad input in a transcript: a malformed block, an unknown command or a bad argument. The runner adds the file.</summary>
internal sealed class TranscriptInputException : Exception
{
    public TranscriptInputException(int line, string message)
        : base(message)
    {
        Line = line;
    }

    public TranscriptInputException(string message)
        : base(message)
    {
    }

    /// <summary>The line, from 1, or 0 when the caller knows it.</summary>
    public int Line { get; }
}
