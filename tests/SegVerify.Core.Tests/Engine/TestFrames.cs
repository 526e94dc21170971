using System.Buffers.Binary;
using SegVerify.Core.Capture;
using SegVerify.Core.Engine;
using SegVerify.Core.Findings;
using SegVerify.Core.Net;
using SegVerify.Core.Output;

namespace SegVerify.Core.Tests.Engine;

/// <summary>Builds well-formed Ethernet frames byte by byte (independent of the decoder under test).</summary>
internal static class TestFrames
{
    public const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10;

    public static byte[] Tcp(string smac, string dmac, string src, string dst, ushort sport, ushort dport, byte flags,
                             int payload = 0, params ushort[] vlans) =>
        Frame(smac, dmac, vlans, src, dst, IpProto.Tcp, L4Tcp(sport, dport, flags, payload));

    public static byte[] Udp(string smac, string dmac, string src, string dst, ushort sport, ushort dport, int payload = 20,
                             params ushort[] vlans)
    {
        var l4 = new byte[8 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), (ushort)l4.Length);
        return Frame(smac, dmac, vlans, src, dst, IpProto.Udp, l4);
    }

    public static byte[] Icmp(string smac, string dmac, string src, string dst, byte type, byte code, ushort id, params ushort[] vlans)
    {
        bool v6 = src.Contains(':');
        var l4 = new byte[8];
        l4[0] = type; l4[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), id);
        return Frame(smac, dmac, vlans, src, dst, v6 ? IpProto.IcmpV6 : IpProto.Icmp, l4);
    }

    public static byte[] Arp(string smac, string senderIp, string targetIp, params ushort[] vlans)
    {
        var arp = new byte[28];
        BinaryPrimitives.WriteUInt16BigEndian(arp, 1);
        BinaryPrimitives.WriteUInt16BigEndian(arp.AsSpan(2), 0x0800);
        arp[4] = 6; arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp.AsSpan(6), 1);
        WriteMac(arp.AsSpan(8), smac);
        BinaryPrimitives.WriteUInt32BigEndian(arp.AsSpan(14), IpAddr.Parse(senderIp).V4);
        BinaryPrimitives.WriteUInt32BigEndian(arp.AsSpan(24), IpAddr.Parse(targetIp).V4);
        return L2(smac, "ff:ff:ff:ff:ff:ff", vlans, 0x0806, arp);
    }

    /// <summary>An IP packet (v4 or v6 by the address) whose payload after the IP header is exactly <paramref name="l4"/>.</summary>
    public static byte[] Ip(string smac, string dmac, string src, string dst, byte proto, byte[] l4) => Frame(smac, dmac, [], src, dst, proto, l4);

    /// <summary>IPv4 fragment carrying raw L4 bytes at the given byte offset.</summary>
    public static byte[] Ipv4Fragment(string smac, string dmac, string src, string dst, byte proto, ushort id, int offset, bool more, byte[] l4part)
    {
        var ip = Ipv4Header(src, dst, proto, l4part.Length, id, offset, more);
        return L2(smac, dmac, [], 0x0800, [.. ip, .. l4part]);
    }

    public static byte[] L4Tcp(ushort sport, ushort dport, byte flags, int payload)
    {
        var l4 = new byte[20 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
        l4[12] = 5 << 4;
        l4[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(14), 65535);
        return l4;
    }

    private static byte[] Frame(string smac, string dmac, ushort[] vlans, string src, string dst, byte proto, byte[] l4)
    {
        bool v6 = src.Contains(':');
        byte[] ip = v6 ? Ipv6Header(src, dst, proto, l4.Length) : Ipv4Header(src, dst, proto, l4.Length, 1, 0, false);
        return L2(smac, dmac, vlans, v6 ? (ushort)0x86DD : (ushort)0x0800, [.. ip, .. l4]);
    }

    internal static byte[] Ipv4Header(string src, string dst, byte proto, int l4len, ushort id, int offset, bool more)
    {
        var h = new byte[20];
        h[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)(20 + l4len));
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(6), (ushort)((more ? 0x2000 : 0) | (offset / 8)));
        h[8] = 64; h[9] = proto;
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(12), IpAddr.Parse(src).V4);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), IpAddr.Parse(dst).V4);
        return h;
    }

    internal static byte[] Ipv6Header(string src, string dst, byte proto, int l4len)
    {
        var h = new byte[40];
        h[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), (ushort)l4len);
        h[6] = proto; h[7] = 64;
        var s = IpAddr.Parse(src); var d = IpAddr.Parse(dst);
        BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(8), s.Hi); BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(16), s.Lo);
        BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(24), d.Hi); BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(32), d.Lo);
        return h;
    }

    internal static byte[] L2(string smac, string dmac, ushort[] vlans, ushort ethertype, byte[] payload)
    {
        var f = new List<byte>();
        var m = new byte[6];
        WriteMac(m, dmac); f.AddRange(m);
        WriteMac(m, smac); f.AddRange(m);
        for (int i = 0; i < vlans.Length; i++)
        {
            ushort tpid = vlans.Length > 1 && i == 0 ? (ushort)0x88A8 : (ushort)0x8100;
            f.Add((byte)(tpid >> 8)); f.Add((byte)tpid);
            f.Add((byte)(vlans[i] >> 8)); f.Add((byte)vlans[i]);
        }
        f.Add((byte)(ethertype >> 8)); f.Add((byte)ethertype);
        f.AddRange(payload);
        while (f.Count < 60) f.Add(0);
        return f.ToArray();
    }

    private static void WriteMac(Span<byte> dst, string mac)
    {
        var v = MacAddr.Parse(mac).Value;
        for (int i = 0; i < 6; i++) dst[i] = (byte)(v >> (8 * (5 - i)));
    }
}

/// <summary>Keeps every finding and flow event a verifier emits.</summary>
internal sealed class RecordingSink : IFindingSink
{
    public List<Finding> Findings { get; } = [];
    public List<FlowEvent> Flows { get; } = [];
    public RunSummary? Summary { get; private set; }
    public void Begin(RunInfo info) { }
    public void OnFinding(Finding finding) => Findings.Add(finding);
    public void OnFlow(FlowEvent flow) => Flows.Add(flow);
    public void End(RunSummary summary) => Summary = summary;
    public void Dispose() { }
}

/// <summary>Feeds frames to a verifier at increasing timestamps.</summary>
internal sealed class Feeder(Verifier verifier, long startNs = 1_767_225_600_000_000_000L)
{
    public long Now = startNs;

    public Feeder Send(byte[] frame, double afterSeconds = 0.001)
    {
        Now += (long)(afterSeconds * 1e9);
        verifier.Process(new CaptureRecord(frame, Now, frame.Length, LinkTypes.Ethernet, false, 0));
        return this;
    }
}
