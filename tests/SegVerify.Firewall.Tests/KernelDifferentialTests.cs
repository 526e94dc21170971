using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SegVerify.Core.Net;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Dialects.Iptables;
using SegVerify.Firewall.Dialects.Nftables;
using SegVerify.Firewall.Model;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Firewall.Tests;

/// <summary>
/// Differential tests against the Linux kernel: each ruleset is loaded into a router namespace joined to seven zone
/// namespaces (eth0..eth6 of fw-core) over veth pairs; probe packets (TCP SYN and UDP, IPv4) are sent from the source
/// zone namespace and recorded by an nft set in the destination namespace; what arrived must be what
/// <see cref="ConcreteTracer"/> says is accepted. Needs root, ip netns, iptables-restore and nft; skipped otherwise.
/// </summary>
[Collection("kernel")]
public class KernelDifferentialTests(ITestOutputHelper output)
{
    internal static readonly string[] ZoneNets = ["10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16", "172.16.0.0/12", "198.51.100.0/26", "192.0.2.0/24", "0.0.0.0/0"];
    private const int ProbesPerRuleset = 200;

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);
    private const int CloneNewNet = 0x40000000;

    internal static string? Missing()
    {
        if (!OperatingSystem.IsLinux()) return "not Linux";
        if (Environment.UserName != "root" && geteuid() != 0) return "not root";
        foreach (var tool in new[] { "ip", "iptables-restore", "nft" })
            if (!new[] { "/usr/sbin", "/sbin", "/usr/bin", "/bin" }.Any(d => File.Exists(Path.Combine(d, tool)))) return $"{tool} not installed";
        if (Run("ip", "netns add svfwchk0", out _) != 0) return "cannot create network namespaces";
        Run("ip", "netns del svfwchk0", out _);
        return null;
    }

    [DllImport("libc")] private static extern uint geteuid();

    internal static int Run(string file, string args, out string text, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        using var p = Process.Start(psi)!;
        if (stdin is not null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
        text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }

    internal static void Must(string args, string? stdin = null)
    {
        int rc = Run(args.Split(' ')[0], args[(args.IndexOf(' ') + 1)..], out var t, stdin);
        if (rc != 0) throw new InvalidOperationException($"'{args}' failed ({rc}): {t}");
    }

    public static IEnumerable<object[]> Rulesets()
    {
        foreach (var f in new[] { "fw-core-compliant.iptables", "fw-core-violating.iptables", "fw-core-compliant.nft", "fw-core-violating.nft" })
            yield return [f];
        for (int seed = 1; seed <= 3; seed++) { yield return [$"gen:iptables:{seed}"]; yield return [$"gen:nft:{seed}"]; }
    }

    [SkippableTheory]
    [MemberData(nameof(Rulesets))]
    public void KernelAgreesWithProbe(string which)
    {
        var why = Missing();
        if (why is not null) { Console.WriteLine("SKIP kernel differential: " + why); Skip.If(true, "kernel differential test skipped: " + why); }
        string text, name;
        if (which.StartsWith("gen:"))
        {
            var parts = which.Split(':');
            text = Generate(parts[1], int.Parse(parts[2]));
            name = $"gen-{parts[1]}-{parts[2]}";
        }
        else { text = File.ReadAllText(TestPaths.InRepo("topologies", "firewall", which)); name = which; }
        bool nft = which.EndsWith(".nft") || which.StartsWith("gen:nft");
        var rs = nft ? NftParser.Parse(name, text) : IptablesParser.Parse(name, text);
        var probes = MakeProbes(rs, which.GetHashCode() & 0x7fff);
        string id = $"{Environment.ProcessId % 1000:D3}{Math.Abs(which.GetHashCode()) % 100:D2}";
        string router = $"svfr{id}";
        var zones = Enumerable.Range(0, 7).Select(i => $"svfz{id}{i}").ToArray();
        try
        {
            Setup(router, zones);
            var tmp = Path.GetTempFileName();
            File.WriteAllText(tmp, text);
            try
            {
                if (nft) Must($"ip netns exec {router} nft -f {tmp}");
                else Must($"ip netns exec {router} iptables-restore {tmp}");
            }
            finally { File.Delete(tmp); }
            // Send every probe from its source zone.
            for (int i = 0; i < probes.Count; i++) Send(zones[ZoneOf(probes[i].InIf)], probes[i]);
            Thread.Sleep(1500);
            var arrived = Arrived(zones);
            int disagree = 0, agree = 0, delivered = 0, fromExternal = 0;
            for (int i = 0; i < probes.Count; i++)
            {
                var p = probes[i];
                var tr = ConcreteTracer.Trace(rs, p);
                bool expect = tr.Verdict == Verdict.Accept;
                // Delivered means: arrived, unchanged, in the zone of the out interface (so the router forwarded it there).
                bool got = arrived.TryGetValue((p.SrcPort, p.Dst, p.DstPort), out var zone);
                if (got) delivered++;
                if (got && p.InIf == "eth6") fromExternal++;
                string? why2 = expect != got ? $"probe says {tr.VerdictText}, kernel {(got ? "delivered" : "dropped")}"
                    : got && zone != ZoneOf(p.OutIf) ? $"kernel delivered it to zone {zone}, not out {p.OutIf}" : null;
                if (why2 is null) { agree++; continue; }
                disagree++;
                output.WriteLine($"DISAGREE {Describe(p)}: {why2} via [{string.Join(",", tr.Path.Select(r => r.Pos))}]");
            }
            output.WriteLine($"{name}: {probes.Count} probes, {delivered} delivered ({fromExternal} of them from eth6), {agree} agree, {disagree} disagreements");
            Assert.Equal(0, disagree);
            Assert.Equal(probes.Count, agree);
            // Neither all dropped nor all delivered: the probes test the ruleset, not the namespaces.
            Assert.InRange(delivered, 1, probes.Count - 1);
        }
        finally
        {
            Run("ip", $"netns del {router}", out _);
            foreach (var z in zones) Run("ip", $"netns del {z}", out _);
        }
    }

    private static int ZoneOf(string iface) => iface[3] - '0';

    private static string Describe(ProbePacket p) =>
        $"{IpProto.Name(p.Proto)} {p.Src}:{p.SrcPort} -> {p.Dst}:{p.DstPort} in {p.InIf} out {p.OutIf}";

    internal static void Setup(string router, string[] zones)
    {
        Must($"ip netns add {router}");
        Must($"ip netns exec {router} sysctl -qw net.ipv4.ip_forward=1");
        Must($"ip netns exec {router} sysctl -qw net.ipv4.conf.all.rp_filter=0");
        Must($"ip netns exec {router} sysctl -qw net.ipv4.conf.default.rp_filter=0");
        for (int i = 0; i < zones.Length; i++)
        {
            var z = zones[i];
            Must($"ip netns add {z}");
            Must($"ip link add eth{i} netns {router} type veth peer name v netns {z}");
            Must($"ip -n {router} addr add 169.254.0.1/32 dev eth{i}");
            Must($"ip -n {router} link set eth{i} up");
            Must($"ip -n {z} link set lo up");
            Must($"ip -n {z} addr add 169.254.0.2/32 dev v");
            Must($"ip -n {z} link set v up");
            Must($"ip -n {z} route add 169.254.0.1/32 dev v");
            if (i < 6)
            {
                Must($"ip -n {router} route add {ZoneNets[i]} dev eth{i}");
                Must($"ip -n {z} route add local {ZoneNets[i]} dev lo");
                Must($"ip -n {z} route add default via 169.254.0.1 dev v onlink");
            }
            else
            {
                // The external zone owns every address (a local default route), so whatever the router forwards to
                // it is delivered. What it sends must still go to the router, not to itself: its routes to the zones
                // only win over the local default while the kernel keeps the local and main tables merged (no
                // policy rule), an implementation detail that the first rule anyone adds ends (the local table is
                // then looked up first, the probes from eth6 never leave, and the recording here counts them as
                // delivered). So the namespace says it: packets it sends (iif lo) look up table 100 first, which
                // routes the zones (and the public addresses of the DNAT tests) through the router; packets
                // arriving from the router meet the local table.
                Must($"ip -n {router} route add default dev eth{i}");
                Must($"ip -n {z} route add local default dev lo");
                Must($"ip -n {z} route add 169.254.0.1/32 dev v table {ExternalTable}");
                foreach (var net in ZoneNets.Take(6).Append(ExternalPublished))
                    Must($"ip -n {z} route add {net} via 169.254.0.1 dev v onlink table {ExternalTable}");
                Must($"ip -n {z} rule add pref 10 iif lo lookup {ExternalTable}");
                Must($"ip -n {z} rule add pref 100 lookup local");
                Must($"ip -n {z} rule del pref 0");
            }
            // Every zone records what arrives: source port, destination address and port of each TCP/UDP packet.
            Must($"ip netns exec {z} nft -f -",
                "table ip probe {\n set seen { type inet_service . ipv4_addr . inet_service; flags dynamic; size 65535; }\n" +
                " chain pre { type filter hook prerouting priority -400; policy accept; iifname \"v\" meta l4proto { tcp, udp } add @seen { th sport . ip daddr . th dport }; }\n}\n");
        }
    }

    /// <summary>The routing table the external zone's own packets use (see <see cref="Setup"/>).</summary>
    private const int ExternalTable = 100;

    /// <summary>Addresses the DNAT tests publish: the external zone sends them to the router too.</summary>
    internal const string ExternalPublished = "203.0.113.0/24";

    /// <summary>What arrived in each zone: (source port, destination, destination port) to the zone's index.</summary>
    internal static Dictionary<(int Sport, IpAddr Dst, int Dport), int> Arrived(string[] zones)
    {
        var got = new Dictionary<(int, IpAddr, int), int>();
        for (int zi = 0; zi < zones.Length; zi++)
        {
            Run("ip", $"netns exec {zones[zi]} nft list set ip probe seen", out var list);
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(list, @"\b(\d+) \. (\d+\.\d+\.\d+\.\d+) \. (\d+)\b"))
                got[(int.Parse(m.Groups[1].Value), IpAddr.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value))] = zi;
        }
        return got;
    }

    internal static void Send(string ns, ProbePacket p)
    {
        Exception? err = null;
        var t = new Thread(() =>
        {
            try
            {
                using (var h = File.OpenHandle($"/var/run/netns/{ns}"))
                    if (setns((int)h.DangerousGetHandle(), CloneNewNet) != 0) throw new InvalidOperationException($"setns {ns}: errno {Marshal.GetLastWin32Error()}");
                var src = new IPEndPoint(p.Src.ToIPAddress(), p.SrcPort);
                var dst = new IPEndPoint(p.Dst.ToIPAddress(), p.DstPort);
                if (p.Proto == IpProto.Udp)
                {
                    using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                    s.Bind(src);
                    s.SendTo(new byte[] { 1 }, dst);
                }
                else
                {
                    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
                    s.Bind(src);
                    try { s.Connect(dst); } catch (SocketException) { }
                    // Left open briefly so the SYN goes out; closed by the finaliser-free timer below.
                    _ = Task.Delay(3000).ContinueWith(_ => s.Dispose());
                }
            }
            catch (Exception e) { err = e; }
        });
        t.Start();
        t.Join();
        if (err is not null) throw new InvalidOperationException("sending probe failed: " + err.Message, err);
    }

    /// <summary>Probes hitting every rule (inside and at the edges of its address and port ranges) plus random ones.</summary>
    private static List<ProbePacket> MakeProbes(FwRuleset rs, int seed)
    {
        var rnd = new Random(seed);
        var res = new List<ProbePacket>();
        var zoneSets = ZoneNets.Take(6).Select(c => Domains.Cidr(Cidr.Parse(c))).ToList();
        var internal4 = zoneSets.Aggregate(IntervalSet.Empty, (a, b) => a.Union(b));
        var ext = Domains.V4.Subtract(internal4)
            .Subtract(Domains.Cidr(Cidr.Parse("0.0.0.0/8"))).Subtract(Domains.Cidr(Cidr.Parse("127.0.0.0/8")))
            .Subtract(Domains.Cidr(Cidr.Parse("169.254.0.0/16"))).Subtract(Domains.Cidr(Cidr.Parse("224.0.0.0/3")));
        zoneSets.Add(ext);
        IntervalSet Z(int i) => zoneSets[i];
        UInt128 PickIn(IntervalSet want, IntervalSet zone)
        {
            var s = want.Intersect(zone);
            if (s.IsEmpty) s = zone;
            int k = rnd.Next(s.Count);
            var lo = s.Lo(k); var hi = s.Hi(k);
            return rnd.Next(3) switch { 0 => lo, 1 => hi, _ => lo + (UInt128)(ulong)rnd.NextInt64((long)Math.Min((ulong)(hi - lo), long.MaxValue - 1) + 1) };
        }
        ushort PickPort(IntervalSet want)
        {
            int k = rnd.Next(want.Count);
            var lo = (int)want.Lo(k); var hi = (int)want.Hi(k);
            return (ushort)Math.Clamp(rnd.Next(5) switch { 0 => lo, 1 => hi, 2 => lo - 1, 3 => hi + 1, _ => rnd.Next(lo, hi + 1) }, 1, 65535);
        }
        int sport = 20000;
        var ifaces = IfaceTable.Build(Enumerable.Range(0, 7).Select(i => $"eth{i}"), rs);
        var compiled = CompiledRuleset.Compile(rs, ifaces);
        var rules = rs.Filters.SelectMany(a => Reach(a.Acl)).Where(r => !r.HasUnknown && compiled.Over(r).Count > 0).ToList();
        int ri = 0;
        while (res.Count < ProbesPerRuleset)
        {
            var r = rules.Count > 0 && ri < rules.Count * 4 ? rules[ri++ % rules.Count] : null;
            int a = rnd.Next(7), b = rnd.Next(7);
            var f = (IntervalSet[])Domains.Full.Clone();
            if (r is not null)
            {
                // One box of what the rule matches picks the interfaces and the fields.
                var box = compiled.Over(r)[rnd.Next(compiled.Over(r).Count)];
                f = box.D;
                string? Named(Dim d) { var s = f[(int)d]; return s.Count == 1 && s.Lo(0) == s.Hi(0) && (int)s.Lo(0) < ifaces.Names.Count ? ifaces.Names[(int)s.Lo(0)] : null; }
                if (Named(Dim.InIf) is { } ni && ni.StartsWith("eth") && ni.Length == 4 && char.IsDigit(ni[3])) a = ni[3] - '0';
                if (Named(Dim.OutIf) is { } no && no.StartsWith("eth") && no.Length == 4 && char.IsDigit(no[3])) b = no[3] - '0';
            }
            if (a == b) b = (b + 1) % 7;
            var src = Domains.ToIp(PickIn(f[(int)Dim.Src], Z(a)));
            var dst = Domains.ToIp(PickIn(f[(int)Dim.Dst], Z(b)));
            bool tcp = f[(int)Dim.Proto].Contains(IpProto.Tcp) && (!f[(int)Dim.Proto].Contains(IpProto.Udp) || rnd.Next(2) == 0);
            if (!f[(int)Dim.Proto].Contains(IpProto.Tcp) && !f[(int)Dim.Proto].Contains(IpProto.Udp)) tcp = rnd.Next(2) == 0;
            var dportSet = f[(int)Dim.Dport].Intersect(IntervalSet.Range(1, 65535));
            ushort dport = dportSet.IsEmpty ? (ushort)rnd.Next(1, 65535) : PickPort(dportSet);
            res.Add(new ProbePacket(tcp ? IpProto.Tcp : IpProto.Udp, src, (ushort)sport++, dst, dport, $"eth{a}", $"eth{b}", null, ConnStates.New));
        }
        return res;
    }

    private static IEnumerable<AclLine> Reach(Acl c, int depth = 0)
    {
        if (depth > 8) yield break;
        foreach (var r in c.Lines)
        {
            yield return r;
            if (r.TargetAcl is not null) foreach (var x in Reach(r.TargetAcl, depth + 1)) yield return x;
        }
    }

    private static string Generate(string dialect, int seed)
    {
        var rnd = new Random(seed * 7919);
        string[] nets = ["10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16", "172.16.0.0/12", "198.51.100.0/26", "192.0.2.0/24", "203.0.113.0/24"];
        bool nft = dialect == "nft";
        var sb = new System.Text.StringBuilder();
        sb.Append(nft ? "table ip gen {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy " + (seed % 2 == 0 ? "accept" : "drop") + ";\n"
                      : "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD " + (seed % 2 == 0 ? "ACCEPT" : "DROP") + " [0:0]\n:OUTPUT ACCEPT [0:0]\n:sub - [0:0]\n");
        for (int i = 0; i < 25; i++)
        {
            int a = rnd.Next(7), b = rnd.Next(7);
            var c = Cidr.Parse(nets[a]);
            var srcNet = new Cidr(IpAddr.FromV4(c.Network.V4 + (uint)rnd.Next(0, 200) * 256), Math.Max(c.PrefixLength, 24 + rnd.Next(0, 5)));
            int lo = rnd.Next(1, 60000), hi = lo + rnd.Next(0, 50);
            string verdict = rnd.Next(3) == 0 ? "drop" : "accept";
            bool neg = rnd.Next(5) == 0;
            string proto = rnd.Next(2) == 0 ? "tcp" : "udp";
            if (nft)
                sb.Append($"\t\tiifname \"eth{a}\" oifname \"eth{b}\" ip saddr {(neg ? "!= " : "")}{srcNet} {proto} dport {lo}-{hi} {verdict}\n");
            else
                sb.Append($"-A FORWARD -i eth{a} -o eth{b} {(neg ? "! " : "")}-s {srcNet} -p {proto} -m {proto} --dport {lo}:{hi} -j {verdict.ToUpperInvariant()}\n");
        }
        if (nft) sb.Append($"\t\tiifname \"{(seed % 2 == 1 ? "eth*" : "eth+")}\" tcp dport {{ 22, 80-90 }} accept\n\t}}\n}}\n");
        else sb.Append("-A FORWARD -p tcp -m multiport --dports 22,80:90 -j sub\n-A sub -i eth1 -j RETURN\n-A sub -j ACCEPT\nCOMMIT\n");
        return sb.ToString();
    }
}
