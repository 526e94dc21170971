using SegVerify.Core.Net;

namespace SegVerify.Core.Topology;

/// <summary>
/// Which address blocks are not global unicast (RFC 1918, shared, unique-local, link-local, loopback, multicast,
/// unspecified, reserved). Used by the loader to decide whether a host or a <c>{cidr: ...}</c> endpoint outside every
/// segment would be classified into the implicit <c>external</c> zone.
/// </summary>
internal static class AddressScope
{
    private static readonly Cidr[] NonGlobal =
    [
        Cidr.Parse("0.0.0.0/8"), Cidr.Parse("10.0.0.0/8"), Cidr.Parse("100.64.0.0/10"), Cidr.Parse("127.0.0.0/8"),
        Cidr.Parse("169.254.0.0/16"), Cidr.Parse("172.16.0.0/12"), Cidr.Parse("192.168.0.0/16"),
        Cidr.Parse("224.0.0.0/4"), Cidr.Parse("240.0.0.0/4"),
        Cidr.Parse("::/128"), Cidr.Parse("::1/128"), Cidr.Parse("fc00::/7"), Cidr.Parse("fe80::/10"), Cidr.Parse("ff00::/8"),
    ];

    /// <summary>True when the address is global unicast (would fall into <c>external</c> when no segment covers it).</summary>
    public static bool IsGlobal(IpAddr a)
    {
        foreach (var b in NonGlobal)
            if (b.Contains(a)) return false;
        return true;
    }

    /// <summary>True when the whole prefix lies inside one non-global block.</summary>
    public static bool IsEntirelyNonGlobal(Cidr c)
    {
        foreach (var b in NonGlobal)
            if (b.IsV4 == c.IsV4 && b.PrefixLength <= c.PrefixLength && b.Contains(c.Network)) return true;
        return false;
    }

    /// <summary>True when <paramref name="outer"/> contains every address of <paramref name="inner"/>.</summary>
    public static bool Covers(Cidr outer, Cidr inner) =>
        outer.IsV4 == inner.IsV4 && outer.PrefixLength <= inner.PrefixLength && outer.Contains(inner.Network);
}
