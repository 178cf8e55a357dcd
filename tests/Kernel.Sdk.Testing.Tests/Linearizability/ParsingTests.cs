using Kernel.Sdk.Testing.Linearizability;
using Kernel.Sdk.Testing.Linearizability.Parsing;

namespace Kernel.Sdk.Testing.Tests.Linearizability;

public sealed class ParsingTests
{
    [Fact]
    public void Edn_reader_handles_comments_commas_nested_values_and_tags()
    {
        var r = new EdnReader("; c\n{:a 1, :b [\"x y\" nil :k], :c (1 -2 3N) :d #{1} :e #inst \"2020\" :f #_ 9 true :g \\a :h 1.5}", "t");
        var map = Assert.IsType<EdnMap>(r.Read());
        Assert.Equal(1L, map.Get("a"));
        var b = Assert.IsType<EdnList>(map.Get("b"));
        Assert.Equal(["x y", null, new Keyword("k")], b);
        Assert.Equal([1L, -2L, 3L], Assert.IsType<EdnList>(map.Get("c")));
        Assert.Equal("2020", map.Get("e"));
        Assert.Equal(true, map.Get("f"));
        Assert.Equal("a", map.Get("g"));
        Assert.Equal(1.5, map.Get("h"));
        Assert.Equal(2, map.Line);
        Assert.True(r.AtEnd());
    }

