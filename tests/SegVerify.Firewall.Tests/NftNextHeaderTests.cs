using SegVerify.Firewall.Dialects.Nftables;
using Xunit;

namespace SegVerify.Firewall.Tests;

/// <summary>
/// <c>ip6 nexthdr</c> and IPv6 extension headers (NftNextHeader.cs; the kernel side is KernelNextHeaderTests): exact
/// where a packet with extension headers cannot slip past the rule, else warned and approximated.
/// </summary>
public class NftNextHeaderTests
{
    [Theory]
    [InlineData("ip6 nexthdr tcp accept", false)]
    [InlineData("ip6 nexthdr { tcp, udp } jump c2", false)]
    [InlineData("ip6 nexthdr != tcp drop", false)]
    [InlineData("meta l4proto tcp drop", false)]
    [InlineData("meta l4proto != tcp accept", false)]
    [InlineData("ip6 nexthdr tcp drop", true)]           // TCP behind a hop-by-hop header is not dropped
    [InlineData("ip6 nexthdr tcp reject", true)]
    [InlineData("ip6 nexthdr != tcp accept", true)]      // ... and is accepted
    [InlineData("ip6 nexthdr 0 accept", true)]           // any transport behind a hop-by-hop header
    [InlineData("ip6 nexthdr vmap { tcp : drop, udp : accept }", true)]
    [InlineData("ip6 nexthdr tcp tcp dport vmap { 22 : drop, 80 : accept }", true)]
    public void Ip6NexthdrIsExactOnlyWhereExtensionHeadersCannotSlipPast(string rule, bool warned)
    {
        var rs = NftParser.Parse("t.nft", $"table ip6 f {{\n chain c2 {{\n }}\n chain forward {{\n  type filter hook forward priority 0; policy accept;\n  {rule}\n }}\n}}\n");
        if (warned)
        {
            Assert.NotEmpty(rs.Warnings);
            Assert.All(rs.Warnings, w => Assert.Equal((6, 3), (w.Pos.Line, w.Pos.Column)));
            Assert.All(rs.Warnings, w => Assert.Contains("meta l4proto", w.Message));
            Assert.Contains(rs.AllLines, l => l.HasUnknown);
        }
        else
        {
            Assert.Empty(rs.Warnings);
            Assert.DoesNotContain(rs.AllLines, l => l.HasUnknown);
        }
    }
}
