using System.Text.Json;
using SegVerify.Core.Output;
using Xunit;
using static SegVerify.Core.Tests.Output.SinkFixtures;

namespace SegVerify.Core.Tests.Output;

/// <summary>Findings carry values; each sink writes their message and clause in its own language from the one table.</summary>
public class SinkLanguageTests
{
    private static JsonElement JsonlLine(string lang)
    {
        using var ms = new MemoryStream();
        using (var sink = new JsonlSink(ms, ownsStream: false))
        {
            sink.Begin(new RunInfo("replay", "t.yaml", "00", lang));
            sink.OnFinding(MnInternet());
        }
        var line = System.Text.Encoding.UTF8.GetString(ms.ToArray()).Split('\n')[0];
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    [Fact]
    public void The_same_finding_is_written_in_each_runs_language()
    {
        var ja = JsonlLine("ja");
        var en = JsonlLine("en");
        Assert.Equal("マイナンバー利用事務系とインターネットの通信: 10.10.1.11 (mn-office) → 1.1.1.1 (external) udp/53。境界で遮断し、端末を調査してください。",
            ja.GetProperty("message").GetString());
        Assert.Equal("三層の対策: マイナンバー利用事務系とインターネットの分離", ja.GetProperty("clause").GetString());
        Assert.Equal("My Number tier talked to the Internet: 10.10.1.11 (mn-office) -> 1.1.1.1 (external) udp/53. Block it at the boundary and inspect the host.",
            en.GetProperty("message").GetString());
        Assert.Equal(ClauseMnInternet, en.GetProperty("clause").GetString());
        // everything else is the same
        Assert.Equal(en.GetProperty("community_id").GetString(), ja.GetProperty("community_id").GetString());
    }

    [Fact]
    public void Text_and_sarif_sinks_write_the_language_they_were_made_for()
    {
        var ja = Run(w => new TextSink(w, "ja"), [MnInternet()]);
        Assert.Contains(": マイナンバー利用事務系とインターネットの通信: 10.10.1.11 (mn-office) → 1.1.1.1 (external) udp/53。", ja);
        using var sarif = JsonDocument.Parse(Run(w => new SarifSink(w, "ja"), [MnInternet()]));
        var result = sarif.RootElement.GetProperty("runs")[0].GetProperty("results")[0];
        Assert.StartsWith("マイナンバー利用事務系とインターネットの通信", result.GetProperty("message").GetProperty("text").GetString());
        Assert.Equal("三層の対策: マイナンバー利用事務系とインターネットの分離", result.GetProperty("properties").GetProperty("clause").GetString());
    }

    [Fact]
    public void A_flow_event_has_a_verdict_and_no_message()
    {
        using var ms = new MemoryStream();
        using (var sink = new JsonlSink(ms))
        {
            sink.Begin(new RunInfo("replay", "t.yaml", "00", "ja"));
            sink.OnFlow(FlowEvent());
        }
        using var doc = JsonDocument.Parse(System.Text.Encoding.UTF8.GetString(ms.ToArray()).Split('\n')[0]);
        Assert.Equal("flow", doc.RootElement.GetProperty("event").GetString());
        Assert.Equal("allowed", doc.RootElement.GetProperty("verdict").GetString());
        Assert.False(doc.RootElement.TryGetProperty("message", out _));
        Assert.False(doc.RootElement.TryGetProperty("rule", out _));
    }
}
