using SegVerify.Core.Findings;
using SegVerify.Core.Net;
using SegVerify.Core.Output;
using SegVerify.Core.Policy;
using SegVerify.Core.Topology;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Analysis;

/// <summary>Options of one analysis run.</summary>
public sealed class AnalysisOptions
{
    public bool Required { get; init; }
    /// <summary>The moment used to decide whether an allow rule has expired.</summary>
    public DateTime NowUtc { get; init; } = DateTime.UtcNow;
    public bool Shadow { get; init; } = true;
}

/// <summary>What an analysis found, plus consistency counters the tests assert on.</summary>
public sealed class AnalysisResult
{
    public List<Finding> Findings { get; } = [];
    /// <summary>Witnesses whose policy verdict (PolicyEngine.Judge) differed from the set-based verdict: must be 0.</summary>
    public int PolicyDisagreements { get; set; }
    /// <summary>Witnesses the concrete tracer did not accept although the symbolic walk did: must be 0.</summary>
    public int TraceDisagreements { get; set; }
    /// <summary>True when a construct not understood made the accepted set an over-approximation.</summary>
    public bool OverApproximated { get; set; }
    public int Boxes { get; set; }
}

/// <summary>
/// The packet-set analysis of check-firewall: for every pair of the firewall's interfaces, the NEW connections the
/// forward hook accepts, minus what the policy permits, split by finding id into classes with witnesses.
/// </summary>
public sealed class FirewallAnalyzer
{
    private readonly Topology _topo;
    private readonly FirewallDef _fw;
    private readonly FwRuleset _rs;
    private readonly AnalysisOptions _opt;
    private readonly PolicyEngine _policy;
    private readonly IfaceTable _ifaces;
    private readonly CompiledRuleset _compiled;
    private readonly Dictionary<Zone, IntervalSet> _zoneAddrs = new();
    private readonly IntervalSet _families;

    public FirewallAnalyzer(Topology topo, FirewallDef fw, FwRuleset rs, AnalysisOptions opt)
    {
        _topo = topo; _fw = fw; _rs = rs; _opt = opt;
        _policy = new PolicyEngine(topo);
        _ifaces = IfaceTable.Build(fw.Interfaces.Keys, rs);
        _compiled = CompiledRuleset.Compile(rs, _ifaces);
        _families = FieldDomains.Addresses(rs.Families);
        BuildZoneAddresses();
    }

    public IfaceTable Interfaces => _ifaces;

    private void BuildZoneAddresses()
    {
        var all = new List<(Segment S, Zone Z)>();
        foreach (var z in _topo.Zones) foreach (var s in z.Segments) all.Add((s, z));
        var covered = IntervalSet.Empty;
        foreach (var (s, _) in all) covered = covered.Union(Domains.Cidr(s.Cidr));
        foreach (var z in _topo.Zones)
        {
            if (z.IsImplicitExternal || z.Tier == Tier.External && z.Segments.Count == 0)
            {
                _zoneAddrs[z] = Domains.Full[(int)Dim.Src].Subtract(covered);
                continue;
            }
            var set = IntervalSet.Empty;
            foreach (var s in z.Segments)
            {
                var own = Domains.Cidr(s.Cidr);
                foreach (var (t, tz) in all)
                    if (tz != z && t.Cidr.PrefixLength128 > s.Cidr.PrefixLength128) own = own.Subtract(Domains.Cidr(t.Cidr));
                set = set.Union(own);
            }
            _zoneAddrs[z] = set;
        }
    }

    public IntervalSet ZoneAddresses(Zone z) => _zoneAddrs.TryGetValue(z, out var s) ? s : IntervalSet.Empty;

    /// <summary>The boxes of NEW connections entering <paramref name="inIf"/> and leaving <paramref name="outIf"/>.</summary>
    private List<PacketBox> Initial(int inIf, int outIf, IntervalSet src, IntervalSet dst)
    {
        var res = new List<PacketBox>();
        foreach (var fam in new[] { Domains.V4, Domains.V6 })
        {
            var s = src.Intersect(fam).Intersect(_families);
            var d = dst.Intersect(fam);
            if (s.IsEmpty || d.IsEmpty) continue;
            var b = PacketBox.Universe().With(Dim.InIf, IntervalSet.Single((UInt128)inIf)).With(Dim.OutIf, IntervalSet.Single((UInt128)outIf))
                .With(Dim.Src, s).With(Dim.Dst, d).With(Dim.Ct, IntervalSet.Single(ConnStates.New)).With(Dim.DstNat, NotTranslated);
            res.AddRange(PacketClasses.ByProtocol(b, firstPacketOnly: true));
        }
        return res;
    }

