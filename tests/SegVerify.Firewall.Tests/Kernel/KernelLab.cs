using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using SegVerify.Core.Net;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Tests.Kernel;

/// <summary>
/// A Linux router in a network namespace with interfaces eth0..eth6 (veth pairs whose other ends, v0..v6, sit in a
/// sender namespace). A probe is sent as a hand-built Ethernet frame from v&lt;in&gt; (any source MAC, address,
/// ports, TCP flags, ICMP type and code, IPv4 or IPv6); the router routes it to the zone of its destination; a chain
/// on the forward hook at the last priority records the IPv4 id / IPv6 flow label of every packet the rulesets under
/// test let through. Needs root, ip and nft.
/// </summary>
internal sealed partial class KernelLab : IDisposable
{
    public static readonly string[] ZoneNets4 = ["10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16", "172.16.0.0/12", "198.51.100.0/26", "192.0.2.0/24"];
    public static readonly string[] ZoneNets6 = ["fd00:10::/64", "fd00:20::/64", "2001:db8:30::/64", "fd00:40::/64", "fd00:50::/64", "fd00:60::/64"];
    public const int Interfaces = 7;

    public readonly string Router, Sender;

    public static string? Missing()
    {
        if (!OperatingSystem.IsLinux()) return "not Linux";
        if (geteuid() != 0) return "not root";
        foreach (var tool in new[] { "ip", "nft" })
            if (!new[] { "/usr/sbin", "/sbin", "/usr/bin", "/bin" }.Any(d => File.Exists(Path.Combine(d, tool)))) return $"{tool} not installed";
        if (Run("ip", "netns add svfwlab0", out _) != 0) return "cannot create network namespaces";
        Run("ip", "netns del svfwlab0", out _);
        return null;
    }

    [LibraryImport("libc")] private static partial uint geteuid();
    [LibraryImport("libc", SetLastError = true)] private static partial int setns(int fd, int nstype);
    [LibraryImport("libc", SetLastError = true)] private static partial int socket(int domain, int type, int protocol);
    [LibraryImport("libc", SetLastError = true)] private static partial nint sendto(int fd, byte[] buf, nint len, int flags, byte[] addr, int addrlen);
    [LibraryImport("libc", SetLastError = true)] private static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial uint if_nametoindex(string name);

