using SegVerify.Core.Output;
using Xunit;
using static SegVerify.Core.Tests.Output.SinkFixtures;

namespace SegVerify.Core.Tests.Output;

public class TextSinkTests
{
    [Fact]
    public void Writes_one_line_per_finding_then_the_summary_in_english()
    {
        var findings = new OutputEvent[] { MnInternet(), MacBinding(), VlanMismatch(), FlowEvent() };
        var text = Run(w => new TextSink(w, "en"), findings);
        var lines = text.Split('\n');
        Assert.Equal("[violation] mynumber-internet 2026-04-01T09:00:00.000250Z udp 10.10.1.11:40007 (mn-office) -> 1.1.1.1:53 (external): My Number tier talked to the Internet: 10.10.1.11 (mn-office) -> 1.1.1.1 (external) udp/53. Block it at the boundary and inspect the host.", lines[0]);
        Assert.Equal("[violation] mac-binding 2026-04-01T09:00:00.001500Z tcp 10.10.0.5:40050 02:66:66:66:66:05 (mn-office) -> 192.0.2.10:443 (j-lis) vlan 110: 10.10.0.5 sent from MAC 02:66:66:66:66:05, not its registered MAC (spoofing or a swapped device). Check the device; if legitimate, update its mac in the topology.", lines[1]);
        Assert.Equal("[warning] vlan-mismatch 2026-04-01T09:00:00.002000Z tcp 10.20.1.11:40100 02:20:00:01:00:11 (lg-office) -> 10.20.0.60:445 (lg-office) vlan 130: 10.20.1.11 was seen on VLAN 130, but its segment is declared on another VLAN. Check the switch port configuration.", lines[2]);
        var summary = string.Join("\n", lines.Skip(3));
        Assert.Equal("""
Summary:
  1234 packets, 567890 bytes, 42 flows, 2 violations, 1 warnings, 0.250 s
Findings by rule:
  mac-binding        1
  mynumber-internet  1
  vlan-mismatch      1
Undecoded frames by reason:
  truncated  2
Flows between zones (rows: initiator zone, columns: responder zone, * = violation seen):
  from \ to    mn-office  lg-office  inet-office  j-lis  external
  mn-office           12          .            .     3*        1*
  lg-office            .          .           25      1         .
  inet-office          .          .            .      .         .
  j-lis                .          .            .      .         .
  external             .          .            .      .         .
Evidence:
  captures/sample-city.pcap  sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
  topology  sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa

""", summary);
        Assert.DoesNotContain("\u001b[", text);
    }

    [Fact]
    public void Japanese_headings_pad_by_display_width()
    {
        var findings = new[] { MnInternet() };
        var text = Run(w => new TextSink(w, "ja"), findings);
        Assert.StartsWith("[違反] mynumber-internet ", text);
        Assert.Contains("集計:\n  パケット 1234、バイト 567890、フロー 42、違反 1、警告 0、所要 0.250 秒\n", text);
        Assert.Contains("ルール別の検出数:\n  mynumber-internet  1\n", text);
        // "起点 \ 応答" is 11 columns wide; zone names are padded to it
        Assert.Contains("\n  起点 \\ 応答  mn-office  lg-office  inet-office  j-lis  external\n  mn-office           12", text);
    }

    [Fact]
    public void Colour_only_when_asked_and_each_line_is_flushed_at_once()
    {
        var sw = new FlushCountingWriter();
        using var sink = new TextSink(sw, "en", color: true);
        sink.Begin(Info());
        sink.OnFinding(MnInternet());
        Assert.Equal(1, sw.Flushes);
        Assert.StartsWith("\u001b[31m[violation]\u001b[0m mynumber-internet", sw.ToString());
        sink.OnFinding(VlanMismatch());
        Assert.Equal(2, sw.Flushes);
        Assert.Contains("\u001b[33m[warning]\u001b[0m vlan-mismatch", sw.ToString());
    }

    [Fact]
    public void Check_firewall_findings_name_the_config_rule()
    {
        var text = Run(w => new TextSink(w, "en"), [Firewall()], Info("check-firewall"));
        Assert.StartsWith("[violation] mynumber-isolation tcp 10.10.0.1:1024 (mn-office) -> 10.20.0.1:445 (lg-office): the ruleset accepts forbidden NEW connections from mn-office (eth0) to lg-office (eth1): tcp 10.10.0.0/16 -> 10.20.0.0/16 dport 445 (fw/rules.v4:12:1) [fw/rules.v4:12:1]\n", text);
    }

    [Theory]
    [InlineData("abc", 3)]
    [InlineData("マイナンバー", 12)]
    [InlineData("ｶﾅ", 2)]
    [InlineData("ＡＢ", 4)]
    [InlineData("本庁舎-lg", 9)]
    public void Display_width_counts_wide_characters_twice(string s, int width) =>
        Assert.Equal(width, FindingFormat.DisplayWidth(s));

    [Fact]
    public void Timestamps_keep_the_capture_resolution()
    {
        Assert.Equal("2026-04-01T09:00:00.000250Z", FindingFormat.Timestamp(T0 + 250_123, false));
        Assert.Equal("2026-04-01T09:00:00.000250123Z", FindingFormat.Timestamp(T0 + 250_123, true));
    }

    private sealed class FlushCountingWriter : StringWriter
    {
        public int Flushes;
        public FlushCountingWriter() { NewLine = "\n"; }
        public override void Flush() { Flushes++; base.Flush(); }
    }
}
