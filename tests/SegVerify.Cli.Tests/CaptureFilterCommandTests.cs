using System.Text.Json;
using SegVerify.Core.Capture.Filter;
using SegVerify.Tests.Common;
using Xunit;
using static SegVerify.Cli.Tests.InProcessCli;

namespace SegVerify.Cli.Tests;

/// <summary>replay's capture filter: --bpf and the tcpdump-style expression after the captures.</summary>
public class CaptureFilterCommandTests
{
    private static string Cap => TestPaths.InRepo("captures", "sample-city.pcap");
    private static string Topo => TestPaths.InRepo("topologies", "sample-city.yaml");

    private static JsonElement Summary(string jsonl) =>
        JsonDocument.Parse(jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement.Clone();

    private static void RequireLibpcap()
    {
        if (!LibpcapFilterCompiler.Available) ExternalTools.Require(null, "libpcap is not installed: capture filters cannot be compiled");
    }

    [SkippableFact]
    public void A_trailing_expression_filters_like_tcpdump_and_the_summary_says_what_was_left_out()
    {
        RequireLibpcap();
        // sample-city's frames are VLAN-tagged: as in tcpdump, 'tcp port 445' alone matches none of them.
        var (exit, stdout, stderr) = Run("replay", Cap, "-t", Topo, "--format", "jsonl", "vlan", "and", "tcp", "port", "445");
        Assert.True(exit is 0 or 1, stderr);
        var filtered = Summary(stdout);
        var (_, all, _) = Run("replay", Cap, "-t", Topo, "--format", "jsonl");
        var unfiltered = Summary(all);
        Assert.False(unfiltered.TryGetProperty("filter", out _));
        Assert.False(unfiltered.TryGetProperty("filtered", out _));

        Assert.Equal("vlan and tcp port 445", filtered.GetProperty("filter").GetString());
        long packets = filtered.GetProperty("packets").GetInt64();
        long left = filtered.GetProperty("filtered").GetInt64();
        Assert.Equal(77, packets); // tcpdump -r sample-city.pcap 'vlan and tcp port 445' | wc -l
        Assert.Equal(unfiltered.GetProperty("packets").GetInt64(), packets + left);
        Assert.True(filtered.GetProperty("flows").GetInt64() < unfiltered.GetProperty("flows").GetInt64());
        // the flows left all have port 445
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var e = JsonDocument.Parse(line).RootElement;
            if (e.GetProperty("event").GetString() is "violation" or "warning" && e.TryGetProperty("dst_port", out var port))
                Assert.True(port.GetInt32() == 445 || e.GetProperty("src_port").GetInt32() == 445, line);
        }

        if (ExternalTools.Which("tcpdump") is { } tcpdump)
        {
            var (tx, tout, terr) = ExternalTools.Run(tcpdump, ["-n", "-r", Cap, "vlan and tcp port 445"]);
            Assert.True(tx == 0, terr);
            Assert.Equal(packets, tout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }

        // --bpf gives the same run
        var (bx, bout, _) = Run("replay", Cap, "-t", Topo, "--format", "jsonl", "--bpf", "vlan and tcp port 445");
        Assert.Equal(exit, bx);
        var viaOption = Summary(bout);
        Assert.Equal(packets, viaOption.GetProperty("packets").GetInt64());
        Assert.Equal(left, viaOption.GetProperty("filtered").GetInt64());
    }

    [SkippableFact]
    public void The_text_summary_names_the_filter_and_the_packets_left_out()
    {
        RequireLibpcap();
        var (_, en, _) = Run("replay", Cap, "-t", Topo, "--format", "text", "--lang", "en", "--bpf", "vlan and udp");
        Assert.Contains("filter: vlan and udp (648 packets did not match and were not analysed)", en);
        var (_, ja, _) = Run("replay", Cap, "-t", Topo, "--format", "text", "--lang", "ja", "--bpf", "vlan and udp");
        Assert.Contains("フィルタ: vlan and udp（一致しない 648 パケットは解析していません）", ja);
    }

    [SkippableFact]
    public void A_bad_expression_is_exit_2_with_libpcaps_message_and_no_output()
    {
        RequireLibpcap();
        var (exit, stdout, stderr) = Run("replay", Cap, "-t", Topo, "--format", "jsonl", "tcp", "prot", "445");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("segverify: bad filter expression 'tcp prot 445': ", stderr);
        Assert.Contains("syntax error", stderr);
        Assert.DoesNotContain("meant as a capture file", stderr); // 'tcp' is a filter word

        (exit, stdout, stderr) = Run("replay", Cap, "-t", Topo, "--lang", "ja", "--bpf", "port 99999");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("segverify: フィルタ式 'port 99999' が正しくありません: ", stderr);
        Assert.Contains("port 99999", stderr);

        // a word that is neither a file nor a filter word: both readings are named
        (exit, _, stderr) = Run("replay", Cap, "-t", Topo, "city-capture", "tcp");
        Assert.Equal(2, exit);
        Assert.Contains("bad filter expression 'city-capture tcp'", stderr);
        Assert.Contains("if 'city-capture' is meant as a capture file, it does not exist", stderr);
    }

    [Fact]
    public void A_missing_capture_is_told_apart_from_a_filter_word()
    {
        var (exit, stdout, stderr) = Run("replay", Cap, "missing/city.pcap", "-t", Topo, "tcp", "port", "445");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Equal("segverify: capture file or directory not found: missing/city.pcap", stderr.Trim());

        (exit, _, stderr) = Run("replay", "tcp", "port", "445", "-t", Topo, "--lang", "ja");
        Assert.Equal(2, exit);
        Assert.Contains("segverify: キャプチャファイルまたはディレクトリが見つかりません: tcp", stderr);
        Assert.Contains("キャプチャファイルを先に、フィルタ式をその後に書いてください", stderr);

        (exit, _, stderr) = Run("replay", "nothere.pcapng", "-t", Topo);
        Assert.Equal(2, exit);
        Assert.Contains("capture file or directory not found: nothere.pcapng", stderr);
    }

    [Fact]
    public void Both_kinds_of_filter_at_once_are_refused()
    {
        var (exit, stdout, stderr) = Run("replay", Cap, "-t", Topo, "--bpf", "udp", "tcp");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("give the filter either with --bpf or as the trailing expression, not both (--bpf 'udp' and 'tcp')", stderr);
    }

    [Theory]
    [InlineData("city.pcap", true)]
    [InlineData("CITY.PCAPNG", true)]
    [InlineData("dir/file", true)]
    [InlineData("x.cap.gz", true)]
    [InlineData("x.pcap.gz", true)]
    [InlineData("10.0.0.0/8", false)]
    [InlineData("2001:db8::/32", false)]
    [InlineData("ip[2:2]/4", false)]
    [InlineData("tcp", false)]
    [InlineData("10.1.2.3", false)]
    public void Which_missing_words_read_as_capture_paths(string word, bool path) =>
        Assert.Equal(path, SegVerify.Cli.Commands.CaptureFilterArgs.LooksLikeCapturePath(word));

    [Fact]
    public void Version_prints_the_tool_version_of_the_reports()
    {
        var (exit, stdout, stderr) = Run("--version");
        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
        Assert.Equal(SegVerify.Core.Output.ToolInfo.Version, stdout.Trim());
        Assert.Matches(@"^\d+\.\d+\.\d+", stdout);
    }
}
