using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Netfilter;

/// <summary>
/// A filter match on the connection's original destination, before destination NAT (iptables
/// <c>-m conntrack --ctorigdst/--ctorigdstport</c>, nft <c>ct original ip daddr</c> / <c>ct original proto-dst</c>):
/// the destination address is in <paramref name="Addresses"/> and the destination port in <paramref name="Ports"/>
/// (null: any). It exists only in the netfilter vendor model; <see cref="OriginalDestination.Lower"/> replaces it.
/// </summary>
public sealed record NfOriginalDst(IntervalSet? Addresses, IntervalSet? Ports, ConfigPos Pos, string Text) : MatchExpr;

/// <summary>
/// Lowers <see cref="NfOriginalDst"/> matches onto the vendor-neutral model, exactly, without a field for the original
/// destination: every destination-NAT rule is split by the address and port sets the filters compare the original
/// destination with (one rule per cell of their common refinement, each with its own <see cref="NatTranslation.Tag"/>),
/// so the tag a translated packet carries says which cell its original destination lies in. A match then reads:
/// untranslated and the destination (as it is) in the sets, or translated by one of the tags whose cell lies in them.
/// <para>For a protocol without ports the kernel compares the port with other bytes of the connection (ICMP type and
/// code): a port match is exact for protocols with ports and, unless the rule keeps to those, possibly matches the
/// others, with a warning.</para>
/// </summary>
public static class OriginalDestination
{
    private static readonly MatchExpr NotTranslated = new MatchField(HeaderField.DstNat, IntervalSet.Single(0));

    public static void Lower(NfRuleset nf)
    {
        var uses = new List<NfOriginalDst>();
        foreach (var r in nf.AllRules) Collect(r.Match, uses);
        if (uses.Count == 0) return;
        var addrCells = Refine(FieldDomains.All(HeaderField.DstIp), uses.Select(u => u.Addresses));
        var portCells = Refine(FieldDomains.All(HeaderField.DstPort), uses.Select(u => u.Ports));
        // The cell of each tag (tags count from 1 across every translation of the ruleset).
        var cells = new List<(IntervalSet Addr, IntervalSet Port)> { (IntervalSet.Empty, IntervalSet.Empty) };
        foreach (var c in nf.Chains)
        {
            var split = new List<NfRule>(c.Rules.Count);
            foreach (var r in c.Rules)
            {
                if (r.Verdict != NfVerdict.Dnat || r.Nat is null || r.Nat.ToDevice) { split.Add(r); continue; }
                var (dst, dport) = Bounds(r.Match);
                foreach (var a in addrCells)
                {
                    if (!a.Intersects(dst)) continue;
                    foreach (var p in portCells)
                    {
                        if (!p.Intersects(dport)) continue;
                        if (cells.Count > FieldDomains.DstNatTagMax) throw new FirewallConfigException(new ConfigError(r.Pos,
                            "too many destination-NAT rules and original-destination matches to analyse exactly",
                            "宛先 NAT のルールと変換前宛先の条件が多すぎて正確に解析できません"));
                        int tag = cells.Count;
                        cells.Add((a, p));
                        var terms = new List<MatchExpr> { r.Match };
                        if (!a.Equals(FieldDomains.All(HeaderField.DstIp))) terms.Add(new MatchField(HeaderField.DstIp, a));
                        if (!p.Equals(FieldDomains.All(HeaderField.DstPort))) terms.Add(new MatchField(HeaderField.DstPort, p));
                        split.Add(new NfRule { Pos = r.Pos, Text = r.Text, Match = MatchExpr.And(terms), Verdict = r.Verdict, Target = r.Target, Nat = r.Nat with { Tag = tag } });
                    }
                }
            }
            c.Rules.Clear();
            c.Rules.AddRange(split);
        }
        foreach (var r in nf.AllRules) r.Match = Rewrite(r.Match, r, cells, nf);
    }

    private static void Collect(MatchExpr e, List<NfOriginalDst> into)
    {
        switch (e)
        {
            case NfOriginalDst o: into.Add(o); break;
            case MatchAnd a: foreach (var t in a.Terms) Collect(t, into); break;
            case MatchOr o: foreach (var t in o.Terms) Collect(t, into); break;
            case MatchNot n: Collect(n.Term, into); break;
        }
    }

