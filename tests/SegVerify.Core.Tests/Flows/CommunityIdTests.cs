using SegVerify.Core.Flows;
using SegVerify.Core.Net;
using Xunit;

namespace SegVerify.Core.Tests.Flows;

/// <summary>Vectors from Zeek's bifs.community_id baseline (the values Zeek and Suricata write).</summary>
public class CommunityIdTests
{
    [Theory]
    [InlineData("128.232.110.120", 34855, "66.35.250.204", 80, 6, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")]
    [InlineData("192.168.1.52", 54585, "8.8.8.8", 53, 17, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=")]
    [InlineData("2001:470:e5bf:dead:4957:2174:e82c:4887", 63943, "2607:f8b0:400c:c03::1a", 25, 6, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=")]
    public void PortProtocols(string src, int sport, string dst, int dport, int proto, string expected)
    {
        Assert.Equal(expected, CommunityId.Compute(IpAddr.Parse(src), IpAddr.Parse(dst), (byte)proto, (ushort)sport, (ushort)dport, true));
        // the same flow seen from the other side has the same id
        Assert.Equal(expected, CommunityId.Compute(IpAddr.Parse(dst), IpAddr.Parse(src), (byte)proto, (ushort)dport, (ushort)sport, true));
    }

    [Theory]
    [InlineData("192.168.0.89", "192.168.0.1", 1, 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=")]
    [InlineData("3ffe:501:0:1802:260:97ff:feb6:7ff0", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 3, 0, "1:bnQKq8A2r//dWnkRW2EYcMhShjc=")]
    [InlineData("3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0=")]
    [InlineData("3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 58, 128, 0, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=")]
    [InlineData("3ffe:507:0:1:200:86ff:fe05:80da", "ff02::1:ff07:69ea", 58, 135, 0, "1:MEixa66kuz0OMvlQqnAIzP3n2xg=")]
    [InlineData("fe80::260:97ff:fe07:69ea", "ff02::1", 58, 134, 0, "1:pkvHqCL88/tg1k4cPigmZXUtL00=")]
    public void Icmp(string src, string dst, int proto, int type, int code, string expected) =>
        Assert.Equal(expected, CommunityId.Compute(IpAddr.Parse(src), IpAddr.Parse(dst), (byte)proto, (ushort)type, (ushort)code, false));
}
