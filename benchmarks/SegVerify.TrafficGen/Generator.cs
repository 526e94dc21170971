using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SegVerify.TrafficGen;

/// <summary>Generator settings (see Program for the command-line names).</summary>
public sealed class GenOptions
{
    public long Packets { get; set; } = 2_000_000;
    public long Bytes { get; set; } = 1L << 30;
    public int Flows { get; set; } = 5000;
    public ulong Seed { get; set; } = 20260401;
    public string Out { get; set; } = "benchmarks/out/city.pcap";
    /// <summary>Mean packet rate used for timestamps.</summary>
    public int PacketsPerSecond { get; set; } = 50_000;
    /// <summary>Share of new flows that cross tiers against policy.</summary>
    public double ViolationRate { get; set; } = 0.02;
    /// <summary>Share of flows whose frames carry an 802.1Q tag (where a side has a VLAN).</summary>
    public double TaggedFlowRate { get; set; } = 0.215;
    /// <summary>Share of flows that use IPv6 where both sides have IPv6 addresses.</summary>
    public double Ipv6Rate { get; set; } = 0.15;
    public double ArpRate { get; set; } = 0.002;
    /// <summary>
    /// Share of flows carried in VXLAN (--tunnel-share): each of their frames is written inside an outer
    /// Ethernet/IPv4/UDP 4789/VXLAN header between two lg-office routers. The choice comes from its own random stream,
    /// so the same seed gives the same inner traffic whatever the share (a tunnelled capture against the same traffic bare).
    /// </summary>
    public double TunnelShare { get; set; }
}

