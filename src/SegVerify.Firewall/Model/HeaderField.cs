using SegVerify.Core.Net;

namespace SegVerify.Firewall.Model;

/// <summary>
/// The packet header fields an ACL line can match on. Every value is an unsigned number; <see cref="MatchField"/>
/// holds the set of values a field must take as an <see cref="IntervalSet"/>. Encodings:
/// addresses are 128-bit, IPv4 as IPv4-mapped IPv6 (<c>::ffff:a.b.c.d</c>, see <see cref="FieldDomains.V4"/>);
/// MACs are 48-bit; <see cref="ConnState"/> takes one of <see cref="ConnStates"/>; <see cref="TcpFlags"/> is the
/// 8-bit flags byte of the TCP header (FIN=0x01 ... CWR=0x80); ports of a protocol without ports are 0;
/// <see cref="DstNat"/> is 0 for a packet destination NAT did not translate.
/// </summary>
public enum HeaderField : byte
{
    SrcIp,
    DstIp,
    Protocol,
    SrcPort,
    DstPort,
    SrcMac,
    ConnState,
    IcmpType,
    IcmpCode,
    TcpFlags,
    /// <summary>
    /// Whether destination NAT rewrote the packet: 0 when not, else the <see cref="NatTranslation.Tag"/> of the
    /// translation that did (netfilter's <c>ctstate DNAT</c>; FortiOS policies that name a virtual IP).
    /// </summary>
    DstNat,
}

/// <summary>Address families a piece of configuration applies to.</summary>
public enum Family : byte { V4, V6, Both }

/// <summary>Connection-tracking states as values of <see cref="HeaderField.ConnState"/> (a packet has exactly one).</summary>
public static class ConnStates
{
    public const int New = 0;
    public const int Established = 1;
    public const int Related = 2;
    public const int Invalid = 3;
    public const int Untracked = 4;
    public const int Max = 4;

    public static readonly string[] Names = ["new", "established", "related", "invalid", "untracked"];

    public static int Parse(string s) => s.ToLowerInvariant() switch
    {
        "new" => New,
        "established" => Established,
        "related" => Related,
        "invalid" => Invalid,
        "untracked" => Untracked,
        _ => -1,
    };
}

/// <summary>TCP header flag bits (values of <see cref="HeaderField.TcpFlags"/> are combinations of these).</summary>
public static class TcpFlagBits
{
    public const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10, Urg = 0x20, Ece = 0x40, Cwr = 0x80;

    public static bool TryParse(string s, out byte bit)
    {
        bit = s.ToLowerInvariant() switch
        {
            "fin" => Fin, "syn" => Syn, "rst" => Rst, "psh" => Psh, "ack" => Ack, "urg" => Urg, "ece" => Ece, "cwr" => Cwr,
            _ => (byte)0,
        };
        return bit != 0;
    }

    /// <summary>Every flags byte v with (v &amp; mask) == value, as a set.</summary>
    public static IntervalSet Masked(byte mask, byte value)
    {
        var ranges = new List<(UInt128, UInt128)>();
        for (int v = 0; v < 256; v++) if ((v & mask) == (value & mask)) ranges.Add(((UInt128)v, (UInt128)v));
        return IntervalSet.FromRanges(ranges);
    }
}

/// <summary>The domain of each field and the conversions between addresses and field values.</summary>
public static class FieldDomains
{
    public const ulong MacMax = 0xFFFF_FFFF_FFFFUL;

    /// <summary>Largest value of each field, indexed by <see cref="HeaderField"/>.</summary>
    public static readonly UInt128[] Max = [UInt128.MaxValue, UInt128.MaxValue, 255, 65535, 65535, MacMax, ConnStates.Max, 255, 255, 255, DstNatTagMax];

    /// <summary>Largest <see cref="NatTranslation.Tag"/>.</summary>
    public const int DstNatTagMax = 65535;

    public static readonly IntervalSet[] Full = Max.Select(m => IntervalSet.Range(0, m)).ToArray();

    public static IntervalSet All(HeaderField f) => Full[(int)f];

    /// <summary>IPv4 addresses (IPv4-mapped, ::ffff:0:0/96).</summary>
    public static readonly IntervalSet V4 = IntervalSet.Range(ToU(IpAddr.FromV4(0)), ToU(IpAddr.FromV4(uint.MaxValue)));

    /// <summary>Every address that is not IPv4-mapped: the IPv6 family.</summary>
    public static readonly IntervalSet V6 = Full[(int)HeaderField.SrcIp].Subtract(V4);

    /// <summary>The addresses of a family.</summary>
    public static IntervalSet Addresses(Family f) => f switch
    {
        Family.V4 => V4,
        Family.V6 => V6,
        _ => Full[(int)HeaderField.SrcIp],
    };

    /// <summary>Protocols whose packets carry ports (<see cref="IpProto.Ported"/>).</summary>
    public static readonly IntervalSet PortedProtocols = IntervalSet.FromRanges(IpProto.Ported.Select(p => ((UInt128)p, (UInt128)p)));

    /// <summary>ICMP and ICMPv6: the protocols whose packets carry a type and a code.</summary>
    public static readonly IntervalSet IcmpProtocols = IntervalSet.FromRanges([(1, 1), (58, 58)]);

    public static UInt128 ToU(IpAddr a) => ((UInt128)a.Hi << 64) | a.Lo;
    public static IpAddr ToIp(UInt128 v) => new((ulong)(v >> 64), (ulong)v);
    public static IntervalSet Cidr(Cidr c) => IntervalSet.Range(ToU(c.Network), ToU(c.Last));
    public static IntervalSet Complement(HeaderField f, IntervalSet s) => Full[(int)f].Subtract(s);
}
