using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Analysis;

/// <summary>Traces one concrete packet through the destination-NAT stage and the filter stage of a ruleset.</summary>
public static class ConcreteTracer
{
    /// <param name="preferNatDst">Where a translation picks one address of a pool: this one when the pool holds it
    /// (a witness of the set analysis names the translated address it stands for).</param>
    /// <param name="compiled">When given, the lines that cannot match the probe are skipped without evaluating them
    /// (the same answer, faster on large rulesets).</param>
    public static TraceResult Trace(FwRuleset rs, ProbePacket p, Core.Net.IpAddr? preferNatDst = null, CompiledRuleset? compiled = null)
    {
        var path = new List<AclLine>();
        bool approx = false;
        var src = FieldDomains.ToU(p.Src);
        // Destination NAT: the first translation ends the stage; a drop is final.
        IpAddrOrNull natDst = default;
        foreach (var a in rs.DestinationNat)
        {
            if (!Applies(a, src, p)) continue;
            var (v, line) = RunEntry(a.Acl, p, compiled, path, ref approx);
            if (line is null) continue;
            if (line.Action is LineAction.Drop or LineAction.Reject) return new TraceResult(v, line, path, approx);
            if (line.Action != LineAction.Translate || line.Nat is null) continue;
            var nat = line.Nat;
            if (nat.ToDevice) return new TraceResult(Verdict.Drop, line, path, approx); // redirected to the device: not forwarded
            var (dst, port) = NatRewrite.Concrete(nat, p, preferNatDst);
            natDst = new IpAddrOrNull(dst, port);
            p = p with { Dst = dst, DstPort = port, DstNat = nat.Tag };
            break;
        }
        AclLine? decider = null;
        bool any = false;
        foreach (var a in rs.Filters)
        {
            if (!Applies(a, src, p)) continue;
            any = true;
            var (v, rule) = RunEntry(a.Acl, p, compiled, path, ref approx);
            decider = rule;
            if (v != Verdict.Accept) return Result(v, rule, path, approx, natDst);
        }
        if (!any)
        {
            path.Add(rs.Unfiltered);
            return Result(rs.Unfiltered.Action is LineAction.Accept ? Verdict.Accept : Verdict.Drop, rs.Unfiltered, path, approx, natDst);
        }
        return Result(Verdict.Accept, decider, path, approx, natDst);
    }

    private readonly record struct IpAddrOrNull(Core.Net.IpAddr Dst, ushort Port)
    {
        public bool Set => Dst != default || Port != 0;
    }

    private static TraceResult Result(Verdict v, AclLine? rule, List<AclLine> path, bool approx, IpAddrOrNull nat) =>
        nat.Set ? new TraceResult(v, rule, path, approx, nat.Dst, nat.Port) : new TraceResult(v, rule, path, approx);

    private static bool Applies(AclAttachment a, UInt128 src, ProbePacket p) =>
        FieldDomains.Addresses(a.Families).Contains(src) && a.AppliesTo(p.InIf, p.OutIf);

    /// <summary>Runs an entry ACL; what falls off its end takes its default line.</summary>
    private static (Verdict V, AclLine? Line) RunEntry(Acl acl, ProbePacket p, CompiledRuleset? c, List<AclLine> path, ref bool approx)
    {
        var line = Run(acl, p, c, c?.Point(p), path, 0, ref approx);
        if (line is null)
        {
            line = acl.Default;
            if (line is not null) path.Add(line);
        }
        return (line?.Action switch
        {
            LineAction.Drop => Verdict.Drop,
            LineAction.Reject => Verdict.Reject,
            _ => Verdict.Accept,
        }, line);
    }

