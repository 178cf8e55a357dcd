using System.Globalization;

namespace Kernel.Sdk.Testing.Linearizability.Parsing;

/// <summary>Readers of the Jepsen/Porcupine/Knossos corpus formats.</summary>
internal static class HistoryParsers
{
    /// <summary>Jepsen etcd logs: <c>INFO  jepsen.util - &lt;process&gt; &lt;:type&gt; &lt;:f&gt; &lt;value&gt;</c>, one event per line.</summary>
    public static History ParseEtcdLog(TextReader reader, string source)
    {
        var events = new List<HistoryEvent>();
        var lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var marker = line.IndexOf(" - ", StringComparison.Ordinal);
            if (marker < 0)
            {
                throw new HistoryParseException(source, lineNo, 1, "expected a Jepsen log line 'INFO  jepsen.util - <process> <:type> <:f> <value>'");
            }

            var edn = new EdnReader(line[(marker + 3)..], source, lineNo);
            var offset = marker + 3;
            var items = new List<object?>();
            while (!edn.AtEnd())
            {
                items.Add(edn.Read());
            }

            if (items.Count < 3)
            {
                throw new HistoryParseException(source, lineNo, offset + 1, $"expected '<process> <:type> <:f> <value>' after ' - ', found {items.Count} item(s)");
            }

            if (items[0] is Keyword { Name: "nemesis" })
            {
                continue;
            }

            if (items[0] is not long process)
            {
                throw new HistoryParseException(source, lineNo, offset + 1, $"expected an integer process id, found {Edn.Print(items[0])}");
            }

            var type = ParseType(items[1], source, lineNo, offset + 1);
            var f = items[2] is Keyword k ? k.Name : throw new HistoryParseException(source, lineNo, offset + 1, $"expected an operation keyword such as :read, found {Edn.Print(items[2])}");
            var value = items.Count > 3 ? items[3] : null;
            events.Add(new HistoryEvent(checked((int)process), type, f, null, value, lineNo, 0));
        }

        return new History(events, source);
    }

    /// <summary>Porcupine kv histories: one EDN map per line.</summary>
    public static History ParseEdnLines(TextReader reader, string source)
    {
        var events = new List<HistoryEvent>();
        var lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            var edn = new EdnReader(line, source, lineNo);
            while (!edn.AtEnd())
            {
                var v = edn.Read();
                if (v is not EdnMap map)
                {
                    throw new HistoryParseException(source, lineNo, 1, $"expected an operation map '{{:process ..., :type ..., :f ...}}', found {Edn.Print(v)}");
                }

                AddMap(events, map, source);
            }
        }

        return new History(events, source);
    }

    /// <summary>Knossos histories: one EDN vector or list of operation maps.</summary>
    public static History ParseEdnCollection(string text, string source)
    {
        var edn = new EdnReader(text, source);
        var events = new List<HistoryEvent>();
        if (edn.AtEnd())
        {
            return new History(events, source);
        }

        var line = edn.Line;
        var column = edn.Column;
        var root = edn.Read();
        if (!edn.AtEnd())
        {
            throw edn.Error("expected the end of the file after the history collection");
        }

        if (root is EdnMap single)
        {
            AddMap(events, single, source);
            return new History(events, source);
        }

        if (root is not EdnList list)
        {
            throw new HistoryParseException(source, line, column, $"expected a vector or list of operation maps, found {Edn.Print(root)}");
        }

        foreach (var item in list)
        {
            if (item is not EdnMap map)
            {
                throw new HistoryParseException(source, line, column, $"expected only operation maps in the history, found {Edn.Print(item)}");
            }

            AddMap(events, map, source);
        }

        return new History(events, source);
    }

    private static void AddMap(List<HistoryEvent> events, EdnMap map, string source)
    {
        var processValue = map.Get("process");
        if (processValue is Keyword or Symbol or string)
        {
            return; // :nemesis and other non-client processes
        }

        if (processValue is not long process)
        {
            throw new HistoryParseException(source, map.Line, map.Column, $"expected an integer :process, found {Edn.Print(processValue)}");
        }

        var type = ParseType(map.Get("type"), source, map.Line, map.Column);
        var f = map.Get("f") switch
        {
            Keyword k => k.Name,
            string s => s,
            Symbol s => s.Name,
            var other => throw new HistoryParseException(source, map.Line, map.Column, $"expected an :f keyword, found {Edn.Print(other)}"),
        };
        var key = map.Get("key") switch
        {
            null => null,
            string s => s,
            Keyword k => k.Name,
            long l => l.ToString(CultureInfo.InvariantCulture),
            var other => throw new HistoryParseException(source, map.Line, map.Column, $"expected a string :key, found {Edn.Print(other)}"),
        };
        long? time = map.Get("time") as long?;
        events.Add(new HistoryEvent(checked((int)process), type, f, key, map.Get("value"), map.Line, map.Column, time));
    }

    private static HistoryEventType ParseType(object? value, string source, int line, int column) => value switch
    {
        Keyword { Name: "invoke" } => HistoryEventType.Invoke,
        Keyword { Name: "ok" } => HistoryEventType.Ok,
        Keyword { Name: "fail" } => HistoryEventType.Fail,
        Keyword { Name: "info" } => HistoryEventType.Info,
        _ => throw new HistoryParseException(source, line, column, $"expected :type to be one of :invoke, :ok, :fail, :info, found {Edn.Print(value)}"),
    };
}
