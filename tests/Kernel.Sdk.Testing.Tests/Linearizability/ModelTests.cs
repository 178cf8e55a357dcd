using Kernel.Sdk.Testing.Linearizability;

namespace Kernel.Sdk.Testing.Tests.Linearizability;

/// <summary>Small hand-made histories: every model, every format, linearizable or not.</summary>
public sealed class ModelTests
{
    internal static CheckResult Check(string model, HistoryFormat format, string text, CheckOptions? options = null)
    {
        Assert.True(Models.TryGet(model, out var m));
        return m.Check(HistoryCheck.Parse(text, "test", format), options);
    }

    private static string Log(params string[] lines) => string.Join("\n", lines.Select(l => "INFO  jepsen.util - " + l.Replace(' ', '\t')));

    // ---------- register (JSON Lines) ----------

    [Fact]
    public void Register_concurrent_read_may_see_old_or_new_value()
    {
        const string h = """
            {"process":0,"type":"invoke","f":"write","value":1}
            {"process":1,"type":"invoke","f":"read","value":null}
            {"process":1,"type":"ok","f":"read","value":null}
            {"process":0,"type":"ok","f":"write","value":1}
            {"process":1,"type":"invoke","f":"read"}
            {"process":1,"type":"ok","f":"read","value":1}
            """;
        Assert.Equal(Verdict.Linearizable, Check("register", HistoryFormat.JsonLines, h).Verdict);
    }

    [Fact]
    public void Register_stale_read_after_write_completed_is_a_violation()
    {
        const string h = """
            {"process":0,"type":"invoke","f":"put","value":"a"}
            {"process":0,"type":"ok","f":"put","value":"a"}
            {"process":0,"type":"invoke","f":"put","value":"b"}
            {"process":0,"type":"ok","f":"put","value":"b"}
            {"process":1,"type":"invoke","f":"get"}
            {"process":1,"type":"ok","f":"get","value":"a"}
            """;
        var result = Check("register", HistoryFormat.JsonLines, h);
        Assert.Equal(Verdict.NotLinearizable, result.Verdict);
        var cex = result.Counterexample!;
        Assert.Null(cex.PartitionKey);
        Assert.Equal(["write \"a\"", "write \"b\""], cex.LinearizedPrefix.Select(o => o.Description));
        Assert.Equal("\"b\"", cex.StateAfterPrefix);
        var stuck = Assert.Single(cex.Unlinearizable);
        Assert.Equal("read -> \"a\"", stuck.Description);
        Assert.Equal(1, stuck.ClientId);
        Assert.Equal(5, stuck.SourceLine);
    }

    [Fact]
    public void Register_rejects_cas_with_line_number()
    {
        const string h = """
            {"process":0,"type":"invoke","f":"cas","value":[1,2]}
            {"process":0,"type":"ok","f":"cas","value":[1,2]}
            """;
        var ex = Assert.Throws<HistoryParseException>(() => Check("register", HistoryFormat.JsonLines, h));
        Assert.Equal(1, ex.Line);
        Assert.Contains("expected read, write", ex.Message, StringComparison.Ordinal);
    }

    // ---------- etcd-register-with-cas (Jepsen log) ----------

    [Fact]
    public void Etcd_failed_cas_observed_another_value()
    {
        // The cas [1 2] fails although the register certainly holds 1: impossible under etcd semantics,
        // but fine under knossos semantics where :fail means "did not happen".
        var h = Log("0 :invoke :write 1", "0 :ok :write 1", "1 :invoke :cas [1 2]", "1 :fail :cas [1 2]");
        Assert.Equal(Verdict.NotLinearizable, Check("etcd-register-with-cas", HistoryFormat.JepsenLog, h).Verdict);
        Assert.Equal(Verdict.Linearizable, Check("cas-register", HistoryFormat.JepsenLog, h).Verdict);
    }

    [Fact]
    public void Etcd_nil_read_means_absent_and_timed_out_read_constrains_nothing()
    {
        var ok = Log("0 :invoke :read nil", "0 :ok :read nil", "1 :invoke :write 3", "1 :ok :write 3",
            "2 :invoke :read nil", "2 :fail :read :timed-out", "0 :invoke :read nil", "0 :ok :read 3");
        Assert.Equal(Verdict.Linearizable, Check("etcd-register-with-cas", HistoryFormat.JepsenLog, ok).Verdict);
        var bad = Log("1 :invoke :write 3", "1 :ok :write 3", "0 :invoke :read nil", "0 :ok :read nil");
        Assert.Equal(Verdict.NotLinearizable, Check("etcd-register-with-cas", HistoryFormat.JepsenLog, bad).Verdict);
    }