    /// <summary>Runs an ACL; null means the packet fell off the end or returned; otherwise the deciding line.</summary>
    private static AclLine? Run(Acl acl, ProbePacket p, CompiledRuleset? c, UInt128[]? point, List<AclLine> path, int depth, ref bool approx)
    {
        if (depth > 10_000) throw new InvalidOperationException("call depth beyond any ruleset Link accepts");
        if (c is null || point is null)
        {
            foreach (var r in acl.Lines)
            {
                if (!Matches(r, p, ref approx)) continue;
                switch (Decide(r, p, c, point, path, depth, ref approx, out var decided))
                {
                    case Step.Decided: return decided;
                    case Step.Returned: return null;
                }
            }
            return null;
        }
        // Only the lines that can match the interfaces and the destination port, merged back into ACL order.
        var pl = c.LinesFor(acl, (int)point[(int)Dim.InIf], (int)point[(int)Dim.OutIf]);
        var lines = pl.Lines;
        var byPort = pl.ByPort((int)point[(int)Dim.Dport]);
        var anyPort = pl.AnyPort;
        int ia = 0, ib = 0;
        while (ia < byPort.Length || ib < anyPort.Length)
        {
            var r = lines[ib >= anyPort.Length || (ia < byPort.Length && byPort[ia] < anyPort[ib]) ? byPort[ia++] : anyPort[ib++]];
            if (!c.MayMatch(r, point) || !Matches(r, p, ref approx)) continue;
            switch (Decide(r, p, c, point, path, depth, ref approx, out var decided))
            {
                case Step.Decided: return decided;
                case Step.Returned: return null;
            }
        }
        return null;
    }

    private enum Step { Next, Decided, Returned }

    /// <summary>What a line that matched does: decides (<paramref name="decided"/>, null when a goto fell off the end),
    /// returns, or lets the walk go on.</summary>
    private static Step Decide(AclLine r, ProbePacket p, CompiledRuleset? c, UInt128[]? point, List<AclLine> path, int depth, ref bool approx, out AclLine? decided)
    {
        decided = null;
        path.Add(r);
        switch (r.Action)
        {
            case LineAction.Accept: case LineAction.Drop: case LineAction.Reject: case LineAction.Translate:
                decided = r;
                return Step.Decided;
            case LineAction.Return: return Step.Returned;
            case LineAction.Continue: break;
            case LineAction.Call:
                {
                    var d = Run(r.TargetAcl!, p, c, point, path, depth + 1, ref approx);
                    if (d is not null) { decided = d; return Step.Decided; }
                    break;
                }
            case LineAction.Goto:
                decided = Run(r.TargetAcl!, p, c, point, path, depth + 1, ref approx);
                return Step.Decided;
        }
        return Step.Next;
    }

    /// <summary>Whether a line matches; a line whose match depends on something not understood is taken to match
    /// unless it drops (the analysis' approximation), and the trace is marked approximate.</summary>
    public static bool Matches(AclLine r, ProbePacket p, ref bool approx)
    {
        var m = Eval(r.Match, p);
        if (m is { } known) return known;
        approx = true;
        return r.Action is not (LineAction.Drop or LineAction.Reject);
    }

    /// <summary>Three-valued evaluation: null when the answer depends on a part not understood.</summary>
    public static bool? Eval(MatchExpr e, ProbePacket p)
    {
        switch (e)
        {
            case MatchField f: return f.Values.Contains(p.Value(f.Field));
            case MatchInterface i: return i.Matches(i.Ingress ? p.InIf : p.OutIf);
            case MatchUnknown: return null;
            case MatchNot n: return !Eval(n.Term, p);
            case MatchAnd a:
                {
                    bool unknown = false;
                    foreach (var t in a.Terms)
                    {
                        var v = Eval(t, p);
                        if (v == false) return false;
                        if (v is null) unknown = true;
                    }
                    return unknown ? null : true;
                }
            case MatchOr o:
                {
                    bool unknown = false;
                    foreach (var t in o.Terms)
                    {
                        var v = Eval(t, p);
                        if (v == true) return true;
                        if (v is null) unknown = true;
                    }
                    return unknown ? null : false;
                }
            default: throw new InvalidOperationException($"unknown match expression {e.GetType().Name}");
        }
    }
}
