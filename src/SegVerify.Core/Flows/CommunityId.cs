using System.Buffers.Binary;
using System.Security.Cryptography;
using SegVerify.Core.Net;

namespace SegVerify.Core.Flows;

/// <summary>
/// Community ID v1 (seed 0 by default), as Zeek and Suricata write it: "1:" + base64(SHA-1(seed, saddr, daddr,
/// proto, 0, sport, dport)) with the endpoints ordered, ICMP types mapped to ports. Computed once per reported flow.
/// </summary>
public static class CommunityId
{
    private static readonly Dictionary<byte, byte> Icmp4Counterpart = new()
    {
        [8] = 0, [0] = 8, [13] = 14, [14] = 13, [15] = 16, [16] = 15, [10] = 9, [9] = 10, [17] = 18, [18] = 17,
    };

    private static readonly Dictionary<byte, byte> Icmp6Counterpart = new()
    {
        [128] = 129, [129] = 128, [133] = 134, [134] = 133, [135] = 136, [136] = 135, [130] = 131, [131] = 130,
        [144] = 145, [145] = 144,
    };

    /// <summary>
    /// Computes the ID. For ICMP/ICMPv6 pass the type in <paramref name="sport"/> and the code in
    /// <paramref name="dport"/>; for protocols without ports pass 0 and set <paramref name="hasPorts"/> false.
    /// </summary>
    public static string Compute(IpAddr src, IpAddr dst, byte proto, ushort sport, ushort dport, bool hasPorts, ushort seed = 0)
    {
        bool oneWay = false;
        if (proto == IpProto.Icmp || proto == IpProto.IcmpV6)
        {
            var map = proto == IpProto.Icmp ? Icmp4Counterpart : Icmp6Counterpart;
            byte type = (byte)sport, code = (byte)dport;
            if (map.TryGetValue(type, out var counter)) { sport = type; dport = counter; }
            else { sport = type; dport = code; oneWay = true; }
            hasPorts = true;
        }

        if (!oneWay && (src > dst || (src == dst && sport > dport)))
        {
            (src, dst) = (dst, src);
            (sport, dport) = (dport, sport);
        }

        bool v4 = src.IsV4;
        Span<byte> buf = stackalloc byte[2 + 16 + 16 + 2 + 4];
        int n = 0;
        BinaryPrimitives.WriteUInt16BigEndian(buf, seed); n += 2;
        n += WriteAddr(buf.Slice(n), src, v4);
        n += WriteAddr(buf.Slice(n), dst, v4);
        buf[n++] = proto;
        buf[n++] = 0;
        if (hasPorts)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buf.Slice(n), sport); n += 2;
            BinaryPrimitives.WriteUInt16BigEndian(buf.Slice(n), dport); n += 2;
        }
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(buf.Slice(0, n), hash);
        return "1:" + Convert.ToBase64String(hash);
    }

    private static int WriteAddr(Span<byte> dst, IpAddr a, bool v4)
    {
        if (v4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(dst, a.V4);
            return 4;
        }
        BinaryPrimitives.WriteUInt64BigEndian(dst, a.Hi);
        BinaryPrimitives.WriteUInt64BigEndian(dst.Slice(8), a.Lo);
        return 16;
    }
}