    [Fact]
    public void Etcd_info_write_may_take_effect_later_or_never()
    {
        var later = Log("0 :invoke :write 7", "0 :info :write :timed-out", "1 :invoke :read nil", "1 :ok :read nil",
            "1 :invoke :read nil", "1 :ok :read 7", "2 :invoke :write 1", "2 :ok :write 1", "1 :invoke :read nil", "1 :ok :read 1");
        Assert.Equal(Verdict.Linearizable, Check("etcd-register-with-cas", HistoryFormat.JepsenLog, later).Verdict);
        // It cannot take effect before its invocation.
        var before = Log("1 :invoke :read nil", "1 :ok :read 7", "0 :invoke :write 7", "0 :info :write :timed-out");
        Assert.Equal(Verdict.NotLinearizable, Check("etcd-register-with-cas", HistoryFormat.JepsenLog, before).Verdict);
    }

    [Fact]
    public void Etcd_info_cas_changes_state_only_if_comparison_matches()
    {
        var h = Log("0 :invoke :write 1", "0 :ok :write 1", "1 :invoke :cas [1 5]", "1 :info :cas :timed-out",
            "2 :invoke :read nil", "2 :ok :read 5", "2 :invoke :read nil", "2 :ok :read 5");
        Assert.Equal(Verdict.Linearizable, Check("etcd-register-with-cas", HistoryFormat.JepsenLog, h).Verdict);
        var mismatch = Log("0 :invoke :write 2", "0 :ok :write 2", "1 :invoke :cas [1 5]", "1 :info :cas :timed-out",
            "2 :invoke :read nil", "2 :ok :read 5");
        Assert.Equal(Verdict.NotLinearizable, Check("etcd-register-with-cas", HistoryFormat.JepsenLog, mismatch).Verdict);
    }

    // ---------- cas-register (knossos EDN) ----------

    [Fact]
    public void CasRegister_initial_zero_nil_reads_and_failures()
    {
        const string h = """
            ; comment line
            [{:process 0, :type :invoke, :f :read, :value nil}
             {:process 0, :type :ok, :f :read, :value 0}
             {:type :invoke, :process 1, :f :cas, :value [0 4]}
             {:process 1 :type :ok :f :cas :value [0 4]}
             {:process 2, :type :invoke, :f :cas, :value [9 9]}
             {:process 2, :type :fail, :f :cas, :value [9 9], :error [:not-found "no such thing"]}
             {:process :nemesis, :type :info, :f :start, :value nil}
             {:process 3, :type :invoke, :f :read, :value nil}
             {:process 3, :type :ok, :f :read, :value nil}
             {:process 0, :type :invoke, :f :read, :value nil}
             {:process 0, :type :ok, :f :read, :value 4}]
            """;
        Assert.Equal(Verdict.Linearizable, Check("cas-register", HistoryFormat.Edn, h).Verdict);
    }

