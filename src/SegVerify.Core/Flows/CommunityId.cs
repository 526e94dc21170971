using System.Buffers.Binary;
using System.Security.Cryptography;
using SegVerify.Core.Net;

namespace SegVerify.Core.Flows;

/// <summary>
/// Community ID v1 (seed 0 by default), as Zeek and Suricata write it: "1:" + base64(SHA-1(seed, saddr, daddr,
/// proto, 0, sport, dport)) with the endpoints ordered, ICMP types mapped to ports (see <see cref="IcmpPairs"/>).
/// Computed once per reported flow.
/// </summary>
public static class CommunityId
{
    /// <summary>
    /// The id of a flow, from its key alone (<see cref="FlowKeys"/> builds keys so that this is the id of every packet
    /// of the flow, whichever side sent it). <paramref name="noPorts"/>: the flow's packets carried no transport header
    /// to take ports from (a TCP/UDP/SCTP header under 4 bytes, an ICMP header under 4 bytes): the id is then computed
    /// over addresses and protocol only, as the specification's reference implementation does for a transport header
    /// it cannot parse.
    /// </summary>
    public static string ForFlow(in FlowKey k, bool noPorts)
    {
        if (noPorts) return ForAddresses(k.A, k.B, k.Proto);
        if (k.Proto is IpProto.Icmp or IpProto.IcmpV6)
            return ComputeIcmp(k.A, k.B, k.Proto, (byte)k.PortA, (byte)k.PortB); // a one-way key has A = the sender
        return Hash(k.A, k.B, k.Proto, k.PortA, k.PortB, IpProto.HasPorts(k.Proto), oneWay: false);
    }

    /// <summary>The id over addresses and protocol only (protocols without ports, or a packet without its transport header).</summary>
    public static string ForAddresses(IpAddr src, IpAddr dst, byte proto) => Hash(src, dst, proto, 0, 0, hasPorts: false, oneWay: false);

    /// <summary>
    /// The id of an ICMP or ICMPv6 message of <paramref name="type"/> and <paramref name="code"/> sent from
    /// <paramref name="src"/>: a type with a counterpart (<see cref="IcmpPairs"/>) hashes (type, counterpart) with the
    /// endpoints ordered; any other type hashes (type, code) from the sender's side, unordered.
    /// </summary>
    public static string ComputeIcmp(IpAddr src, IpAddr dst, byte proto, byte type, byte code, ushort seed = 0) =>
        IcmpPairs.TryCounterpart(proto, type, out var counter)
            ? Hash(src, dst, proto, type, counter, hasPorts: true, oneWay: false, seed)
            : Hash(src, dst, proto, type, code, hasPorts: true, oneWay: true, seed);

    /// <summary>
    /// Computes the ID. For ICMP/ICMPv6 pass the type in <paramref name="sport"/> and the code in
    /// <paramref name="dport"/> (as <see cref="ComputeIcmp"/>); for protocols without ports pass 0 and set
    /// <paramref name="hasPorts"/> false.
    /// </summary>
    public static string Compute(IpAddr src, IpAddr dst, byte proto, ushort sport, ushort dport, bool hasPorts, ushort seed = 0)
    {
        if (proto is IpProto.Icmp or IpProto.IcmpV6) return ComputeIcmp(src, dst, proto, (byte)sport, (byte)dport, seed);
        return Hash(src, dst, proto, sport, dport, hasPorts, oneWay: false, seed);
    }

    private static string Hash(IpAddr src, IpAddr dst, byte proto, ushort sport, ushort dport, bool hasPorts, bool oneWay, ushort seed = 0)
    {
        if (!oneWay && (src > dst || (src == dst && hasPorts && sport > dport)))
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