    private static readonly IntervalSet NotTranslated = IntervalSet.Single(0);

    /// <summary>What the filters accept of one group of packets: untranslated (<see cref="Nat"/> null) or rewritten by one NAT line.</summary>
    private readonly record struct Forwarded(NatGroup? Nat, List<TaggedBox> Accepted);

    /// <summary>
    /// The NEW connections from <paramref name="src"/> entering <paramref name="inIf"/> that the ruleset forwards out
    /// of <paramref name="outIf"/> to <paramref name="dst"/> (the out zone's addresses): the destination-NAT stage
    /// first (a packet may be sent to any address; what it is translated to must lie in <paramref name="dst"/>,
    /// what is not translated must be sent there), then the filters, which judge the translated destination.
    /// </summary>
    private List<Forwarded> Forward(SymbolicWalker walker, int inIf, int outIf, IntervalSet src, IntervalSet dst)
    {
        var res = new List<Forwarded>();
        if (_rs.DestinationNat.Count == 0)
        {
            var initial = Initial(inIf, outIf, src, dst);
            if (initial.Count > 0) res.Add(new(null, Filter(walker, initial)));
            return res;
        }
        var sent = Initial(inIf, outIf, src, Domains.Full[(int)Dim.Dst]);
        if (sent.Count == 0) return res;
        var nat = DestinationNatStage.Walk(walker, _compiled, _rs.DestinationNat, sent);
        var direct = ToDestinations(nat.Untranslated, dst);
        if (direct.Count > 0) res.Add(new(null, Filter(walker, direct)));
        foreach (var g in nat.Translated)
        {
            var t = ToDestinations(g.Translated, dst);
            if (t.Count > 0) res.Add(new(g, Filter(walker, t)));
        }
        return res;
    }

    private List<TaggedBox> Filter(SymbolicWalker walker, List<PacketBox> boxes) =>
        walker.WalkStage(_rs.Filters, boxes.Select(b => new TaggedBox(b, null)).ToList(), _rs.Unfiltered).Accepted;

    private static List<PacketBox> ToDestinations(List<PacketBox> boxes, IntervalSet dst)
    {
        var res = new List<PacketBox>(boxes.Count);
        foreach (var b in boxes)
        {
            var d = b[Dim.Dst].Intersect(dst);
            if (!d.IsEmpty) res.Add(b.With(Dim.Dst, d));
        }
        return res;
    }

    private IntervalSet EndpointAddrs(Endpoint e, Zone z) => e switch
    {
        HostEndpoint h => IntervalSet.FromRanges(h.Host.Ips.Select(ip => (Domains.ToU(ip), Domains.ToU(ip)))).Intersect(ZoneAddresses(z)),
        ZoneEndpoint ze => ze.Zone == z ? ZoneAddresses(z) : IntervalSet.Empty,
        CidrEndpoint c => Domains.Cidr(c.Cidr).Intersect(ZoneAddresses(z)),
        ListEndpoint l => l.Items.Aggregate(IntervalSet.Empty, (acc, i) => acc.Union(EndpointAddrs(i, z))),
        _ => IntervalSet.Empty,
    };

    /// <summary>Proto/port boxes (proto, dport) a rule's services admit; all when the rule lists none.</summary>
    private static List<(IntervalSet Proto, IntervalSet Dport)> ServiceBoxes(PolicyRule r)
    {
        var res = new List<(IntervalSet, IntervalSet)>();
        if (r.Services is null) { res.Add((Domains.Full[(int)Dim.Proto], Domains.Full[(int)Dim.Dport])); return res; }
        foreach (var s in r.Services)
            foreach (var e in s.Entries)
                res.Add((IntervalSet.FromRanges(e.Protocols.Select(p => ((UInt128)p, (UInt128)p))),
                         e.LimitsPort ? IntervalSet.Range(e.Low, e.High) : Domains.Full[(int)Dim.Dport]));
        return res;
    }