    public static int Run(string file, string args, out string text, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        using var p = Process.Start(psi)!;
        if (stdin is not null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
        var err = p.StandardError.ReadToEndAsync();
        text = p.StandardOutput.ReadToEnd() + err.Result;
        p.WaitForExit();
        return p.ExitCode;
    }

    public static void Must(string args, string? stdin = null)
    {
        int rc = Run(args.Split(' ')[0], args[(args.IndexOf(' ') + 1)..], out var t, stdin);
        if (rc != 0) throw new InvalidOperationException($"'{args}' failed ({rc}): {t}");
    }

    public static string RouterMac(int i) => $"02:00:00:00:01:{i:x2}";

    public KernelLab(string id)
    {
        Router = $"svkr{id}"; Sender = $"svks{id}";
        try
        {
            Must($"ip netns add {Router}");
            Must($"ip netns add {Sender}");
            Must($"ip netns exec {Router} sysctl -qw net.ipv4.conf.all.rp_filter=0");
            Must($"ip netns exec {Router} sysctl -qw net.ipv4.conf.default.rp_filter=0");
            for (int i = 0; i < Interfaces; i++)
            {
                Must($"ip link add eth{i} netns {Router} address {RouterMac(i)} type veth peer name v{i} netns {Sender}");
                Must($"ip -n {Router} link set eth{i} up");
                Must($"ip -n {Sender} link set v{i} up");
                Must($"ip -n {Router} addr add 169.254.0.1/32 dev eth{i}");
            }
            Must($"ip netns exec {Router} sysctl -qw net.ipv4.ip_forward=1");
            Must($"ip netns exec {Router} sysctl -qw net.ipv6.conf.all.forwarding=1");
            for (int i = 0; i < Interfaces - 1; i++)
            {
                Must($"ip -n {Router} route add {ZoneNets4[i]} dev eth{i}");
                Must($"ip -n {Router} -6 route add {ZoneNets6[i]} dev eth{i}");
            }
            Must($"ip -n {Router} route add default dev eth6");
            Must($"ip -n {Router} -6 route add default dev eth6");
        }
        catch { Dispose(); throw; }
    }

    /// <summary>Loads a ruleset (nft -f or iptables-restore), then the recording chain.</summary>
    public void Load(string file, bool nft, bool ipv6Tables = false)
    {
        // nft looks for relative includes in its include path: the file's directory.
        if (nft) Must($"ip netns exec {Router} nft -I {Path.GetDirectoryName(Path.GetFullPath(file))} -f {file}");
        else Must($"ip netns exec {Router} {(ipv6Tables ? "ip6tables-restore" : "iptables-restore")} {file}");
        Must($"ip netns exec {Router} nft -f -",
            "table inet svrecord {\n" +
            " set seen4 { typeof ip id; size 65535; flags dynamic; }\n" +
            " set seen6 { typeof ip6 flowlabel; size 65535; flags dynamic; }\n" +
            " chain record { type filter hook forward priority 10000; policy accept;\n" +
            "  meta nfproto ipv4 add @seen4 { ip id }\n  meta nfproto ipv6 add @seen6 { ip6 flowlabel }\n }\n}\n");
    }

    /// <summary>The tags of the packets forwarded so far.</summary>
    public HashSet<int> Forwarded()
    {
        var res = new HashSet<int>();
        foreach (var set in new[] { "seen4", "seen6" })
        {
            Run("ip", $"netns exec {Router} nft list set inet svrecord {set}", out var text);
            int at = text.IndexOf("elements", StringComparison.Ordinal);
            if (at < 0) continue;
            foreach (Match m in NumberRx().Matches(text[at..])) res.Add(int.Parse(m.Value));
        }
        return res;
    }

    [GeneratedRegex(@"\b\d+\b")]
    private static partial Regex NumberRx();

    /// <summary>Sends every probe from the sender end of its ingress interface; tags are 1-based probe numbers.</summary>
    public void Send(IReadOnlyList<ProbePacket> probes, bool hopByHop = false)
    {
        Exception? err = null;
        var t = new Thread(() =>
        {
            var fds = new int[Interfaces];
            try
            {
                using (var h = File.OpenHandle($"/var/run/netns/{Sender}"))
                    if (setns((int)h.DangerousGetHandle(), 0x40000000) != 0) throw new InvalidOperationException($"setns: errno {Marshal.GetLastPInvokeError()}");
                var addrs = new byte[Interfaces][];
                for (int i = 0; i < Interfaces; i++)
                {
                    fds[i] = socket(17 /* AF_PACKET */, 3 /* SOCK_RAW */, 0x0300 /* htons(ETH_P_ALL) */);
                    if (fds[i] < 0) throw new InvalidOperationException($"socket: errno {Marshal.GetLastPInvokeError()}");
                    var a = new byte[20];
                    BinaryPrimitives.WriteUInt16LittleEndian(a, 17);
                    BinaryPrimitives.WriteInt32LittleEndian(a.AsSpan(4), (int)if_nametoindex($"v{i}"));
                    a[11] = 6;
                    WriteMac(a.AsSpan(12), MacAddr.Parse(RouterMac(i)));
                    addrs[i] = a;
                }
                for (int k = 0; k < probes.Count; k++)
                {
                    var p = probes[k];
                    int i = p.InIf[3] - '0';
                    var frame = Frame(p, k + 1, RouterMac(i), hopByHop);
                    if (sendto(fds[i], frame, frame.Length, 0, addrs[i], 20) < 0)
                        throw new InvalidOperationException($"sendto: errno {Marshal.GetLastPInvokeError()}");
                }
            }
            catch (Exception e) { err = e; }
            finally { foreach (var fd in fds) if (fd > 0) close(fd); }
        });
        t.Start();
        t.Join();
        if (err is not null) throw new InvalidOperationException("sending probes failed: " + err.Message, err);
        Thread.Sleep(300);
    }

    /// <summary>
    /// An Ethernet frame for a probe, tagged in the IPv4 id or IPv6 flow label; with <paramref name="hopByHop"/>, an
    /// IPv6 packet carries an (empty) hop-by-hop options header before its transport header.
    /// </summary>
    public static byte[] Frame(ProbePacket p, int tag, string dstMac, bool hopByHop = false)
    {
        bool v6 = !p.Src.IsV4;
        var l4 = Transport(p, tag);
        int ext = v6 && hopByHop ? 8 : 0;
        int ipLen = (v6 ? 40 : 20) + ext;
        var f = new byte[14 + ipLen + l4.Length];
        WriteMac(f.AsSpan(0), MacAddr.Parse(dstMac));
        WriteMac(f.AsSpan(6), p.Mac ?? MacAddr.Parse("02:99:00:00:00:01"));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), (ushort)(v6 ? 0x86DD : 0x0800));
        var ip = f.AsSpan(14, ipLen);
        if (v6)
        {
            BinaryPrimitives.WriteUInt32BigEndian(ip, 0x60000000u | (uint)(tag & 0xFFFFF));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(ext + l4.Length));
            ip[6] = ext > 0 ? (byte)0 : p.Proto; ip[7] = 64;
            WriteIp6(ip[8..], p.Src); WriteIp6(ip[24..], p.Dst);
            if (ext > 0)
            {
                // Hop-by-hop options: next header, length 0 (8 bytes), one PadN option of 4 bytes.
                ip[40] = p.Proto; ip[41] = 0; ip[42] = 1; ip[43] = 4;
            }
        }
        else
        {
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + l4.Length));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)tag);
            ip[8] = 64; ip[9] = p.Proto;
            BinaryPrimitives.WriteUInt32BigEndian(ip[12..], p.Src.V4);
            BinaryPrimitives.WriteUInt32BigEndian(ip[16..], p.Dst.V4);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Fold(Sum(ip, 0)));
        }
        // Transport checksum (ICMPv4 has no pseudo-header).
        int cso = p.Proto switch { IpProto.Tcp => 16, IpProto.Udp => 6, _ => 2 };
        uint s = Sum(l4, 0);
        if (p.Proto != IpProto.Icmp)
        {
            if (v6) { s = Sum(ip.Slice(8, 32), s); s += (uint)l4.Length; s += p.Proto; }
            else { s = Sum(ip.Slice(12, 8), s); s += p.Proto; s += (uint)l4.Length; }
        }
        ushort cs = Fold(s);
        if (p.Proto == IpProto.Udp && cs == 0) cs = 0xFFFF;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(cso), cs);
        l4.CopyTo(f.AsSpan(14 + ipLen));
        return f;
    }

    private static byte[] Transport(ProbePacket p, int tag)
    {
        switch (p.Proto)
        {
            case IpProto.Tcp:
                {
                    var b = new byte[20];
                    BinaryPrimitives.WriteUInt16BigEndian(b, p.SrcPort);
                    BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), p.DstPort);
                    BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), 1000u + (uint)tag);
                    byte flags = (byte)p.Value(HeaderField.TcpFlags);
                    if ((flags & TcpFlagBits.Ack) != 0) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(8), 5000u);
                    b[12] = 5 << 4; b[13] = flags;
                    BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(14), 65535);
                    return b;
                }
            case IpProto.Udp:
                {
                    var b = new byte[12];
                    BinaryPrimitives.WriteUInt16BigEndian(b, p.SrcPort);
                    BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), p.DstPort);
                    BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), 12);
                    BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), tag);
                    return b;
                }
            default:
                {
                    // ICMP / ICMPv6: type, code, checksum, identifier (the tag), sequence, then a little data.
                    var b = new byte[16];
                    b[0] = (byte)p.Value(HeaderField.IcmpType); b[1] = (byte)p.Value(HeaderField.IcmpCode);
                    BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), (ushort)tag);
                    BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), 1);
                    BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), tag);
                    return b;
                }
        }
    }

    private static void WriteMac(Span<byte> b, MacAddr m)
    {
        for (int k = 0; k < 6; k++) b[k] = (byte)(m.Value >> (40 - 8 * k));
    }

    private static void WriteIp6(Span<byte> b, IpAddr a)
    {
        BinaryPrimitives.WriteUInt64BigEndian(b, a.Hi);
        BinaryPrimitives.WriteUInt64BigEndian(b[8..], a.Lo);
    }

    private static uint Sum(ReadOnlySpan<byte> b, uint s)
    {
        int i = 0;
        for (; i + 1 < b.Length; i += 2) s += (uint)(b[i] << 8 | b[i + 1]);
        if (i < b.Length) s += (uint)(b[i] << 8);
        return s;
    }

    private static ushort Fold(uint s)
    {
        while (s >> 16 != 0) s = (s & 0xFFFF) + (s >> 16);
        return (ushort)~s;
    }

    /// <summary>
    /// The conntrack state the kernel gives the first packet of a flow: TCP needs valid flags and a SYN (or an ACK
    /// picked up mid-stream); ICMP requests start a flow; other ICMP and ICMPv6 packets are invalid.
    /// </summary>
    public static int FirstPacketState(byte proto, byte icmpType, byte flags)
    {
        switch (proto)
        {
            case IpProto.Tcp:
                {
                    int f = flags & ~(TcpFlagBits.Ece | TcpFlagBits.Cwr | TcpFlagBits.Psh);
                    int[] valid = [0x02, 0x22, 0x12, 0x04, 0x14, 0x11, 0x31, 0x10, 0x30];
                    if (!valid.Contains(f)) return ConnStates.Invalid;
                    bool syn = (f & 0x02) != 0, ack = (f & 0x10) != 0, rst = (f & 0x04) != 0, fin = (f & 0x01) != 0;
                    if (rst || fin || (syn && ack)) return ConnStates.Invalid;
                    return ConnStates.New;
                }
            case IpProto.Icmp: return icmpType is 8 or 13 or 15 or 17 ? ConnStates.New : ConnStates.Invalid;
            case 58: return icmpType is 128 ? ConnStates.New : ConnStates.Invalid;
            default: return ConnStates.New;
        }
    }

    /// <summary>The interface the router sends a destination to (longest prefix of the zone nets, else eth6).</summary>
    public static int RouteOf(IpAddr dst)
    {
        var nets = dst.IsV4 ? ZoneNets4 : ZoneNets6;
        for (int i = 0; i < nets.Length; i++) if (Cidr.Parse(nets[i]).Contains(dst)) return i;
        return 6;
    }

    public void Dispose()
    {
        Run("ip", $"netns del {Router}", out _);
        Run("ip", $"netns del {Sender}", out _);
    }
}
