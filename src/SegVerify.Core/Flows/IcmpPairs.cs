using System.Runtime.CompilerServices;
using SegVerify.Core.Net;

namespace SegVerify.Core.Flows;

/// <summary>
/// The ICMP and ICMPv6 message types that come in request/reply (or solicitation/advertisement) pairs, as Community ID
/// v1 and Zeek pair them: each maps to its counterpart, and both messages of a pair belong to one flow. Every other
/// type is one-way: its flow is keyed by type and code from the sender's side.
/// </summary>
public static class IcmpPairs
{
    // 0 = no counterpart; else counterpart + 1 (type 0, echo reply, is itself a counterpart)
    private static readonly byte[] V4 = Table((8, 0), (13, 14), (15, 16), (10, 9), (17, 18));
    private static readonly byte[] V6 = Table((128, 129), (130, 131), (133, 134), (135, 136), (139, 140), (144, 145));

    private static byte[] Table(params (byte A, byte B)[] pairs)
    {
        var t = new byte[256];
        foreach (var (a, b) in pairs)
        {
            t[a] = (byte)(b + 1);
            t[b] = (byte)(a + 1);
        }
        return t;
    }

    /// <summary>The counterpart of <paramref name="type"/> for ICMP (<paramref name="proto"/> 1) or ICMPv6 (58).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryCounterpart(byte proto, byte type, out byte counterpart)
    {
        byte c = (proto == IpProto.Icmp ? V4 : V6)[type];
        counterpart = (byte)(c - 1);
        return c != 0;
    }

    /// <summary>Echo request or reply (ICMP 8/0, ICMPv6 128/129): the flows also keyed by the echo identifier.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsEcho(byte proto, byte type) =>
        proto == IpProto.Icmp ? type is 0 or 8 : proto == IpProto.IcmpV6 && type is 128 or 129;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsEchoRequest(byte proto, byte type) => proto == IpProto.Icmp ? type == 8 : type == 128;
}
