using SegVerify.Core.Net;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Dialects.Nftables;
using SegVerify.Firewall.Model;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Firewall.Tests.Kernel;

/// <summary>
/// What <c>ip6 nexthdr</c> means to the kernel when an extension header follows the IPv6 header (it reads the header's
/// own next-header field, so a TCP packet behind a hop-by-hop header is not "ip6 nexthdr tcp"; <c>meta l4proto</c>
/// skips the extension headers): the premise of NftNextHeader.cs, checked on the kernel with hand-built frames, and
/// the analysis' answer for the same rules (a dropping <c>ip6 nexthdr</c> rule is never taken to surely drop).
/// Needs root, ip and nft; skipped otherwise.
/// </summary>
[Collection("kernel")]
public class KernelNextHeaderTests(ITestOutputHelper output)
{
    private const string Ruleset = """
        table ip6 f {
            chain forward {
                type filter hook forward priority filter; policy accept;
                ip6 nexthdr tcp ip6 daddr fd00:20::/64 drop
                meta l4proto tcp ip6 daddr 2001:db8:30::/64 drop
            }
        }

        """;

    [SkippableFact]
    public void ExtensionHeadersEscapeIp6NexthdrButNotMetaL4proto()
    {
        var why = KernelLab.Missing();
        if (why is not null) { Console.WriteLine("SKIP kernel differential: " + why); Skip.If(true, "kernel differential test skipped: " + why); }
        var rs = NftParser.Parse("nexthdr.nft", Ruleset);
        var w = Assert.Single(rs.Warnings);
        Assert.Equal(4, w.Pos.Line);
        ProbePacket Syn(string dst, int outIf) =>
            new(IpProto.Tcp, IpAddr.Parse("fd00:10::5"), 40000, IpAddr.Parse(dst), 22, "eth0", $"eth{outIf}", null, ConnStates.New, TcpFlags: TcpFlagBits.Syn);
        var probes = new List<ProbePacket> { Syn("fd00:20::5", 1), Syn("2001:db8:30::5", 2) };
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, Ruleset);
            HashSet<int> plain, withHbh;
            using (var lab = new KernelLab($"{Environment.ProcessId % 1000:D3}71"))
            {
                lab.Load(file, nft: true);
                lab.Send(probes);
                plain = lab.Forwarded();
            }
            using (var lab = new KernelLab($"{Environment.ProcessId % 1000:D3}72"))
            {
                lab.Load(file, nft: true);
                lab.Send(probes, hopByHop: true);
                withHbh = lab.Forwarded();
            }
            output.WriteLine($"forwarded without extension header: [{string.Join(",", plain)}], behind a hop-by-hop header: [{string.Join(",", withHbh)}]");
            // Without extension headers both rules drop; behind a hop-by-hop header only meta l4proto does.
            Assert.Empty(plain);
            Assert.Equal([1], withHbh);
        }
        finally { File.Delete(file); }
        // The analysis: the meta l4proto rule surely drops; the ip6 nexthdr rule possibly does not (it lets the
        // packet through, approximately), so nothing it might let through is missed.
        var t1 = ConcreteTracer.Trace(rs, probes[0]);
        Assert.Equal((Verdict.Accept, true), (t1.Verdict, t1.Approximate));
        var t2 = ConcreteTracer.Trace(rs, probes[1]);
        Assert.Equal((Verdict.Drop, false), (t2.Verdict, t2.Approximate));
    }
}