    /// <summary>The packets (any interfaces, any state) a rule or path permits from zone a to zone b.</summary>
    private List<PacketBox> RuleRegion(PolicyRule r, Zone a, Zone b, bool anyService = false, bool reverse = false)
    {
        var res = new List<PacketBox>();
        var from = EndpointAddrs(reverse ? r.To : r.From, a);
        var to = EndpointAddrs(reverse ? r.From : r.To, b);
        if (from.IsEmpty || to.IsEmpty) return res;
        var svcs = anyService ? [(Domains.Full[(int)Dim.Proto], Domains.Full[(int)Dim.Dport])] : ServiceBoxes(r);
        foreach (var (p, d) in svcs)
        {
            var box = PacketBox.Universe().With(Dim.Src, from).With(Dim.Dst, to).With(Dim.Proto, p).With(Dim.Dport, d);
            res.Add(box);
        }
        return res;
    }

    private bool Expired(PolicyRule r) => PolicyEngine.IsExpired(r, PolicyEngine.Day(_opt.NowUtc));

    /// <summary>Packet sets between two zones as the policy fold's flow space (addresses restricted to the zones).</summary>
    private readonly struct BoxSpace(FirewallAnalyzer an, Zone a, Zone b) : IFlowSpace<List<PacketBox>>
    {
        public List<PacketBox> All => [PacketBox.Universe()];
        public List<PacketBox> Rule(PolicyRule r) => an.RuleRegion(r, a, b);
        public List<PacketBox> PathEndpoints(PolicyRule p) =>
            PacketSets.Disjoint([.. an.RuleRegion(p, a, b, true), .. an.RuleRegion(p, a, b, true, true)]);
        public List<PacketBox> Intersect(List<PacketBox> x, List<PacketBox> y) => PacketSets.Intersect(x, y);
        public List<PacketBox> Subtract(List<PacketBox> x, List<PacketBox> y) => PacketSets.Subtract(x, y);
        public bool IsEmpty(List<PacketBox> x) => x.Count == 0;
    }

    /// <summary>Collects the forbidden parts of the fold.</summary>
    private struct ForbiddenParts() : IPolicyPartSink<List<PacketBox>>
    {
        public readonly List<(string Id, PolicyRule? By, List<PacketBox> Region)> Parts = [];
        public void Add(PolicyClause clause, string? findingId, PolicyRule? by, List<PacketBox> flows)
        {
            if (findingId is not null) Parts.Add((findingId, by, flows));
        }
    }

    /// <summary>The forbidden regions of a zone pair, each with its finding id and the rule or path named: the policy's clauses folded over packet sets.</summary>
    private List<(string Id, PolicyRule? By, List<PacketBox> Region)> Forbidden(Zone a, Zone b)
    {
        var sink = new ForbiddenParts();
        _policy.Fold<List<PacketBox>, BoxSpace, ForbiddenParts>(a, b, PolicyEngine.Day(_opt.NowUtc), new BoxSpace(this, a, b), ref sink);
        return sink.Parts;
    }

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private static readonly bool TimingOn = Environment.GetEnvironmentVariable("SEGVERIFY_FW_TIMING") == "1";
    private void Timing(string phase) { if (TimingOn) Console.Error.WriteLine($"[timing] {phase}: {_clock.Elapsed.TotalSeconds:F3} s (process cpu {System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F3} s)"); }

