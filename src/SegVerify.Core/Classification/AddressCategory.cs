using SegVerify.Core.Net;

namespace SegVerify.Core.Classification;

/// <summary>What an address is, before or beside the topology's segments (format v1, "Classifying an address").</summary>
public enum AddressCategory : byte
{
    /// <summary>In a declared segment: <see cref="Classification.Zone"/> is set.</summary>
    Segment = 0,
    /// <summary>A global address that no segment covers: the implicit zone <c>external</c>.</summary>
    External = 1,
    /// <summary>Private (RFC 1918), shared (100.64/10) or unique-local (fc00::/7) and in no segment.</summary>
    Unclassified = 2,
    /// <summary>Link-local, loopback, unspecified, multicast or broadcast: never crosses a zone.</summary>
    Special = 3,
}

public static class AddressRanges
{
    private static readonly uint V4Link = 0xA9FE0000;          // 169.254.0.0/16
    private static readonly uint V4Loop = 0x7F000000;          // 127.0.0.0/8
    private static readonly uint V4Zero = 0x00000000;          // 0.0.0.0/8 ("this network")
    private static readonly uint V4Multicast = 0xE0000000;     // 224.0.0.0/4
    private static readonly uint V4Broadcast = 0xFFFFFFFF;

    /// <summary>Link-local, loopback, unspecified, multicast or limited broadcast (either direction).</summary>
    public static bool IsSpecial(IpAddr a)
    {
        if (a.IsV4)
        {
            uint v = a.V4;
            return (v & 0xFFFF0000) == V4Link || (v & 0xFF000000) == V4Loop || (v & 0xFF000000) == V4Zero
                   || (v & 0xF0000000) == V4Multicast || v == V4Broadcast;
        }
        if (a.Hi == 0 && (a.Lo == 0 || a.Lo == 1)) return true;          // :: and ::1
        if ((a.Hi & 0xFFC0_0000_0000_0000UL) == 0xFE80_0000_0000_0000UL) return true; // fe80::/10
        if ((a.Hi & 0xFF00_0000_0000_0000UL) == 0xFF00_0000_0000_0000UL) return true; // ff00::/8
        return false;
    }

    /// <summary>RFC 1918, 100.64.0.0/10, fc00::/7: private ranges that must be declared in a segment.</summary>
    public static bool IsPrivate(IpAddr a)
    {
        if (a.IsV4)
        {
            uint v = a.V4;
            return (v & 0xFF000000) == 0x0A000000          // 10/8
                   || (v & 0xFFF00000) == 0xAC100000       // 172.16/12
                   || (v & 0xFFFF0000) == 0xC0A80000       // 192.168/16
                   || (v & 0xFFC00000) == 0x64400000;      // 100.64/10
        }
        return (a.Hi & 0xFE00_0000_0000_0000UL) == 0xFC00_0000_0000_0000UL; // fc00::/7
    }
}
