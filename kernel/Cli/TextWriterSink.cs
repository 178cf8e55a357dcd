using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Kernel.Host.Cli;

/// <summary>Writes log events to a <see cref="TextWriter"/> (the error writer handed to the CLI, in tests).</summary>
internal sealed class TextWriterSink(TextWriter writer) : ILogEventSink
{
    private readonly MessageTemplateTextFormatter _formatter = new("[{Level:u3}] {Message:lj}{NewLine}{Exception}");

    public void Emit(LogEvent logEvent)
    {
        lock (writer)
        {
            _formatter.Format(logEvent, writer);
        }
    }
}