    public AnalysisResult Run()
    {
        var result = new AnalysisResult();
        result.OverApproximated = _rs.AllLines.Any(r => r.HasUnknown);
        foreach (var w in _rs.Warnings) result.Findings.Add(WarningFinding(RuleIds.UnsupportedSyntax, w.Pos, new MessageArgs { Subject = w.Message, Quote = w.Text }));

        var walker = new SymbolicWalker(_compiled);
        var ifs = _fw.Interfaces.ToList();
        var pairs = new List<(string InName, Zone Zi, string OutName, Zone Zo)>();
        foreach (var (inName, zi) in ifs)
            foreach (var (outName, zo) in ifs)
                if (inName != outName) pairs.Add((inName, zi, outName, zo));
        // Interface pairs are independent: analysed in parallel, reported in pair order.
        var perPair = new List<Finding>[pairs.Count];
        Parallel.For(0, pairs.Count, k =>
        {
            var (inName, zi, outName, zo) = pairs[k];
            var local = perPair[k] = [];
            int inIdx = _ifaces.IndexOf(inName), outIdx = _ifaces.IndexOf(outName);
            var fwd = Forward(walker, inIdx, outIdx, ZoneAddresses(zi), ZoneAddresses(zo));
            if (fwd.Count == 0) return;
            lock (result) result.Boxes += fwd.Sum(f => f.Accepted.Count);
            if (zi == zo) return;
            foreach (var (id, by, region) in Forbidden(zi, zo))
            {
                // One class per accepting rule and NAT line.
                var groups = new Dictionary<(AclLine Rule, NatGroup? Nat), List<PacketBox>>();
                var order = new List<(AclLine Rule, NatGroup? Nat)>();
                foreach (var f in fwd)
                    foreach (var t in f.Accepted)
                        foreach (var r in region)
                        {
                            var x = t.Box.Intersect(r);
                            if (x is null) continue;
                            var key = (t.Rule ?? _rs.Unfiltered, f.Nat);
                            if (!groups.TryGetValue(key, out var l)) { groups[key] = l = []; order.Add(key); }
                            l.Add(x);
                        }
                foreach (var key in order)
                    foreach (var box in PacketSets.Merge(groups[key]))
                        local.Add(Violation(result, id, by, key.Rule, key.Nat, box, zi, zo, inName, outName));
            }
            if (_opt.Required) Required(local, fwd, zi, zo, inIdx, outIdx, inName, outName);
        });
        foreach (var l in perPair) if (l is not null) result.Findings.AddRange(l);
        Timing("pairs");
        Spoofing(result, walker);
        Timing("spoofing");
        if (_opt.Shadow) Shadowed(result);
        Timing("shadow");
        return result;
    }

    /// <summary>
    /// What the policy permits that the ruleset blocks, judged on the destination the packet reaches: an allowed
    /// flow gets through when it is forwarded either sent to that address or translated to it.
    /// </summary>
    private void Required(List<Finding> sink, List<Forwarded> fwd, Zone zi, Zone zo, int inIdx, int outIdx, string inName, string outName)
    {
        var anyNat = Domains.Full[(int)Dim.DstNat];
        var accepted = fwd.SelectMany(f => f.Accepted).Select(t => t.Box.With(Dim.DstNat, anyNat)).ToList();
        foreach (var r in _policy.Rules)
        {
            if (Expired(r)) continue;
            var region = PacketSets.Intersect(RuleRegion(r, zi, zo), Initial(inIdx, outIdx, ZoneAddresses(zi), ZoneAddresses(zo)));
            region = PacketSets.Disjoint(region.Select(b => b.With(Dim.DstNat, anyNat)).ToList());
            if (region.Count == 0) continue;
            var blocked = PacketSets.Subtract(region, accepted);
            if (blocked.Count == 0) continue;
            bool fully = PacketSets.Intersect(region, accepted).Count == 0;
            var w = Witness(PacketSets.Merge(blocked)[0]);
            var trace = ConcreteTracer.Trace(_rs, ToProbe(w, inName, outName), compiled: _compiled);
            var where = trace.Decider;
            var msg = new MessageArgs { RuleName = r.Name, Partial = !fully, InInterface = inName, OutInterface = outName, Location = where?.Pos.Full };
            sink.Add(MakeFinding(RuleIds.RequiredBlocked, w, zi, zo, inName, outName, msg, r.Name,
                where, PacketSets.Merge(blocked), trace, [new("blocked", fully ? "fully" : "partly")]));
        }
    }

    private void Spoofing(AnalysisResult result, SymbolicWalker walker)
    {
        var ifs = _fw.Interfaces.ToList();
        foreach (var (inName, zi) in ifs)
        {
            int inIdx = _ifaces.IndexOf(inName);
            var foreign = Domains.Full[(int)Dim.Src].Subtract(ZoneAddresses(zi));
            foreach (var (outName, zo) in ifs)
            {
                if (outName == inName || zo == zi) continue;
                var fwd = Forward(walker, inIdx, _ifaces.IndexOf(outName), foreign, ZoneAddresses(zo)).FirstOrDefault(f => f.Accepted.Count > 0);
                if (fwd.Accepted is null) continue;
                var acc = fwd.Accepted;
                var translated = Witness(acc[0].Box);
                var w = fwd.Nat is null ? translated : AsSent(translated, fwd.Nat);
                var msg = new MessageArgs { InInterface = inName, SrcZone = zi.Name, Src = w.Src };
                var trace = ConcreteTracer.Trace(_rs, ToProbe(w, inName, outName), translated.Dst, _compiled);
                var f = MakeFinding(RuleIds.SpoofableInterface, w, zi, zo, inName, outName, msg, null,
                    acc[0].Rule, null, trace, NatFields(fwd.Nat, translated));
                result.Findings.Add(f);
                break; // one warning per interface
            }
        }
    }

