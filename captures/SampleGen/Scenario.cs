using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PacketDotNet;
using PacketDotNet.Utils;

namespace SegVerify.SampleGen;

/// <summary>One machine as a mirror port sees it: its address, its MAC, its router's MAC and its VLAN.</summary>
public sealed record Node(string Ip, string? Mac, string GwMac, ushort? Vlan = null);

/// <summary>How a TCP flow starts in the capture.</summary>
public enum TcpStart { Syn, SynAck, MidServerFirst }

/// <summary>
/// Collects frames with fixed timestamps (integer microseconds, no floating point) and the findings a correct
/// verifier must report for them, then writes a little-endian microsecond pcap and the labels.
/// </summary>
public sealed class Scenario
{
    private const ushort EtherTypeVlan = 0x8100;
    private const int MacHeaderLength = 12;
    private const int VlanTagLength = 4;
    private const uint PcapMagicMicros = 0xA1B2C3D4;
    private const ushort PcapMajor = 2;
    private const ushort PcapMinor = 4;
    private const uint Snaplen = 262144;
    private const uint LinkTypeEthernet = 1;
    private const long MicrosPerSecond = 1_000_000;
    public const long StepMicros = 250;
    public const long GapMicros = 10_000;
    public const long BulkStepMicros = 20;

    private readonly string _name;
    private long _tMicros;
    private readonly List<(long T, byte[] Frame)> _frames = [];
    private readonly List<Dictionary<string, object>> _expect = [];
    private readonly List<Dictionary<string, object>> _benign = [];
    private ushort _eph = 40000;

    public Scenario(string name, DateTime start)
    {
        _name = name;
        _tMicros = (start - DateTime.UnixEpoch).Ticks / (TimeSpan.TicksPerSecond / MicrosPerSecond);
    }

    public int FrameCount => _frames.Count;

    public ushort Eph()
    {
        _eph += 7;
        return _eph;
    }