/// <summary>Deterministic 64-bit generator (SplitMix64): same seed, same capture, on every runtime.</summary>
public struct SplitMix64(ulong seed)
{
    private ulong _s = seed;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Next()
    {
        ulong z = _s += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Below(int n) => (int)((Next() >> 32) * (ulong)n >> 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Unit() => (Next() >> 11) * (1.0 / (1UL << 53));
}

/// <summary>The violations the generator plants, with the rule segverify must report for each.</summary>
public static class Planted
{
    public static readonly string[] Names =
    [
        "mn-office->external tcp/443",
        "mn-office->lg-office tcp/445",
        "lg-office->external tcp/80",
        "inet-office->lg-office tcp/445",
        "inet-office->j-lis tcp/443",
        "external->inet-office tcp/22",
        "lg-office->public-web tcp/443",
    ];

    public static readonly string[] Rules =
    [
        "mynumber-internet",
        "mynumber-isolation",
        "lgwan-internet-separation",
        "lgwan-internet-separation",
        "zone-crossing",
        "zone-crossing",
        "zone-crossing",
    ];
}

internal enum App : byte { Tcp, Dns, Ntp, Icmp }

/// <summary>One live flow of the pool: addresses, the link layer of each direction, and where it is in its life.</summary>
internal struct Flow
{
    public ulong AHi, ALo, BHi, BLo;
    public ulong SrcMacAB, DstMacAB, SrcMacBA, DstMacBA;
    public uint SeqA, SeqB;
    public ushort PortA, PortB, VlanAB, VlanBA;
    public App App;
    public bool V6;
    public bool Started;
    public byte Step;
    public short DataLeft;
    public sbyte Violation;
    public byte Template;
    public bool Tunnelled;
}

/// <summary>
/// Writes a municipal traffic mix for topologies/sample-city.yaml: a pool of concurrent flows (TCP handshake, data
/// both ways, FIN; DNS and NTP over UDP; ICMP echo), each step picked from a random live flow, IMIX-like sizes,
/// some 802.1Q tags, some IPv6, a few ARP requests, and a small share of flows that cross tiers against policy.
/// </summary>
public sealed class Generator
{
    private const int EthHeader = 14, VlanTag = 4, Ipv4Header = 20, Ipv6Header = 40, TcpHeader = 20, UdpHeader = 8, IcmpHeader = 8;
    private const int MinFrame = 60;
    private const ushort EtherIpv4 = 0x0800, EtherIpv6 = 0x86DD, EtherArp = 0x0806, EtherVlan = 0x8100;
    private const byte ProtoTcp = 6, ProtoUdp = 17, ProtoIcmp = 1, ProtoIcmpV6 = 58;
    private const byte Fin = 0x01, Syn = 0x02, Psh = 0x08, Ack = 0x10;
    private const int SmallFrame = 60, MidFrame = 590, LargeFrame = 1514;
    private const int MaxDataPackets = 200;   // keeps every flow below sample-city's large_transfer_bytes (500000)
    private const int DnsQueryPayload = 33, DnsAnswerPayload = 49, NtpPayload = 48, EchoPayload = 56;
    private const ushort EphemeralLow = 32768, EphemeralCount = 28232;

    // Data-phase size mix, tuned so the whole capture lands near 55 % / 25 % / 20 % (handshakes, FINs, DNS and ARP
    // are all small frames).
    private const double DataSmall = 0.495, DataMid = 0.28;

    private readonly GenOptions _o;
    private SplitMix64 _rng;
    private readonly Flow[] _pool;
    private long _tsNs;
    private readonly long _meanGapNs;
    private ushort _ipId;
    private ushort _nextEphemeral;
    private SplitMix64 _tunnelRng;

    // Normal templates and their weights (see NewFlow).
    private static readonly byte[] TemplateWeights = [12, 3, 12, 2, 6, 20, 9, 3, 5, 4, 1, 1, 1, 14, 3, 3];
    private readonly int _weightSum;

    public GenStats Stats { get; } = new();

    public Generator(GenOptions o)
    {
        _o = o;
        _rng = new SplitMix64(o.Seed);
        _tunnelRng = new SplitMix64(o.Seed ^ TunnelSeedSalt);
        _pool = new Flow[o.Flows];
        _meanGapNs = 1_000_000_000L / o.PacketsPerSecond;
        _tsNs = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000L;
        foreach (var w in TemplateWeights) _weightSum += w;
        _nextEphemeral = 0;
    }

    public void Run(PcapFileWriter w)
    {
        for (int i = 0; i < _pool.Length; i++) StartFlow(ref _pool[i]);
        while (w.Records < _o.Packets || w.BytesWritten < _o.Bytes)
        {
            _tsNs += 1 + (long)(_rng.Next() % (ulong)(2 * _meanGapNs));
            Span<byte> frame = w.BeginRecord();
            int len;
            if (_rng.Unit() < _o.ArpRate)
            {
                len = WriteArp(frame);
                Stats.Arp++;
            }
            else
            {
                ref Flow f = ref _pool[_rng.Below(_pool.Length)];
                len = Step(frame, ref f, out bool done);
                if (f.Tunnelled) len = InVxlan(frame, len, in f);
                if (done) StartFlow(ref f);
            }
            w.EndRecord(_tsNs, len);
            Stats.CountFrame(len);
        }
        foreach (ref readonly Flow f in _pool.AsSpan())
            if (f.Started) Stats.Unfinished++;
        Stats.FirstTsNs = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000L;
        Stats.LastTsNs = _tsNs;
    }

    // ---------------------------------------------------------------- flows

    private ushort NextEphemeral() => (ushort)(EphemeralLow + _nextEphemeral++ % EphemeralCount);

    private void StartFlow(ref Flow f)
    {
        NewFlow(ref f);
        f.Tunnelled = _tunnelRng.Unit() < _o.TunnelShare;   // drawn for every flow, so the share does not shift the main stream
    }

    // ---------------------------------------------------------------- VXLAN (--tunnel-share)

    private const ulong TunnelSeedSalt = 0x7475_6E6E_656C_7321UL;
    private const int VxlanHeader = 8, VxlanOverhead = EthHeader + Ipv4Header + UdpHeader + VxlanHeader;
    private const ushort VxlanPort = 4789;
    private const uint VxlanVni = 120120;
    /// <summary>Outer addresses: two lg-office routers that are not hosts of sample-city (10.20.255.1 and .2).</summary>
    private const uint VtepA = 0x0A14_FF01, VtepB = 0x0A14_FF02;

    /// <summary>
    /// Moves the <paramref name="len"/>-byte frame at the start of <paramref name="d"/> inside VXLAN: an untagged outer
    /// frame from the lg-office gateway MAC (so no frame check applies to it), IPv4 between the two VTEPs (a direction
    /// per flow side), UDP from a source port derived from the inner flow (as VTEPs do) to 4789. Returns the new length.
    /// </summary>
    private int InVxlan(Span<byte> d, int len, in Flow f)
    {
        // the outer direction follows the inner frame's: A's side sends from SrcMacAB
        ulong innerSrcMac = (ulong)BinaryPrimitives.ReadUInt16BigEndian(d.Slice(6)) << 32 | BinaryPrimitives.ReadUInt32BigEndian(d.Slice(8));
        bool fromA = innerSrcMac == f.SrcMacAB;
        d.Slice(0, len).CopyTo(d.Slice(VxlanOverhead));
        WriteMac(d, AddressPlan.CoreRouterMac);
        WriteMac(d.Slice(6), AddressPlan.GatewayMacLg);
        BinaryPrimitives.WriteUInt16BigEndian(d.Slice(12), EtherIpv4);
        Span<byte> ip = d.Slice(EthHeader);
        ip[0] = 0x45;
        ip[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(2), (ushort)(Ipv4Header + UdpHeader + VxlanHeader + len));
        BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(4), _ipId++);
        BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(6), 0x4000);
        ip[8] = 64;
        ip[9] = ProtoUdp;
        BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(10), 0);
        BinaryPrimitives.WriteUInt32BigEndian(ip.Slice(12), fromA ? VtepA : VtepB);
        BinaryPrimitives.WriteUInt32BigEndian(ip.Slice(16), fromA ? VtepB : VtepA);
        Span<byte> udp = ip.Slice(Ipv4Header);
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)(49152 + ((f.PortA ^ f.PortB) & 0x3FFF)));
        BinaryPrimitives.WriteUInt16BigEndian(udp.Slice(2), VxlanPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.Slice(4), (ushort)(UdpHeader + VxlanHeader + len));
        BinaryPrimitives.WriteUInt16BigEndian(udp.Slice(6), 0);
        Span<byte> vx = udp.Slice(UdpHeader);
        BinaryPrimitives.WriteUInt32BigEndian(vx, 0x0800_0000);          // I flag
        BinaryPrimitives.WriteUInt32BigEndian(vx.Slice(4), VxlanVni << 8);
        Stats.Tunnelled++;
        return VxlanOverhead + len;
    }

    private void NewFlow(ref Flow f)
    {
        f = default;
        f.Violation = -1;
        bool v6 = _rng.Unit() < _o.Ipv6Rate;
        Endpoint a, b;
        ushort port;
        App app = App.Tcp;
        if (_rng.Unit() < _o.ViolationRate)
        {
            int v = _rng.Below(Planted.Names.Length);
            f.Violation = (sbyte)v;
            (a, b, port) = v switch
            {
                0 => (Client(ZoneId.MnOffice, v6), AddressPlan.ExternalHost(_rng.Below(AddressPlan.ExternalHosts), v6), (ushort)443),
                1 => (Client(ZoneId.MnOffice, false), Server(ZoneId.LgOffice, false), (ushort)445),
                2 => (Client(ZoneId.LgOffice, false), AddressPlan.ExternalHost(_rng.Below(AddressPlan.ExternalHosts), false), (ushort)80),
                3 => (Client(ZoneId.InetOffice, false), Server(ZoneId.LgOffice, false), (ushort)445),
                4 => (Client(ZoneId.InetOffice, false), AddressPlan.JlisHost(_rng.Below(AddressPlan.JlisHosts)), (ushort)443),
                5 => (AddressPlan.ExternalHost(_rng.Below(AddressPlan.ExternalHosts), v6), Client(ZoneId.InetOffice, v6), (ushort)22),
                _ => (Client(ZoneId.LgOffice, false), AddressPlan.WebStaging, (ushort)443),
            };
            f.Template = 255;
        }
        else
        {
            int t = PickTemplate();
            f.Template = (byte)t;
            (a, b, port, app) = t switch
            {
                0 => (Client(ZoneId.MnOffice, v6), Server(ZoneId.MnOffice, v6), Pick(445, 443, 389, 88), App.Tcp),
                1 => (Client(ZoneId.MnOffice, false), AddressPlan.MnFs, (ushort)445, App.Tcp),
                2 => (Client(ZoneId.LgOffice, v6), Server(ZoneId.LgOffice, v6), Pick(445, 443, 80, 8080), App.Tcp),
                3 => (Client(ZoneId.LgOffice, false), AddressPlan.LgFs, (ushort)445, App.Tcp),
                4 => (Client(ZoneId.InetOffice, v6), Server(ZoneId.InetOffice, v6), Pick(445, 443, 80, 22), App.Tcp),
                5 => (Client(ZoneId.InetOffice, v6), AddressPlan.ExternalHost(_rng.Below(AddressPlan.ExternalHosts), v6), Pick(443, 443, 443, 80), App.Tcp),
                6 => (Client(ZoneId.LgOffice, false), AddressPlan.LgwanHost(_rng.Below(AddressPlan.LgwanHosts)), Pick(443, 443, 25, 80), App.Tcp),
                7 => (AddressPlan.LgwanHost(_rng.Below(AddressPlan.LgwanHosts)), Server(ZoneId.LgOffice, false), Pick(443, 25, 443, 25), App.Tcp),
                8 => (AddressPlan.ExternalHost(_rng.Below(AddressPlan.ExternalHosts), false), AddressPlan.Www, (ushort)443, App.Tcp),
                9 => (Client(ZoneId.LgOffice, false), AddressPlan.Vdi, (ushort)3389, App.Tcp),
                10 => (AddressPlan.MailSanitizer, AddressPlan.LgMail, (ushort)25, App.Tcp),
                11 => (AddressPlan.FileSanitizer, AddressPlan.LgFs, (ushort)445, App.Tcp),
                12 => (AddressPlan.MnRelay, AddressPlan.IntermediateServer, (ushort)443, App.Tcp),
                13 => DnsFlow(),
                14 => NtpFlow(),
                _ => IcmpFlow(v6),
            };
        }

        f.App = app;
        f.V6 = a.V6;
        f.AHi = a.Hi; f.ALo = a.Lo; f.BHi = b.Hi; f.BLo = b.Lo;
        f.PortA = app == App.Icmp ? (ushort)(_rng.Below(60000) + 1) : NextEphemeral();
        f.PortB = port;
        f.SeqA = (uint)_rng.Next();
        f.SeqB = (uint)_rng.Next();
        f.DataLeft = app switch
        {
            App.Tcp => (short)(2 + (int)(MaxDataPackets * Math.Pow(_rng.Unit(), 3))),
            App.Icmp => (short)(2 * (1 + _rng.Below(4))),
            _ => 0,
        };

        ushort vlan = 0;
        if (_rng.Unit() < _o.TaggedFlowRate)
            vlan = a.Mac != 0 && AddressPlan.VlanOf(a.Zone) != 0 ? AddressPlan.VlanOf(a.Zone) : AddressPlan.VlanOf(b.Zone);
        f.VlanAB = f.VlanBA = vlan;
        LinkLayer(a, b, vlan, out f.SrcMacAB, out f.DstMacAB);
        LinkLayer(b, a, vlan, out f.SrcMacBA, out f.DstMacBA);
    }

    private (Endpoint, Endpoint, ushort, App) DnsFlow()
    {
        var z = (ZoneId)_rng.Below(3);
        var client = Client(z, false);
        var server = z == ZoneId.InetOffice && _rng.Below(2) == 0
            ? AddressPlan.ExternalResolver(_rng.Below(2))
            : AddressPlan.OfficeInfra(z, 53);
        return (client, server, 53, App.Dns);
    }

    private (Endpoint, Endpoint, ushort, App) NtpFlow()
    {
        var z = (ZoneId)_rng.Below(3);
        return (Client(z, false), AddressPlan.OfficeInfra(z, 123), 123, App.Ntp);
    }

    private (Endpoint, Endpoint, ushort, App) IcmpFlow(bool v6)
    {
        var z = (ZoneId)_rng.Below(3);
        return (Client(z, v6), Server(z, v6), 0, App.Icmp);
    }

    private Endpoint Client(ZoneId z, bool v6) => AddressPlan.OfficeClient(z, _rng.Below(AddressPlan.ClientsPerOfficeZone), v6);
    private Endpoint Server(ZoneId z, bool v6) => AddressPlan.OfficeServer(z, _rng.Below(AddressPlan.ServersPerOfficeZone), v6);
    private ushort Pick(ushort a, ushort b, ushort c, ushort d) => _rng.Below(4) switch { 0 => a, 1 => b, 2 => c, _ => d };

    private int PickTemplate()
    {
        int r = _rng.Below(_weightSum);
        for (int i = 0; i < TemplateWeights.Length; i++)
        {
            r -= TemplateWeights[i];
            if (r < 0) return i;
        }
        return TemplateWeights.Length - 1;
    }

    /// <summary>
    /// The link layer of a frame from <paramref name="s"/> to <paramref name="d"/> as a mirror port of the core switch
    /// sees it. Untagged: an office machine sends with its own MAC (to its gateway when the flow leaves its zone); a
    /// machine behind the router arrives with the receiving zone's gateway MAC. A tagged flow keeps one VLAN both ways
    /// (the initiator's zone VLAN, else the responder's: segverify keys flows on the outer VLAN), and a frame from
    /// outside that VLAN's zone is forwarded into it by that zone's gateway.
    /// </summary>
    private static void LinkLayer(in Endpoint s, in Endpoint d, ushort vlan, out ulong srcMac, out ulong dstMac)
    {
        bool sameZone = s.Zone == d.Zone;
        if (vlan != 0)
        {
            ZoneId vz = AddressPlan.VlanOf(s.Zone) == vlan ? s.Zone : d.Zone;
            bool sInside = s.Zone == vz && s.Mac != 0;
            srcMac = sInside ? s.Mac : AddressPlan.GatewayMacOf(vz);
            dstMac = d.Zone == vz && d.Mac != 0 && (sameZone || !sInside) ? d.Mac : AddressPlan.GatewayMacOf(vz);
            return;
        }
        srcMac = s.Mac != 0 ? s.Mac : AddressPlan.GatewayMacOf(d.Zone);
        dstMac = sameZone && d.Mac != 0 ? d.Mac
            : s.Mac != 0 ? AddressPlan.GatewayMacOf(s.Zone)
            : d.Mac != 0 ? d.Mac
            : AddressPlan.CoreRouterPeerMac;
    }

    // ---------------------------------------------------------------- packets

    /// <summary>Writes the flow's next packet; <paramref name="done"/> when that was its last.</summary>
    private int Step(Span<byte> d, ref Flow f, out bool done)
    {
        if (!f.Started)
        {
            f.Started = true;
            Stats.CountFlow(in f);
        }
        done = false;
        switch (f.App)
        {
            case App.Tcp:
                return TcpStep(d, ref f, out done);
            case App.Dns:
            {
                bool query = f.Step == 0;
                f.Step++;
                done = !query;
                int payload = query ? DnsQueryPayload : DnsAnswerPayload;
                int off = Headers(d, ref f, query, ProtoUdp, UdpHeader + payload);
                WriteUdp(d.Slice(off), ref f, query, payload);
                WriteDns(d.Slice(off + UdpHeader), query, f.SeqA);
                return Pad(d, off + UdpHeader + payload, query ? f.VlanAB : f.VlanBA);
            }
            case App.Ntp:
            {
                bool request = f.Step == 0;
                f.Step++;
                done = !request;
                int off = Headers(d, ref f, request, ProtoUdp, UdpHeader + NtpPayload);
                WriteUdp(d.Slice(off), ref f, request, NtpPayload);
                Span<byte> ntp = d.Slice(off + UdpHeader, NtpPayload);
                ntp.Clear();
                ntp[0] = request ? (byte)0x23 : (byte)0x24; // LI 0, version 4, mode client / server
                return Pad(d, off + UdpHeader + NtpPayload, request ? f.VlanAB : f.VlanBA);
            }
            default:
            {
                bool request = (f.Step & 1) == 0;
                ushort seq = (ushort)(f.Step >> 1);
                f.Step++;
                done = f.Step >= f.DataLeft;
                byte proto = f.V6 ? ProtoIcmpV6 : ProtoIcmp;
                int off = Headers(d, ref f, request, proto, IcmpHeader + EchoPayload);
                Span<byte> icmp = d.Slice(off);
                icmp[0] = f.V6 ? (request ? (byte)128 : (byte)129) : (request ? (byte)8 : (byte)0);
                icmp[1] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(icmp.Slice(2), 0);
                BinaryPrimitives.WriteUInt16BigEndian(icmp.Slice(4), f.PortA);
                BinaryPrimitives.WriteUInt16BigEndian(icmp.Slice(6), seq);
                return Pad(d, off + IcmpHeader + EchoPayload, request ? f.VlanAB : f.VlanBA);
            }
        }
    }

    private int TcpStep(Span<byte> d, ref Flow f, out bool done)
    {
        done = false;
        bool fromA;
        byte flags;
        int payload = 0;
        switch (f.Step)
        {
            case 0: fromA = true; flags = Syn; f.Step = 1; break;
            case 1: fromA = false; flags = Syn | Ack; f.Step = 2; break;
            case 2: fromA = true; flags = Ack; f.Step = 3; break;
            case 3:
                // data phase: mostly downloads (the responder sends), acks the other way
                fromA = _rng.Below(100) < 35;
                flags = Ack;
                double u = _rng.Unit();
                int frame = u < DataSmall ? SmallFrame : u < DataSmall + DataMid ? MidFrame : LargeFrame;
                int ipHeader = f.V6 ? Ipv6Header : Ipv4Header;
                payload = Math.Max(0, frame - EthHeader - ipHeader - TcpHeader);
                if (payload > 0) flags |= Psh;
                if (--f.DataLeft <= 0) f.Step = 4;
                break;
            case 4: fromA = true; flags = Fin | Ack; f.Step = 5; break;
            case 5: fromA = false; flags = Fin | Ack; f.Step = 6; break;
            default: fromA = true; flags = Ack; done = true; break;
        }
        int off = Headers(d, ref f, fromA, ProtoTcp, TcpHeader + payload);
        Span<byte> t = d.Slice(off);
        BinaryPrimitives.WriteUInt16BigEndian(t, fromA ? f.PortA : f.PortB);
        BinaryPrimitives.WriteUInt16BigEndian(t.Slice(2), fromA ? f.PortB : f.PortA);
        BinaryPrimitives.WriteUInt32BigEndian(t.Slice(4), fromA ? f.SeqA : f.SeqB);
        BinaryPrimitives.WriteUInt32BigEndian(t.Slice(8), (flags & Ack) != 0 ? (fromA ? f.SeqB : f.SeqA) : 0);
        t[12] = (TcpHeader / 4) << 4;
        t[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(t.Slice(14), 64240);
        BinaryPrimitives.WriteUInt32BigEndian(t.Slice(16), 0); // checksum, urgent pointer
        uint advance = (uint)payload + ((flags & (Syn | Fin)) != 0 ? 1u : 0u);
        if (fromA) f.SeqA += advance; else f.SeqB += advance;
        // the payload bytes are left as they are in the reused buffer: nothing reads them
        return Pad(d, off + TcpHeader + payload, fromA ? f.VlanAB : f.VlanBA);
    }

    /// <summary>Writes Ethernet (+802.1Q) and IPv4/IPv6 headers; returns the offset of the L4 header.</summary>
    private int Headers(Span<byte> d, ref Flow f, bool fromA, byte proto, int l4Length)
    {
        ulong srcMac = fromA ? f.SrcMacAB : f.SrcMacBA;
        ulong dstMac = fromA ? f.DstMacAB : f.DstMacBA;
        ushort vlan = fromA ? f.VlanAB : f.VlanBA;
        WriteMac(d, dstMac);
        WriteMac(d.Slice(6), srcMac);
        int off = 12;
        if (vlan != 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(d.Slice(off), EtherVlan);
            BinaryPrimitives.WriteUInt16BigEndian(d.Slice(off + 2), vlan);
            off += VlanTag;
            Stats.Tagged++;
        }
        BinaryPrimitives.WriteUInt16BigEndian(d.Slice(off), f.V6 ? EtherIpv6 : EtherIpv4);
        off += 2;
        Span<byte> ip = d.Slice(off);
        if (f.V6)
        {
            Stats.Ipv6++;
            BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000u | (uint)(f.PortA & 0xFFFF));
            BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(4), (ushort)l4Length);
            ip[6] = proto;
            ip[7] = 64;
            BinaryPrimitives.WriteUInt64BigEndian(ip.Slice(8), fromA ? f.AHi : f.BHi);
            BinaryPrimitives.WriteUInt64BigEndian(ip.Slice(16), fromA ? f.ALo : f.BLo);
            BinaryPrimitives.WriteUInt64BigEndian(ip.Slice(24), fromA ? f.BHi : f.AHi);
            BinaryPrimitives.WriteUInt64BigEndian(ip.Slice(32), fromA ? f.BLo : f.ALo);
            return off + Ipv6Header;
        }
        ip[0] = 0x45;
        ip[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(2), (ushort)(Ipv4Header + l4Length));
        BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(4), _ipId++);
        BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(6), 0x4000); // DF
        ip[8] = 64;
        ip[9] = proto;
        BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(10), 0);      // checksum not computed
        BinaryPrimitives.WriteUInt32BigEndian(ip.Slice(12), (uint)(fromA ? f.ALo : f.BLo));
        BinaryPrimitives.WriteUInt32BigEndian(ip.Slice(16), (uint)(fromA ? f.BLo : f.ALo));
        return off + Ipv4Header;
    }

    private static void WriteUdp(Span<byte> u, ref Flow f, bool fromA, int payload)
    {
        BinaryPrimitives.WriteUInt16BigEndian(u, fromA ? f.PortA : f.PortB);
        BinaryPrimitives.WriteUInt16BigEndian(u.Slice(2), fromA ? f.PortB : f.PortA);
        BinaryPrimitives.WriteUInt16BigEndian(u.Slice(4), (ushort)(UdpHeader + payload));
        BinaryPrimitives.WriteUInt16BigEndian(u.Slice(6), 0);
    }

    // A question for www.example.com A (and the answer: the same question, one A record).
    private static ReadOnlySpan<byte> DnsQuestion => [3, (byte)'w', (byte)'w', (byte)'w', 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 3, (byte)'c', (byte)'o', (byte)'m', 0, 0, 1, 0, 1];

    private static void WriteDns(Span<byte> p, bool query, uint id)
    {
        BinaryPrimitives.WriteUInt16BigEndian(p, (ushort)id);
        BinaryPrimitives.WriteUInt16BigEndian(p.Slice(2), query ? (ushort)0x0100 : (ushort)0x8180);
        BinaryPrimitives.WriteUInt16BigEndian(p.Slice(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(p.Slice(6), query ? (ushort)0 : (ushort)1);
        BinaryPrimitives.WriteUInt32BigEndian(p.Slice(8), 0);
        DnsQuestion.CopyTo(p.Slice(12));
        if (query) return;
        Span<byte> a = p.Slice(12 + DnsQuestion.Length);
        BinaryPrimitives.WriteUInt16BigEndian(a, 0xC00C);          // name: pointer to the question
        BinaryPrimitives.WriteUInt16BigEndian(a.Slice(2), 1);      // A
        BinaryPrimitives.WriteUInt16BigEndian(a.Slice(4), 1);      // IN
        BinaryPrimitives.WriteUInt32BigEndian(a.Slice(6), 300);    // TTL
        BinaryPrimitives.WriteUInt16BigEndian(a.Slice(10), 4);
        BinaryPrimitives.WriteUInt32BigEndian(a.Slice(12), 0x5DB8_D822);
    }

    private int WriteArp(Span<byte> d)
    {
        var z = _rng.Below(2) == 0 ? ZoneId.LgOffice : ZoneId.InetOffice;
        var host = Client(z, false);
        WriteMac(d, AddressPlan.BroadcastMac);
        WriteMac(d.Slice(6), host.Mac);
        BinaryPrimitives.WriteUInt16BigEndian(d.Slice(12), EtherArp);
        Span<byte> a = d.Slice(EthHeader);
        BinaryPrimitives.WriteUInt16BigEndian(a, 1);           // Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(a.Slice(2), EtherIpv4);
        a[4] = 6; a[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(a.Slice(6), 1);  // request
        WriteMac(a.Slice(8), host.Mac);
        BinaryPrimitives.WriteUInt32BigEndian(a.Slice(14), (uint)host.Lo);
        WriteMac(a.Slice(18), 0);
        BinaryPrimitives.WriteUInt32BigEndian(a.Slice(24), ((uint)host.Lo & 0xFFFF_0000u) | 1u); // who has 10.Z.0.1
        return Pad(d, EthHeader + 28, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteMac(Span<byte> d, ulong mac)
    {
        BinaryPrimitives.WriteUInt16BigEndian(d, (ushort)(mac >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(d.Slice(2), (uint)mac);
    }

    /// <summary>Pads short frames with zeros to the Ethernet minimum (60 bytes untagged, 64 tagged).</summary>
    private static int Pad(Span<byte> d, int len, ushort vlan)
    {
        int min = MinFrame + (vlan != 0 ? VlanTag : 0);
        if (len >= min) return len;
        d.Slice(len, min - len).Clear();
        return min;
    }
}