    private void Shadowed(AnalysisResult result)
    {
        var sw = new SymbolicWalker(_compiled, shadowMode: true);
        // Interface pairs every line treats alike are walked once (most lines name no interface).
        var pairs = _compiled.DistinctInterfacePairs();
        var families = _rs.Filters.Concat(_rs.DestinationNat).GroupBy(a => a.Acl).ToDictionary(g => g.Key, g => g.First().Families);
        foreach (var c in _rs.Entries)
        {
            var fam = FieldDomains.Addresses(families.TryGetValue(c, out var f0) ? f0 : _rs.Families);
            Parallel.For(0, pairs.Count, k =>
                {
                    var (i, o) = pairs[k];
                    var input = new List<TaggedBox>();
                    foreach (var f in new[] { Domains.V4, Domains.V6 })
                    {
                        var s = f.Intersect(fam);
                        if (s.IsEmpty) continue;
                        var b = PacketBox.Universe().With(Dim.InIf, IntervalSet.Single((UInt128)i)).With(Dim.OutIf, IntervalSet.Single((UInt128)o))
                            .With(Dim.Src, s).With(Dim.Dst, f);
                        foreach (var x in PacketClasses.ByProtocol(b, firstPacketOnly: false)) input.Add(new TaggedBox(x, null));
                    }
                    sw.WalkEntry(c, input);
                });
        }
        foreach (var c in _rs.Acls)
        {
            if (!sw.IsReached(c)) continue;
            // A written rule may be several lines at one position (a verdict map, a NAT map, a split translation):
            // it is shadowed when none of them is hit.
            foreach (var g in c.Lines.GroupBy(r => r.Pos))
            {
                if (g.Any(r => sw.IsHit(r) || r.HasUnknown)) continue;
                var r = g.First();
                result.Findings.Add(WarningFinding(RuleIds.ShadowedRule, r.Pos, new MessageArgs { Quote = r.Text }));
            }
        }
    }

    // ---- witnesses and findings ----

    public readonly record struct WitnessPacket(byte Proto, IpAddr Src, ushort Sport, IpAddr Dst, ushort Dport, MacAddr Mac,
                                                byte IcmpType = 0, byte IcmpCode = 0, byte TcpFlags = 0);

    private static UInt128 Pick(IntervalSet s, UInt128 preferred)
    {
        if (s.Contains(preferred)) return preferred;
        var lo = s.Lo(0); var hi = s.Hi(0);
        return hi - lo >= 2 ? lo + 1 : lo;
    }

    public static WitnessPacket Witness(PacketBox b)
    {
        var protoSet = b[Dim.Proto];
        byte proto = (byte)(protoSet.Contains(IpProto.Tcp) ? IpProto.Tcp : protoSet.Contains(IpProto.Udp) ? IpProto.Udp
            : protoSet.Contains(IpProto.Icmp) ? IpProto.Icmp : protoSet.Contains(IpProto.IcmpV6) ? IpProto.IcmpV6 : (byte)protoSet.First);
        const ushort ephemeral = 40000;
        var sport = (ushort)Pick(b[Dim.Sport], ephemeral);
        var dport = (ushort)b[Dim.Dport].First;
        if (!Domains.PortedProtos.Contains(proto)) { sport = 0; dport = 0; }
        var src = Domains.ToIp(Pick(b[Dim.Src], 0));
        var dst = Domains.ToIp(Pick(b[Dim.Dst], 0));
        var mac = new MacAddr((ulong)Pick(b[Dim.SrcMac], 0x02_00_00_00_00_01UL));
        var icmpType = (byte)Pick(b[Dim.IcmpType], proto == IpProto.IcmpV6 ? 128u : 8u);
        var icmpCode = (byte)Pick(b[Dim.IcmpCode], 0);
        var flags = (byte)Pick(b[Dim.TcpFlags], TcpFlagBits.Syn);
        return new WitnessPacket(proto, src, sport, dst, dport, mac, icmpType, icmpCode, flags);
    }