    [Fact]
    public void Edn_unterminated_collection_reports_line()
    {
        var ex = Assert.Throws<HistoryParseException>(() =>
            HistoryCheck.Parse("[{:process 0, :type :invoke, :f :read, :value nil}\n {:process 0, :type :ok", "h.edn", HistoryFormat.Edn));
        Assert.Equal("h.edn", ex.File);
        Assert.Equal(2, ex.Line);
        Assert.Contains("expected '}'", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("h.edn:2:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Edn_bad_type_reports_line_and_column()
    {
        var ex = Assert.Throws<HistoryParseException>(() =>
            HistoryCheck.Parse("[\n\n  {:process 0, :type :started, :f :read}]", "h.edn", HistoryFormat.Edn));
        Assert.Equal(3, ex.Line);
        Assert.Equal(3, ex.Column);
        Assert.Contains(":invoke, :ok, :fail, :info", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Edn_lines_non_map_reports_line()
    {
        var ex = Assert.Throws<HistoryParseException>(() =>
            HistoryCheck.Parse("{:process 0, :type :invoke, :f :get, :key \"1\", :value nil}\n[1 2]", "c.txt", HistoryFormat.EdnLines));
        Assert.Equal(2, ex.Line);
        Assert.Contains("expected an operation map", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Jepsen_log_garbage_line_reports_line()
    {
        var ex = Assert.Throws<HistoryParseException>(() =>
            HistoryCheck.Parse("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nsomething else", "e.log", HistoryFormat.JepsenLog));
        Assert.Equal(2, ex.Line);
        Assert.Contains("expected a Jepsen log line", ex.Message, StringComparison.Ordinal);

        var badProcess = Assert.Throws<HistoryParseException>(() =>
            HistoryCheck.Parse("INFO  jepsen.util - x\t:invoke\t:read\tnil", "e.log", HistoryFormat.JepsenLog));
        Assert.Contains("integer process id", badProcess.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_lines_errors_report_line_and_what_was_expected()
    {
        var bad = Assert.Throws<HistoryParseException>(() =>
            HistoryCheck.Parse("{\"process\":0,\"type\":\"invoke\",\"f\":\"get\",\"key\":\"k\"}\n\n{\"process\":0,\"type\":", "s.jsonl", HistoryFormat.JsonLines));
        Assert.Equal(3, bad.Line);
        Assert.Contains("invalid JSON", bad.Message, StringComparison.Ordinal);

        var noType = Assert.Throws<HistoryParseException>(() => HistoryCheck.Parse("{\"process\":0,\"f\":\"get\"}", "s.jsonl", HistoryFormat.JsonLines));
        Assert.Contains("expected a string \"type\"", noType.Message, StringComparison.Ordinal);

        var badType = Assert.Throws<HistoryParseException>(() => HistoryCheck.Parse("{\"process\":0,\"type\":\"done\",\"f\":\"get\"}", "s.jsonl", HistoryFormat.JsonLines));
        Assert.Contains("invoke, ok, fail or info", badType.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Completion_without_invoke_is_an_error_but_orphan_info_is_ignored()
    {
        Models.TryGet("kv-cas", out var model);
        var orphanOk = HistoryCheck.Parse("{\"process\":4,\"type\":\"ok\",\"f\":\"get\",\"key\":\"k\",\"value\":null}", "s.jsonl", HistoryFormat.JsonLines);
        var ex = Assert.Throws<HistoryParseException>(() => model!.Check(orphanOk));
        Assert.Equal(1, ex.Line);
        Assert.Contains("no pending invoke", ex.Message, StringComparison.Ordinal);

        var orphanInfo = HistoryCheck.Parse("{\"process\":4,\"type\":\"info\",\"f\":\"get\",\"key\":\"k\"}", "s.jsonl", HistoryFormat.JsonLines);
        Assert.Equal(Verdict.Linearizable, model!.Check(orphanInfo).Verdict);
    }

    [Fact]
    public void Double_invoke_is_an_error()
    {
        const string h = "{\"process\":1,\"type\":\"invoke\",\"f\":\"get\",\"key\":\"k\"}\n{\"process\":1,\"type\":\"invoke\",\"f\":\"get\",\"key\":\"k\"}";
        Models.TryGet("kv", out var model);
        var ex = Assert.Throws<HistoryParseException>(() => model!.Check(HistoryCheck.Parse(h, "s.jsonl", HistoryFormat.JsonLines)));
        Assert.Equal(2, ex.Line);
    }

    [Fact]
    public void Json_lines_round_trip_and_cas_array_form()
    {
        var h = new HistoryBuilder()
            .Invoke(0, "put", "k", "a\"quoted\"", time: 10).Ok(0, time: 20)
            .InvokeCas(1, "k", "a\"quoted\"", "b").Ok(1)
            .Invoke(2, "get", "k").Ok(2, "b")
            .Invoke(3, "append", "k", "c").Info(3)
            .Build();
        var text = new StringWriter();
        JsonLinesHistory.Write(h, text);
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(8, lines.Length);
        Assert.Equal("{\"process\":0,\"type\":\"invoke\",\"f\":\"put\",\"key\":\"k\",\"value\":\"a\\u0022quoted\\u0022\",\"time\":10}", lines[0]);
        Assert.Contains("\"value\":{\"old\":", lines[2], StringComparison.Ordinal);

        var back = JsonLinesHistory.Read(new StringReader(text.ToString()), "rt.jsonl");
        Assert.Equal(h.EventCount, back.EventCount);
        var again = new StringWriter();
        JsonLinesHistory.Write(back, again);
        Assert.Equal(text.ToString(), again.ToString());
        Models.TryGet("kv-cas", out var model);
        Assert.Equal(Verdict.Linearizable, model!.Check(back).Verdict);

        const string arrayForm = "{\"process\":1,\"type\":\"invoke\",\"f\":\"cas\",\"key\":\"k\",\"value\":[null,\"x\"]}\n{\"process\":1,\"type\":\"ok\",\"f\":\"cas\",\"key\":\"k\",\"value\":[null,\"x\"]}\n{\"process\":1,\"type\":\"invoke\",\"f\":\"get\",\"key\":\"k\"}\n{\"process\":1,\"type\":\"ok\",\"f\":\"get\",\"key\":\"k\",\"value\":\"x\"}";
        Assert.Equal(Verdict.Linearizable, model.Check(HistoryCheck.Parse(arrayForm, "a.jsonl", HistoryFormat.JsonLines)).Verdict);
    }

    [Fact]
    public void Builder_rejects_misuse()
    {
        var b = new HistoryBuilder().Invoke(0, "get", "k");
        Assert.Throws<InvalidOperationException>(() => b.Invoke(0, "get", "k"));
        Assert.Throws<InvalidOperationException>(() => b.Ok(1));
    }

    [Theory]
    [InlineData("x.log", "", HistoryFormat.JepsenLog)]
    [InlineData("x.txt", "", HistoryFormat.EdnLines)]
    [InlineData("x.edn", "", HistoryFormat.Edn)]
    [InlineData("x.jsonl", "", HistoryFormat.JsonLines)]
    [InlineData("x.hist", "  {\"process\":1}", HistoryFormat.JsonLines)]
    [InlineData("x.hist", "{:process 1}", HistoryFormat.EdnLines)]
    [InlineData("x.hist", "INFO  jepsen.util - 1 :invoke :read nil", HistoryFormat.JepsenLog)]
    [InlineData("x.hist", "; c\n[{:process 1}]", HistoryFormat.Edn)]
    public void Format_detection(string path, string content, HistoryFormat expected) =>
        Assert.Equal(expected, HistoryCheck.DetectFormat(path, content));

    [Theory]
    [InlineData("jepsen-log", HistoryFormat.JepsenLog)]
    [InlineData("edn-lines", HistoryFormat.EdnLines)]
    [InlineData("EDN", HistoryFormat.Edn)]
    [InlineData("jsonl", HistoryFormat.JsonLines)]
    public void Format_names(string name, HistoryFormat expected)
    {
        Assert.True(HistoryCheck.TryParseFormat(name, out var f));
        Assert.Equal(expected, f);
    }
}