    private void Add(Packet eth, ushort? vlan, long dt = StepMicros)
    {
        _tMicros += dt;
        var bytes = eth.Bytes;
        if (vlan is ushort v)
        {
            var tagged = new byte[bytes.Length + VlanTagLength];
            bytes.AsSpan(0, MacHeaderLength).CopyTo(tagged);
            BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(MacHeaderLength), EtherTypeVlan);
            BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(MacHeaderLength + 2), v);
            bytes.AsSpan(MacHeaderLength).CopyTo(tagged.AsSpan(MacHeaderLength + VlanTagLength));
            bytes = tagged;
        }
        _frames.Add((_tMicros, bytes));
    }

    public void Gap() => _tMicros += GapMicros;

    private static PhysicalAddress Mac(string m) => PhysicalAddress.Parse(m.Replace(':', '-').ToUpperInvariant());

    private static bool IsV6(string ip) => ip.Contains(':');

    private static EthernetPacket Eth(string src, string dst, EthernetType type) => new(Mac(src), Mac(dst), type);

    private static IPPacket Ip(string src, string dst)
    {
        if (IsV6(src)) return new IPv6Packet(IPAddress.Parse(src), IPAddress.Parse(dst)) { HopLimit = 64 };
        return new IPv4Packet(IPAddress.Parse(src), IPAddress.Parse(dst)) { TimeToLive = 64 };
    }

    private static EthernetPacket Wrap(string srcMac, string dstMac, IPPacket ip, Packet l4)
    {
        ip.PayloadPacket = l4;
        if (l4 is TcpPacket t) t.UpdateTcpChecksum();
        if (l4 is UdpPacket u) u.UpdateUdpChecksum();
        ip.UpdateCalculatedValues();
        if (ip is IPv4Packet v4) v4.UpdateIPChecksum();
        var eth = Eth(srcMac, dstMac, ip is IPv6Packet ? EthernetType.IPv6 : EthernetType.IPv4);
        eth.PayloadPacket = ip;
        return eth;
    }

    private static TcpPacket Tcp(ushort sport, ushort dport, string flags, uint seq, uint ack, int payload, byte fill)
    {
        var t = new TcpPacket(sport, dport)
        {
            SequenceNumber = seq,
            AcknowledgmentNumber = ack,
            WindowSize = 64240,
            Synchronize = flags.Contains('S'),
            Acknowledgment = flags.Contains('A'),
            Finished = flags.Contains('F'),
            Push = flags.Contains('P'),
        };
        if (payload > 0) t.PayloadData = Enumerable.Repeat(fill, payload).ToArray();
        return t;
    }

    /// <summary>MACs as seen on the client's segment mirror port: via the router, or directly on one segment.</summary>
    private static ((string, string) Up, (string, string) Down) Macs(Node c, Node s, bool sameSegment) =>
        sameSegment ? ((c.Mac!, s.Mac!), (s.Mac!, c.Mac!)) : ((c.Mac!, c.GwMac), (c.GwMac, c.Mac!));

    public ushort TcpFlow(Node c, Node s, ushort dport, bool sameSegment = false, TcpStart start = TcpStart.Syn,
        int upLen = 200, int downLen = 1200, int rounds = 2, ushort? clientVlan = null, Node? clientAs = null)
    {
        var sport = Eph();
        var (up, down) = Macs(clientAs ?? c, s, sameSegment);
        var vlan = clientVlan ?? c.Vlan;
        void Up(string flags, uint seq, uint ack, int len = 0) =>
            Add(Wrap(up.Item1, up.Item2, Ip(c.Ip, s.Ip), Tcp(sport, dport, flags, seq, ack, len, (byte)'c')), vlan);
        void Down(string flags, uint seq, uint ack, int len = 0) =>
            Add(Wrap(down.Item1, down.Item2, Ip(s.Ip, c.Ip), Tcp(dport, sport, flags, seq, ack, len, (byte)'s')), vlan);

        uint cseq = 1000, sseq = 5000;
        if (start == TcpStart.Syn)
        {
            Up("S", cseq, 0);
            Down("SA", sseq, cseq + 1);
            Up("A", cseq + 1, sseq + 1);
            cseq++; sseq++;
        }
        else if (start == TcpStart.SynAck)
        {
            Down("SA", sseq, cseq + 1);
            Up("A", cseq + 1, sseq + 1);
            cseq++; sseq++;
        }
        for (int i = 0; i < rounds; i++)
        {
            if (start == TcpStart.MidServerFirst && i == 0)
            {
                Down("PA", sseq, cseq, downLen);
                sseq += (uint)downLen;
                Up("A", cseq, sseq);
                continue;
            }
            Up("PA", cseq, sseq, upLen);
            cseq += (uint)upLen;
            Down("PA", sseq, cseq, downLen);
            sseq += (uint)downLen;
        }
        Up("FA", cseq, sseq);
        Down("FA", sseq, cseq + 1);
        Up("A", cseq + 1, sseq + 1);
        Gap();
        return sport;
    }

    public ushort BulkTcp(Node c, Node s, ushort dport, int totalBytes, int mss = 1400)
    {
        var sport = Eph();
        var (up, down) = Macs(c, s, false);
        void Up(string flags, uint seq, uint ack, int len = 0, long dt = StepMicros) =>
            Add(Wrap(up.Item1, up.Item2, Ip(c.Ip, s.Ip), Tcp(sport, dport, flags, seq, ack, len, (byte)'x')), c.Vlan, dt);
        void Down(string flags, uint seq, uint ack) =>
            Add(Wrap(down.Item1, down.Item2, Ip(s.Ip, c.Ip), Tcp(dport, sport, flags, seq, ack, 0, 0)), c.Vlan);
        Up("S", 1, 0);
        Down("SA", 9, 2);
        Up("A", 2, 10);
        uint seq = 2;
        for (int sent = 0; sent < totalBytes; sent += mss)
        {
            Up("A", seq, 10, mss, BulkStepMicros);
            seq += (uint)mss;
        }
        Up("FA", seq, 10);
        Down("FA", 10, seq + 1);
        Up("A", seq + 1, 11);
        Gap();
        return sport;
    }

    /// <param name="replyFirst">The capture starts with the server's datagram (the request was not seen first).</param>
    public ushort UdpFlow(Node c, Node s, ushort dport, int size = 60, bool replyFirst = false)
    {
        var sport = Eph();
        var (up, down) = Macs(c, s, false);
        void Up() => Add(Wrap(up.Item1, up.Item2, Ip(c.Ip, s.Ip),
            new UdpPacket(sport, dport) { PayloadData = UdpPayload(dport, request: true, size) }), c.Vlan);
        void Down() => Add(Wrap(down.Item1, down.Item2, Ip(s.Ip, c.Ip),
            new UdpPacket(dport, sport) { PayloadData = UdpPayload(dport, request: false, size) }), c.Vlan);
        if (replyFirst) { Down(); Up(); Down(); }
        else { Up(); Down(); }
        Gap();
        return sport;
    }

    private const ushort DnsPort = 53, NtpPort = 123;
    private const int NtpLength = 48;
    private const byte NtpClientMode = 0x23, NtpServerMode = 0x24; // LI 0, version 4, mode 3 / 4
    private const ushort DnsId = 0x5356;
    private static readonly byte[] DnsQuestion = [3, (byte)'w', (byte)'w', (byte)'w', 7, (byte)'e', (byte)'x', (byte)'a',
        (byte)'m', (byte)'p', (byte)'l', (byte)'e', 2, (byte)'j', (byte)'p', 0, 0, 1, 0, 1]; // www.example.jp A IN

    /// <summary>A well-formed DNS query/answer or NTP packet for those ports, else filler bytes.</summary>
    private static byte[] UdpPayload(ushort dport, bool request, int size)
    {
        if (dport == DnsPort)
        {
            var b = new List<byte>();
            void U16(int v) { b.Add((byte)(v >> 8)); b.Add((byte)v); }
            U16(DnsId);
            U16(request ? 0x0100 : 0x8180); // RD / QR RD RA
            U16(1); U16(request ? 0 : 1); U16(0); U16(0);
            b.AddRange(DnsQuestion);
            if (!request)
            {
                U16(0xC00C); U16(1); U16(1); U16(0); U16(300); U16(4); // name pointer, A, IN, TTL 300, length 4
                b.AddRange([192, 0, 2, 80]);
            }
            return b.ToArray();
        }
        if (dport == NtpPort)
        {
            var n = new byte[NtpLength];
            n[0] = request ? NtpClientMode : NtpServerMode;
            return n;
        }
        return Enumerable.Repeat(request ? (byte)'q' : (byte)'r', size).ToArray();
    }

    /// <summary>An ICMP (or ICMPv6) echo request and its reply.</summary>
    public void Ping(Node c, Node s, bool sameSegment = false, string? clientIp = null, string? serverIp = null)
    {
        var (up, down) = Macs(c, s, sameSegment);
        string cip = clientIp ?? c.Ip, sip = serverIp ?? s.Ip;
        Add(EchoFrame(up.Item1, up.Item2, cip, sip, request: true), c.Vlan);
        Add(EchoFrame(down.Item1, down.Item2, sip, cip, request: false), c.Vlan);
        Gap();
    }

    private const byte IcmpEchoRequest = 8, IcmpEchoReply = 0, Icmp6EchoRequest = 128, Icmp6EchoReply = 129;
    private const ushort EchoId = 7, EchoSeq = 1;
    private const int EchoDataLength = 32;

    private static EthernetPacket EchoFrame(string srcMac, string dstMac, string src, string dst, bool request)
    {
        bool v6 = IsV6(src);
        var msg = new byte[8 + EchoDataLength];
        msg[0] = v6 ? (request ? Icmp6EchoRequest : Icmp6EchoReply) : (request ? IcmpEchoRequest : IcmpEchoReply);
        BinaryPrimitives.WriteUInt16BigEndian(msg.AsSpan(4), EchoId);
        BinaryPrimitives.WriteUInt16BigEndian(msg.AsSpan(6), EchoSeq);
        for (int i = 0; i < EchoDataLength; i++) msg[8 + i] = (byte)('a' + i % 23);
        ulong sum = 0;
        if (v6)
        {
            // pseudo-header: source, destination, upper-layer length, next header 58
            sum += SumWords(IPAddress.Parse(src).GetAddressBytes());
            sum += SumWords(IPAddress.Parse(dst).GetAddressBytes());
            sum += (ulong)msg.Length + 58;
        }
        sum += SumWords(msg);
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(msg.AsSpan(2), (ushort)~sum);

        var ip = Ip(src, dst);
        Packet l4 = v6 ? new IcmpV6Packet(new ByteArraySegment(msg)) : new IcmpV4Packet(new ByteArraySegment(msg));
        ip.PayloadPacket = l4;
        if (ip is IPv6Packet p6) p6.NextHeader = ProtocolType.IcmpV6;
        else ((IPv4Packet)ip).Protocol = ProtocolType.Icmp;
        ip.UpdateCalculatedValues();
        if (ip is IPv4Packet v4) v4.UpdateIPChecksum();
        var eth = Eth(srcMac, dstMac, v6 ? EthernetType.IPv6 : EthernetType.IPv4);
        eth.PayloadPacket = ip;
        return eth;
    }

    private static ulong SumWords(ReadOnlySpan<byte> b)
    {
        ulong s = 0;
        for (int i = 0; i + 1 < b.Length; i += 2) s += BinaryPrimitives.ReadUInt16BigEndian(b.Slice(i));
        if ((b.Length & 1) != 0) s += (ulong)b[^1] << 8;
        return s;
    }

    /// <summary>A broadcast ARP request from the node (tagged with its VLAN).</summary>
    public void Arp(Node n, string targetIp)
    {
        var arp = new ArpPacket(ArpOperation.Request, PhysicalAddress.Parse("00-00-00-00-00-00"), IPAddress.Parse(targetIp),
            Mac(n.Mac!), IPAddress.Parse(n.Ip));
        var eth = Eth(n.Mac!, "ff:ff:ff:ff:ff:ff", EthernetType.Arp);
        eth.PayloadPacket = arp;
        Add(eth, n.Vlan);
    }

    /// <summary>An ARP reply from the node to the asker.</summary>
    public void ArpReply(Node n, Node asker)
    {
        var arp = new ArpPacket(ArpOperation.Response, Mac(asker.Mac!), IPAddress.Parse(asker.Ip), Mac(n.Mac!), IPAddress.Parse(n.Ip));
        var eth = Eth(n.Mac!, asker.Mac!, EthernetType.Arp);
        eth.PayloadPacket = arp;
        Add(eth, n.Vlan);
        Gap();
    }

    public void Expect(params (string Key, object Value)[] kv) => _expect.Add(kv.ToDictionary(p => p.Key, p => p.Value));
    public void Benign(params (string Key, object Value)[] kv) => _benign.Add(kv.ToDictionary(p => p.Key, p => p.Value));

    public void WritePcap(string path)
    {
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        Span<byte> h = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(h, PcapMagicMicros);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], PcapMajor);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], PcapMinor);
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], Snaplen);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], LinkTypeEthernet);
        fs.Write(h);
        Span<byte> r = stackalloc byte[16];
        foreach (var (t, frame) in _frames.OrderBy(f => f.T))
        {
            BinaryPrimitives.WriteUInt32LittleEndian(r, (uint)(t / MicrosPerSecond));
            BinaryPrimitives.WriteUInt32LittleEndian(r[4..], (uint)(t % MicrosPerSecond));
            BinaryPrimitives.WriteUInt32LittleEndian(r[8..], (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(r[12..], (uint)frame.Length);
            fs.Write(r);
            fs.Write(frame);
        }
    }

    public void WriteExpected(string path)
    {
        using var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            j.WriteStartObject();
            j.WriteString("scenario", _name);
            WriteList(j, "expect", _expect);
            WriteList(j, "benign", _benign);
            j.WriteEndObject();
        }
        ms.WriteByte((byte)'\n');
        File.WriteAllBytes(path, ms.ToArray());
    }

    private static void WriteList(Utf8JsonWriter j, string name, List<Dictionary<string, object>> list)
    {
        j.WriteStartArray(name);
        foreach (var d in list)
        {
            j.WriteStartObject();
            foreach (var (k, v) in d)
            {
                if (v is int i) j.WriteNumber(k, i);
                else j.WriteString(k, Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture));
            }
            j.WriteEndObject();
        }
        j.WriteEndArray();
    }
}