    private static ProbePacket ToProbe(WitnessPacket w, string inIf, string outIf) =>
        new(w.Proto, w.Src, w.Sport, w.Dst, w.Dport, inIf, outIf, w.Mac, ConnStates.New, w.IcmpType, w.IcmpCode, w.TcpFlags);

    /// <summary>
    /// The witness as sent, for a witness of packets a NAT line rewrote: the same packet with a destination (and
    /// port) of the line's sent packets that the translation turns into the witness's.
    /// </summary>
    private static WitnessPacket AsSent(WitnessPacket w, NatGroup g)
    {
        foreach (var s in g.Sent)
        {
            if (!s[Dim.Src].Contains(Domains.ToU(w.Src)) || !s[Dim.Proto].Contains(w.Proto) || !s[Dim.Sport].Contains(w.Sport)
                || !s[Dim.SrcMac].Contains(w.Mac.Value) || !s[Dim.IcmpType].Contains(w.IcmpType) || !s[Dim.IcmpCode].Contains(w.IcmpCode)
                || !s[Dim.TcpFlags].Contains(w.TcpFlags)) continue;
            if (!NatRewrite.TryInvert(g.Line.Nat!, s, w.Proto, Domains.ToU(w.Dst), w.Dport, out var dsts, out var ports)) continue;
            return w with { Dst = Domains.ToIp(Pick(dsts, 0)), Dport = (ushort)Pick(ports, w.Dport) };
        }
        return w; // not reached: every translated packet comes from a sent one
    }

    /// <summary><c>nat_dst_ip</c>/<c>nat_dst_port</c> of a translated witness (nothing for an untranslated one).</summary>
    private static List<KeyValuePair<string, object?>> NatFields(NatGroup? g, WitnessPacket translated)
    {
        if (g is null) return [];
        var res = new List<KeyValuePair<string, object?>> { new("nat_dst_ip", translated.Dst.ToString()) };
        if (Domains.PortedProtos.Contains(translated.Proto)) res.Add(new("nat_dst_port", (int)translated.Dport));
        return res;
    }

    private Finding Violation(AnalysisResult result, string id, PolicyRule? by, AclLine acceptRule, NatGroup? nat, PacketBox box,
                              Zone zi, Zone zo, string inName, string outName)
    {
        var translated = Witness(box);
        var w = nat is null ? translated : AsSent(translated, nat);
        // The policy judges the destination the packet reaches; the ruleset sees it as sent.
        var verdict = _policy.Judge(zi, translated.Src, zo, translated.Dst, translated.Proto, translated.Dport, _opt.NowUtc);
        if (verdict.Rule != id) lock (result) result.PolicyDisagreements++;
        var trace = ConcreteTracer.Trace(_rs, ToProbe(w, inName, outName), translated.Dst, _compiled);
        // (A trace through a line not fully understood takes one of the possible ways; nothing to compare then.)
        bool natAgrees = trace.Approximate || (nat is null ? trace.NatDst is null
            : trace.NatDst == translated.Dst && (!Domains.PortedProtos.Contains(w.Proto) || trace.NatDstPort == translated.Dport));
        if (trace.Verdict != Verdict.Accept || !natAgrees) lock (result) result.TraceDisagreements++;
        var described = Describe(box);
        var msg = new MessageArgs
        {
            Kind = MessageKind.RulesetAccepts, SrcZone = zi.Name, DstZone = zo.Name, InInterface = inName, OutInterface = outName,
            Subject = described, Location = acceptRule.Pos.Full,
        };
        return MakeFinding(id, w, zi, zo, inName, outName, msg, by?.Name, acceptRule, [box], trace, NatFields(nat, translated), described);
    }