    /// <summary>The common refinement of <paramref name="domain"/> by the sets (null: no constraint): disjoint cells, each inside or outside every set.</summary>
    private static List<IntervalSet> Refine(IntervalSet domain, IEnumerable<IntervalSet?> sets)
    {
        var cells = new List<IntervalSet> { domain };
        foreach (var s in sets.Where(s => s is not null).Distinct())
        {
            var next = new List<IntervalSet>(cells.Count * 2);
            foreach (var c in cells)
            {
                var inside = c.Intersect(s!);
                var outside = c.Subtract(s!);
                if (!inside.IsEmpty) next.Add(inside);
                if (!outside.IsEmpty) next.Add(outside);
            }
            cells = next;
        }
        return cells;
    }

    /// <summary>What a rule's top-level conjunction says of the destination address and port (to leave out empty cells).</summary>
    private static (IntervalSet Dst, IntervalSet Dport) Bounds(MatchExpr m)
    {
        var dst = FieldDomains.All(HeaderField.DstIp);
        var dport = FieldDomains.All(HeaderField.DstPort);
        foreach (var t in m is MatchAnd a ? a.Terms : [m])
        {
            if (t is MatchField { Field: HeaderField.DstIp } f) dst = dst.Intersect(f.Values);
            else if (t is MatchField { Field: HeaderField.DstPort } g) dport = dport.Intersect(g.Values);
        }
        return (dst, dport);
    }

    private static MatchExpr Rewrite(MatchExpr e, NfRule rule, List<(IntervalSet Addr, IntervalSet Port)> cells, NfRuleset nf) => e switch
    {
        NfOriginalDst o => Lowered(o, rule, cells, nf),
        MatchAnd a => MatchExpr.And(a.Terms.Select(t => Rewrite(t, rule, cells, nf))),
        MatchOr o => MatchExpr.Or(o.Terms.Select(t => Rewrite(t, rule, cells, nf))),
        MatchNot n => MatchExpr.Not(Rewrite(n.Term, rule, cells, nf)),
        _ => e,
    };

    private static MatchExpr Lowered(NfOriginalDst o, NfRule rule, List<(IntervalSet Addr, IntervalSet Port)> cells, NfRuleset nf)
    {
        var untranslated = new List<MatchExpr> { NotTranslated };
        if (o.Addresses is not null) untranslated.Add(new MatchField(HeaderField.DstIp, o.Addresses));
        if (o.Ports is not null) untranslated.Add(new MatchField(HeaderField.DstPort, o.Ports));
        var tags = new List<(UInt128, UInt128)>();
        for (int t = 1; t < cells.Count; t++)
            if ((o.Addresses is null || cells[t].Addr.IsSubsetOf(o.Addresses)) && (o.Ports is null || cells[t].Port.IsSubsetOf(o.Ports)))
                tags.Add(((UInt128)t, (UInt128)t));
        var exact = MatchExpr.Or(MatchExpr.And(untranslated), new MatchField(HeaderField.DstNat, IntervalSet.FromRanges(tags)));
        if (o.Ports is null || KeepsToPorted(rule.Match)) return o.Ports is null ? exact : MatchExpr.And(new MatchField(HeaderField.Protocol, FieldDomains.PortedProtocols), exact);
        nf.Warnings.Add(new ParseWarning(o.Pos,
            $"'{o.Text}' compares, for protocols without ports, other bytes of the connection (e.g. ICMP type and code); for those the rule is taken to possibly match", rule.Text));
        var other = FieldDomains.Complement(HeaderField.Protocol, FieldDomains.PortedProtocols);
        return MatchExpr.Or(MatchExpr.And(new MatchField(HeaderField.Protocol, FieldDomains.PortedProtocols), exact),
            MatchExpr.And(new MatchField(HeaderField.Protocol, other), new MatchUnknown(o.Pos, o.Text)));
    }

    /// <summary>True when the rule's conjunction restricts the protocol to protocols with ports.</summary>
    private static bool KeepsToPorted(MatchExpr m)
    {
        foreach (var t in m is MatchAnd a ? a.Terms : [m])
            if (t is MatchField { Field: HeaderField.Protocol } f && f.Values.IsSubsetOf(FieldDomains.PortedProtocols)) return true;
        return false;
    }
}