    [Fact]
    public void CasRegister_cas_on_wrong_value_is_a_violation()
    {
        const string h = """
            ({:process 0, :type :invoke, :f :write, :value 1}
             {:process 0, :type :ok, :f :write, :value 1}
             {:process 1, :type :invoke, :f :cas, :value [2 3]}
             {:process 1, :type :ok, :f :cas, :value [2 3]})
            """;
        var result = Check("cas-register", HistoryFormat.Edn, h);
        Assert.Equal(Verdict.NotLinearizable, result.Verdict);
        Assert.Contains("cas [2 3]", result.Counterexample!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CasRegister_info_read_and_pending_invoke_are_indeterminate()
    {
        const string h = """
            [{:process 0, :type :invoke, :f :write, :value 3}
             {:process 1, :type :invoke, :f :read, :value nil}
             {:process 1, :type :info, :f :read, :value nil}
             {:process 2, :type :invoke, :f :read, :value nil}
             {:process 2, :type :ok, :f :read, :value 3}]
            """;
        Assert.Equal(Verdict.Linearizable, Check("cas-register", HistoryFormat.Edn, h).Verdict);
    }

    // ---------- kv (EDN lines) ----------

    [Fact]
    public void Kv_appends_per_key()
    {
        const string ok = """
            {:process 0, :type :invoke, :f :append, :key "a", :value "x"}
            {:process 1, :type :invoke, :f :append, :key "a", :value "y"}
            {:process 1, :type :ok, :f :append, :key "a", :value "y"}
            {:process 0, :type :ok, :f :append, :key "a", :value "x"}
            {:process 2, :type :invoke, :f :get, :key "b", :value nil}
            {:process 2, :type :ok, :f :get, :key "b", :value ""}
            {:process 2, :type :invoke, :f :get, :key "a", :value nil}
            {:process 2, :type :ok, :f :get, :key "a", :value "yx"}
            """;
        var result = Check("kv", HistoryFormat.EdnLines, ok);
        Assert.Equal(Verdict.Linearizable, result.Verdict);
        Assert.Equal(2, result.Partitions);

        var bad = ok.Replace("\"yx\"", "\"xyz\"", StringComparison.Ordinal);
        var violation = Check("kv", HistoryFormat.EdnLines, bad);
        Assert.Equal(Verdict.NotLinearizable, violation.Verdict);
        Assert.Equal("a", violation.Counterexample!.PartitionKey);
        Assert.Equal(3, violation.Counterexample.PartitionOperations);
        Assert.Contains(violation.Counterexample.Unlinearizable, o => o.Description == "get(\"a\") -> \"xyz\"" && o.SourceLine == 7);
    }

    // ---------- kv-cas (JSON Lines, the simulator's format) ----------

    [Fact]
    public void KvCas_absent_keys_cas_and_failed_cas()
    {
        var b = new HistoryBuilder()
            .Invoke(0, "get", "k").Ok(0, null)                        // absent
            .InvokeCas(1, "k", null, "v1").Ok(1)                      // create if absent
            .InvokeCas(2, "k", "zz", "v2").Fail(2)                    // comparison failed: value was not "zz"
            .Invoke(0, "append", "k", "+").Ok(0)
            .Invoke(3, "get", "k").Ok(3, "v1+")
            .Invoke(4, "put", "other", "o").Info(4)                   // unknown outcome, other key
            .Invoke(3, "get", "other").Ok(3, "o");
        var result = HistoryCheckModel("kv-cas").Check(b.Build());
        Assert.Equal(Verdict.Linearizable, result.Verdict);
        Assert.Equal(2, result.Partitions);
    }

    [Fact]
    public void KvCas_failed_cas_on_matching_value_is_a_violation()
    {
        var h = new HistoryBuilder()
            .Invoke(0, "put", "k", "a").Ok(0)
            .InvokeCas(1, "k", "a", "b").Fail(1)
            .Build();
        var result = HistoryCheckModel("kv-cas").Check(h);
        Assert.Equal(Verdict.NotLinearizable, result.Verdict);
        Assert.Equal("k", result.Counterexample!.PartitionKey);
        Assert.Contains(result.Counterexample.Unlinearizable, o => o.Description == "cas(\"k\", \"a\", \"b\") -> failed");
    }

    [Fact]
    public void KvCas_fail_of_a_put_means_it_did_not_happen()
    {
        var h = new HistoryBuilder()
            .Invoke(0, "put", "k", "a").Fail(0)
            .Invoke(1, "get", "k").Ok(1, null)
            .Build();
        Assert.Equal(Verdict.Linearizable, HistoryCheckModel("kv-cas").Check(h).Verdict);
    }

    [Fact]
    public void KvCas_never_completed_invoke_may_take_effect()
    {
        var h = new HistoryBuilder()
            .Invoke(0, "put", "k", "a")
            .Invoke(1, "get", "k").Ok(1, "a")
            .Invoke(1, "get", "k").Ok(1, "a")
            .Build();
        Assert.Equal(Verdict.Linearizable, HistoryCheckModel("kv-cas").Check(h).Verdict);
        var never = new HistoryBuilder().Invoke(0, "put", "k", "a").Invoke(1, "get", "k").Ok(1, "b").Build();
        Assert.Equal(Verdict.NotLinearizable, HistoryCheckModel("kv-cas").Check(never).Verdict);
    }

    // ---------- multi-register (EDN) ----------

    [Fact]
    public void MultiRegister_transactions_apply_atomically()
    {
        const string ok = """
            [{:process 0, :type :invoke, :f :txn, :value [[:write :x 1] [:write :y 2]]}
             {:process 1, :type :invoke, :f :txn, :value [[:read :x nil] [:read :y nil]]}
             {:process 1, :type :ok, :f :txn, :value [[:read :x 0] [:read :y 0]]}
             {:process 0, :type :ok, :f :txn, :value [[:write :x 1] [:write :y 2]]}
             {:process 1, :type :invoke, :f :txn, :value [[:read :x nil] [:read :y nil]]}
             {:process 1, :type :ok, :f :txn, :value [[:read :x 1] [:read :y nil]]}]
            """;
        Assert.Equal(Verdict.Linearizable, Check("multi-register", HistoryFormat.Edn, ok).Verdict);
        var torn = ok.Replace("[[:read :x 0] [:read :y 0]]", "[[:read :x 1] [:read :y 0]]", StringComparison.Ordinal);
        var result = Check("multi-register", HistoryFormat.Edn, torn);
        Assert.Equal(Verdict.NotLinearizable, result.Verdict);
        Assert.Contains(":x", result.Counterexample!.StateAfterPrefix, StringComparison.Ordinal);
    }

    // ---------- mutex (EDN) ----------

    [Fact]
    public void Mutex_single_lock()
    {
        const string ok = """
            [{:process 0, :type :invoke, :f :acquire}
             {:process 0, :type :ok, :f :acquire}
             {:process 1, :type :invoke, :f :acquire}
             {:process 0, :type :invoke, :f :release}
             {:process 0, :type :ok, :f :release}
             {:process 1, :type :ok, :f :acquire}
             {:process 2, :type :invoke, :f :release}
             {:process 2, :type :fail, :f :release, :error :not-held}]
            """;
        Assert.Equal(Verdict.Linearizable, Check("mutex", HistoryFormat.Edn, ok).Verdict);
        const string bad = """
            [{:process 0, :type :invoke, :f :acquire}
             {:process 0, :type :ok, :f :acquire}
             {:process 1, :type :invoke, :f :acquire}
             {:process 1, :type :ok, :f :acquire}]
            """;
        Assert.Equal(Verdict.NotLinearizable, Check("mutex", HistoryFormat.Edn, bad).Verdict);
    }

    [Fact]
    public void Mutex_info_acquire_may_never_have_happened()
    {
        const string h = """
            [{:process 0, :type :invoke, :f :acquire}
             {:process 0, :type :info, :f :acquire}
             {:process 1, :type :invoke, :f :acquire}
             {:process 1, :type :ok, :f :acquire}]
            """;
        Assert.Equal(Verdict.Linearizable, Check("mutex", HistoryFormat.Edn, h).Verdict);
    }

    // ---------- empty histories, all formats ----------

    [Theory]
    [InlineData("register", HistoryFormat.JsonLines, "")]
    [InlineData("etcd-register-with-cas", HistoryFormat.JepsenLog, "\n")]
    [InlineData("kv", HistoryFormat.EdnLines, "")]
    [InlineData("cas-register", HistoryFormat.Edn, "[]")]
    [InlineData("cas-register", HistoryFormat.Edn, "[{:process :nemesis, :type :info, :f :start, :value nil}]")]
    [InlineData("multi-register", HistoryFormat.Edn, "; nothing\n()")]
    [InlineData("mutex", HistoryFormat.Edn, "")]
    [InlineData("kv-cas", HistoryFormat.JsonLines, "\n\n")]
    public void Empty_histories_are_linearizable(string model, HistoryFormat format, string text)
    {
        var result = Check(model, format, text);
        Assert.Equal(Verdict.Linearizable, result.Verdict);
        Assert.Equal(0, result.Operations);
    }

    [Fact]
    public void Only_failed_operations_is_an_empty_history()
    {
        const string h = """
            [{:process 0, :type :invoke, :f :write, :value 1}
             {:process 0, :type :fail, :f :write, :value 1}]
            """;
        Assert.Equal(0, Check("cas-register", HistoryFormat.Edn, h).Operations);
    }

    [Fact]
    public void Registry_lists_all_models()
    {
        Assert.Equal(["register", "cas-register", "etcd-register-with-cas", "kv", "kv-cas", "multi-register", "mutex"], Models.Names);
        Assert.True(Models.TryGet("KV-CAS", out var m));
        Assert.Equal("kv-cas", m.Name);
        Assert.False(Models.TryGet("nope", out _));
    }

    private static HistoryModel HistoryCheckModel(string name)
    {
        Assert.True(Models.TryGet(name, out var m));
        return m;
    }
}