    private Finding MakeFinding(string id, WitnessPacket w, Zone zi, Zone zo, string inName, string outName, in MessageArgs msg,
                                string? allowedBy, AclLine? at, List<PacketBox>? cls, TraceResult? trace, List<KeyValuePair<string, object?>> more,
                                string? clsDescribed = null)
    {
        var extra = new List<KeyValuePair<string, object?>>
        {
            new("in_interface", inName),
            new("out_interface", outName),
        };
        if (cls is not null && cls.Count > 0) extra.Add(new("class", clsDescribed ?? string.Join("; ", cls.Select(Describe))));
        if (trace is not null) extra.Add(new("path", trace.Path.Select(r => r.Pos.ToString()).ToArray()));
        extra.AddRange(more);
        bool ported = Domains.PortedProtos.Contains(w.Proto);
        return FindingFactory.ForRulesetClass(id, in msg, w.Proto, w.Src, ported ? w.Sport : null, w.Dst, ported ? w.Dport : null,
            w.Mac, zi, zo, allowedBy, at is null ? null : Location(at.Pos), extra);
    }

    private static Finding WarningFinding(string id, ConfigPos pos, in MessageArgs msg) =>
        FindingFactory.ForConfiguration(id, in msg, Location(pos));

    private static ConfigLocation Location(ConfigPos p) => new(p.File, p.Line, p.Column);

    /// <summary>The whole class in words, e.g. <c>tcp 10.1.0.0/16 -> 10.2.0.0/16 dport 445</c>.</summary>
    public static string Describe(PacketBox b)
    {
        var sb = new System.Text.StringBuilder();
        var p = b[Dim.Proto];
        sb.Append(p.Equals(Domains.Full[(int)Dim.Proto]) ? "any" : string.Join(",", p.Ranges().Take(6).Select(r =>
            r.Lo == r.Hi ? IpProto.Name((byte)r.Lo) : $"{(ulong)r.Lo}-{(ulong)r.Hi}")) + (p.Count > 6 ? ",…" : ""));
        sb.Append(' ').Append(Addrs(b[Dim.Src])).Append(" -> ").Append(Addrs(b[Dim.Dst]));
        bool ported = b[Dim.Proto].Subtract(Domains.PortedProtos).IsEmpty;
        if (ported && !b[Dim.Sport].Equals(Domains.Full[(int)Dim.Sport])) sb.Append(" sport ").Append(Ports(b[Dim.Sport]));
        if (ported && !b[Dim.Dport].Equals(Domains.Full[(int)Dim.Dport])) sb.Append(" dport ").Append(Ports(b[Dim.Dport]));
        if (!b[Dim.SrcMac].Equals(Domains.Full[(int)Dim.SrcMac]))
        {
            var m = b[Dim.SrcMac];
            sb.Append(m.Count == 1 && m.Lo(0) == m.Hi(0) ? " mac " + new MacAddr((ulong)m.Lo(0)) : " mac (some)");
        }
        return sb.ToString();
    }

    private static string Ports(IntervalSet s) =>
        string.Join(",", s.Ranges().Take(8).Select(r => r.Lo == r.Hi ? $"{(ulong)r.Lo}" : $"{(ulong)r.Lo}-{(ulong)r.Hi}")) + (s.Count > 8 ? ",…" : ""); // ports fit in 16 bits; UInt128 formatting is slow

    /// <summary>Addresses as CIDRs (at most a few, then a count).</summary>
    public static string Addrs(IntervalSet s)
    {
        if (s.Equals(Domains.Full[(int)Dim.Src])) return "any";
        var cidrs = new List<string>();
        int total = 0;
        foreach (var (lo, hi) in s.Ranges())
        {
            var cur = lo;
            while (true)
            {
                int bits = 0;
                while (bits < 128)
                {
                    var size = UInt128.One << (bits + 1);
                    if ((cur & (size - 1)) != 0 || cur + (size - 1) > hi || cur + (size - 1) < cur) break;
                    bits++;
                }
                total++;
                if (cidrs.Count < 4)
                {
                    var ip = Domains.ToIp(cur);
                    int len = ip.IsV4 ? Math.Max(0, 32 - bits) : 128 - bits;
                    if (ip.IsV4 && bits > 32) cidrs.Add("0.0.0.0/0(+v6)"); else cidrs.Add($"{ip}/{len}");
                }
                var last = cur + ((UInt128.One << bits) - 1);
                if (bits == 128 || last >= hi) break;
                cur = last + 1;
            }
        }
        return total <= 4 ? string.Join(",", cidrs) : string.Join(",", cidrs) + $",… ({total} prefixes)";
    }
}
