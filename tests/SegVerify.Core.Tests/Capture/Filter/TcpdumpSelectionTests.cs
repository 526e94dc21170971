using SegVerify.Core.Capture;
using SegVerify.Core.Capture.Filter;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Core.Tests.Capture.Filter;

/// <summary>
/// The filter selects exactly the packets tcpdump selects: for each capture and expression, the records that pass
/// <see cref="CaptureFilter"/> are compared, one by one (time to the microsecond, wire length, bytes), with what
/// <c>tcpdump -r CAPTURE -w OUT EXPRESSION</c> writes; where tcpdump refuses the expression for the capture's link
/// type, so must the filter.
/// </summary>
public class TcpdumpSelectionTests(ITestOutputHelper output)
{
    /// <summary>Readable captures of one link type each, chosen for VLAN, QinQ, IPv6, fragments, tunnels, SLL, raw IP.</summary>
    private static readonly string[] SharedCaptures =
    [
        "tcpdump/802.1ad_QinQ.pcap",
        "zeek/http-qinq-0.pcap",
        "zeek/http-vlan-0.pcap",
        "suricata-verify/eve-flow-vlan-02/input.pcap",
        "suricata-verify/defrag/bug-6887-defrag-eth-vlan-ipv6-tcp/frag-eth-vlan-ipv6-tcp.pcap",
        "zeek/ipv6-fragmented-dns.pcap",
        "zeek/ipv4/fragmented-4.pcap",
        "zeek/icmp/icmp6-ping.pcap",
        "zeek/communityid/icmp.pcap",
        "libpcap/filter/gateway_or_not.pcap",
        "libpcap/filter/pppoes.pcap",
        "suricata-verify/decode-too-small/test.pcap",
        "suricata-verify/decode-sll2-02/input.pcap",
        "suricata-verify/linktype-228/flow-test-01.pcap",
        "suricata-verify/ipv6-evasion/ipv6-malformed-fragments-26/frag-26.pcap",
        "tcpdump/pptp.pcap",
        "tcpdump/tcp-handshake-nano.pcap",
        "tcpdump/LINKTYPE_RAW_ipv4.pcap",
        "tcpdump/LINKTYPE_RAW_ipv6.pcap",
        "tcpdump/icmpv6-RFC2894-RR.pcap",
        "tcpdump/bigtcp-ipv6-hbh.pcap",
        "tcpreplay/test_fragroute.pcap",
        "pcapng-test-generator/output_be/basic/test010.pcapng",
        "suricata-verify/dhcp-request-flood/test.pcap",
    ];

    private static readonly string[] Expressions =
    [
        "vlan",
        "vlan and tcp",
        "ip6",
        "tcp port 80",
        "tcp port 445",
        "udp port 53 or udp port 67",
        "net 10.0.0.0/8",
        "net 192.168.0.0/16 and not port 80",
        "portrange 1-1023",
        "ip[9]=17",
        "ip[6:2] & 0x3fff != 0",
        "tcp[tcpflags] & tcp-syn != 0",
        "ether host ff:ff:ff:ff:ff:ff",
        "ether broadcast or ether multicast",
        "not arp",
        "not ip",
        "icmp or icmp6",
        "ip6 proto 58",
        "greater 200",
        "less 100",
        "pppoes",
        "mpls",
        "host 10.0.0.1 or host 192.168.1.1 or host 2001:db8::1",
    ];

    private sealed record Selected(long TsMicros, int WireLength, string Bytes);

    [SkippableFact]
    public void Every_expression_selects_what_tcpdump_selects_on_every_capture()
    {
        var shared = TestPaths.RequireShared();
        var tcpdump = ExternalTools.Require(ExternalTools.Which("tcpdump"), "tcpdump is not installed (apt-get install tcpdump): the filter is compared with tcpdump's selection");
        if (!LibpcapFilterCompiler.Available) ExternalTools.Require(null, "libpcap is not installed: filters cannot be compiled");

        var captures = SharedCaptures.Select(c => Path.Combine(shared, "captures", c)).Where(File.Exists).ToList();
        captures.Add(Path.Combine(TestPaths.RepoRoot, "captures", "sample-city.pcap"));
        Assert.True(captures.Count >= 20, "shared captures missing");

        var tmp = Directory.CreateTempSubdirectory("segverify-bpf-");
        try
        {
            int compared = 0, refused = 0, selected = 0;
            foreach (var cap in captures)
                foreach (var expr in Expressions)
                {
                    var outFile = Path.Combine(tmp.FullName, "out.pcap");
                    File.Delete(outFile);
                    var (exit, _, err) = ExternalTools.Run(tcpdump, ["-n", "-r", cap, "-w", outFile, expr]);
                    var ours = TrySelect(cap, expr, out var refusal);
                    if (exit != 0)
                    {
                        Assert.True(ours is null, $"{cap}: tcpdump refused '{expr}' ({err.Trim()}) but the filter accepted it");
                        refused++;
                        continue;
                    }
                    Assert.True(ours is not null, $"{cap}: tcpdump accepted '{expr}' but the filter refused it: {refusal}");
                    var theirs = ReadAll(outFile);
                    Assert.True(theirs.Count == ours!.Count, $"{cap} '{expr}': tcpdump selected {theirs.Count}, the filter {ours.Count}");
                    Assert.Equal(theirs, ours);
                    compared++;
                    selected += ours.Count;
                }
            output.WriteLine($"{captures.Count} captures x {Expressions.Length} expressions: {compared} selections equal to tcpdump's ({selected} packets selected), {refused} refused by both");
            Assert.True(selected > 1000, "the comparison selected too few packets to mean anything");
            Assert.True(refused > 0, "no expression was refused for a link type (ether on raw IP must be)");
        }
        finally
        {
            tmp.Delete(recursive: true);
        }
    }

    /// <summary>The records of <paramref name="cap"/> that pass the filter; null when the filter refuses the capture.</summary>
    private static List<Selected>? TrySelect(string cap, string expr, out string? refusal)
    {
        refusal = null;
        try
        {
            var filter = CaptureFilter.Create(expr);
            using var r = CaptureOpener.Open(cap);
            var list = new List<Selected>();
            while (r.TryRead(out var rec))
                if (filter.Matches(in rec)) list.Add(Of(in rec));
            return list;
        }
        catch (CaptureFilterException ex)
        {
            refusal = ex.Detail;
            return null;
        }
    }

    private static List<Selected> ReadAll(string file)
    {
        using var r = CaptureOpener.Open(file);
        var list = new List<Selected>();
        while (r.TryRead(out var rec)) list.Add(Of(in rec));
        return list;
    }

    private static Selected Of(in CaptureRecord rec) =>
        new(rec.TimestampNs / 1000, rec.OriginalLength, Convert.ToHexString(rec.Data));
}
