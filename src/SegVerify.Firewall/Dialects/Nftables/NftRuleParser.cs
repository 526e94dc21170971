using SegVerify.Firewall.Dialects.Netfilter;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Nftables;

/// <summary>
/// Reads one nft rule into netfilter rules. Matches become exact <see cref="MatchExpr"/>s with nft's implicit
/// dependencies; a concatenation looked up in a set is the disjunction of its tuples (each a conjunction of
/// fields); a verdict map becomes one rule per verdict, matching the keys that lead to it. Anything else that can
/// decide whether the rule matches becomes a <see cref="MatchUnknown"/> with a warning at its position; statements
/// that cannot (counters, logging, marks, comments) are skipped.
/// </summary>
internal sealed partial class NftRuleParser
{
    private static readonly HashSet<string> Keywords =
    [
        "ip", "ip6", "meta", "iifname", "oifname", "iif", "oif", "tcp", "udp", "sctp", "dccp", "udplite", "th", "ether",
        "ct", "counter", "log", "comment", "accept", "drop", "reject", "jump", "goto", "return", "continue", "limit",
        "queue", "notrack", "masquerade", "snat", "dnat", "redirect", "icmp", "icmpv6", "quota", "add", "update",
        "delete", "fib", "socket", "rt", "osf", "ipsec", "vlan", "arp", "synproxy", "fwd", "dup", "tproxy",
    ];

    private static readonly HashSet<string> Ops = ["==", "eq", "!=", "ne", "<", ">", "<=", ">=", "lt", "gt", "le", "ge"];

    private readonly List<NTok> _st;
    private readonly Func<string, NftSetDef?> _sets;
    private readonly List<ParseWarning> _warnings;
    private readonly string _text;
    private readonly List<MatchExpr> _terms = [];
    /// <summary>The family of the rule's table (inet: both).</summary>
    private readonly Family _family;

    private NftRuleParser(List<NTok> st, Func<string, NftSetDef?> sets, List<ParseWarning> warnings, Family family)
    {
        _st = st; _sets = sets; _warnings = warnings; _family = family;
        _text = string.Join(" ", st.Select(x => x.ToString()));
    }

    /// <summary>The rules one written rule stands for (several for a verdict map, none for an empty one).</summary>
    public static List<NfRule> Parse(List<NTok> st, Func<string, NftSetDef?> sets, List<ParseWarning> warnings, Family family = Family.Both) =>
        new NftRuleParser(st, sets, warnings, family).Run();

    private ConfigPos Pos => _st[0].Pos;

    private void Warn(NTok at, string what, string why) => _warnings.Add(new ParseWarning(at.Pos, $"'{what}' {why}", _text));

    private MatchExpr Unknown(int at, int to, string why)
    {
        var s = string.Join(" ", _st.Skip(at).Take(Math.Max(1, to - at)).Select(x => x.ToString()));
        Warn(_st[at], s, why);
        return new MatchUnknown(_st[at].Pos, s);
    }

    /// <summary>Skips an expression not understood: up to the next word that starts an expression or a statement.</summary>
    private int SkipUnknown(int at, string why = "is not understood; the rule is taken to possibly match")
    {
        int j = at + 1, depth = 0;
        while (j < _st.Count)
        {
            var t = _st[j];
            if (t.Is("{")) depth++;
            else if (t.Is("}")) depth--;
            else if (depth <= 0 && !t.Quoted && Keywords.Contains(t.Text)
                     && !(_st[j - 1].Is("l4proto") || _st[j - 1].Is("protocol") || _st[j - 1].Is("nexthdr") || _st[j - 1].Is("set"))) break;
            j++;
        }
        _terms.Add(Unknown(at, j, why));
        return j;
    }

    // Words that start a statement other than a match (a match may be part of another statement's arguments).
    private static readonly HashSet<string> StatementWords =
    [
        "accept", "drop", "reject", "jump", "goto", "return", "continue", "queue", "counter", "log", "comment", "notrack",
        "masquerade", "snat", "dnat", "redirect", "limit", "quota",
    ];

    /// <summary>
    /// Skips a statement not understood whose arguments may contain matches (<c>dnat to ... map</c>, <c>quota name
    /// ip saddr map @m</c>): up to the next statement word, as one unknown.
    /// </summary>
    private int SkipUnknownStatement(int at, string why = "is not understood; the rule is taken to possibly match")
    {
        int j = StatementEnd(at);
        _terms.Add(Unknown(at, j, why));
        return j;
    }

    private int StatementEnd(int at)
    {
        int j = at + 1, depth = 0;
        while (j < _st.Count)
        {
            var t = _st[j];
            if (t.Is("{")) depth++;
            else if (t.Is("}")) depth--;
            else if (depth <= 0 && !t.Quoted && StatementWords.Contains(t.Text)) break;
            j++;
        }
        return j;
    }

    /// <summary>Skips a statement that decides nothing (its words up to the next keyword).</summary>
    private int SkipStatement(int at)
    {
        int j = at + 1, depth = 0;
        while (j < _st.Count)
        {
            var t = _st[j];
            if (t.Is("{")) depth++;
            else if (t.Is("}")) depth--;
            else if (depth <= 0 && !t.Quoted && Keywords.Contains(t.Text) && !_st[j - 1].Is("set")) break;
            j++;
        }
        return j;
    }

    private int Close(int open)
    {
        int depth = 0;
        for (int k = open; k < _st.Count; k++)
        {
            if (_st[k].Is("{")) depth++;
            else if (_st[k].Is("}") && --depth == 0) return k;
        }
        return _st.Count;
    }

    private List<NfRule> Run()
    {
        NfVerdict verdict = NfVerdict.Continue;
        string? target = null;
        NatTranslation? nat = null;
        int i = 0, n = _st.Count;
        while (i < n)
        {
            var w = _st[i];
            string k = w.Quoted ? "" : w.Text;
            string k2 = i + 1 < n && !_st[i + 1].Quoted ? _st[i + 1].Text : "";
            switch (k)
            {
                case "accept": verdict = NfVerdict.Accept; i++; continue;
                case "drop": verdict = NfVerdict.Drop; i++; continue;
                case "reject": verdict = NfVerdict.Reject; i = n; continue;
                case "return": verdict = NfVerdict.Return; i++; continue;
                case "continue": verdict = NfVerdict.Continue; i++; continue;
                case "jump" or "goto" when k2.Length > 0 || (i + 1 < n && _st[i + 1].Quoted):
                    verdict = k == "jump" ? NfVerdict.Jump : NfVerdict.Goto;
                    target = _st[i + 1].Text; i += 2; continue;
                case "queue":
                    _terms.Add(Unknown(i, n, "hands the packet to a user-space program, whose verdict is not known; the rule is taken to possibly accept"));
                    verdict = NfVerdict.Accept; i = n; continue;
                case "counter":
                    i++;
                    if (k2 == "name") { i = StatementEnd(i); continue; }
                    while (i + 1 < n && (_st[i].Is("packets") || _st[i].Is("bytes"))) i += 2;
                    continue;
                case "comment": i += 2; continue;
                case "log":
                    i++;
                    while (i + 1 < n && !_st[i].Quoted && _st[i].Text is "prefix" or "level" or "group" or "snaplen" or "queue-threshold" or "flags")
                    {
                        i += 2;
                        while (i + 1 < n && _st[i].Is(",")) i += 2;
                    }
                    continue;
                case "notrack": i++; continue;
                case "masquerade" or "snat":
                    // Source NAT changes no zone and is not judged; it ends the NAT chain like an accept.
                    verdict = NfVerdict.Accept; i = n; continue;
                case "limit" or "quota":
                    i = SkipUnknownStatement(i, "depends on a packet rate or byte count; the rule is taken to possibly match");
                    continue;
                case "add" or "update" or "delete" when k2.StartsWith('@'):
                    {
                        int j = i + 2;
                        if (j < n && _st[j].Is("{"))
                        {
                            int close = Close(j);
                            bool stateful = _st.Skip(j).Take(close - j).Any(t => t.Is("limit") || t.Is("quota") || t.Is("ct"));
                            if (stateful) { _terms.Add(Unknown(i, Math.Min(close + 1, n), "depends on a per-element rate or quota; the rule is taken to possibly match")); }
                            j = close + 1;
                        }
                        i = j;
                        continue;
                    }
                case "meta" or "ct" when i + 2 < n && _st[i + 2].Is("set"):
                    i = SkipStatement(i + 2); continue;
                case "dnat" or "redirect":
                    // Destination NAT: ends the rule. Through a map: NftNatMap; plainly: NftNat. A form not read
                    // may translate to anywhere (dnat) or to the device (redirect), or not at all, with a warning.
                    if (k == "dnat" && NatMap(i) is { } mapped) return mapped;
                    if (NftNat.TryParse(_st.Select(x => x.Quoted ? "" : x.Text).ToList(), i, _family, out var natVerdict, out nat, out var natFamily, out var natEnd))
                    {
                        verdict = natVerdict;
                        if (natFamily is not null) _terms.Add(new MatchField(HeaderField.SrcIp, natFamily));
                        i = natEnd;
                        continue;
                    }
                    if (k == "dnat")
                    {
                        Family? fam = i + 1 < n && _st[i + 1].Is("ip") ? Family.V4 : i + 1 < n && _st[i + 1].Is("ip6") ? Family.V6
                            : _family == Family.Both ? null : _family;
                        return NatNotRead(i, "is a destination NAT this analysis does not read", fam);
                    }
                    i = SkipUnknownStatement(i, "is a redirect this analysis does not read; the packet is taken to possibly be redirected to the device");
                    verdict = NfVerdict.Redirect; nat = null;
                    continue;
                case "ct" when k2 == "status" && i + 2 < n && _st[i + 2].Is("dnat"):
                    // A flag without an operator tests the bit: the connection's destination was translated.
                    _terms.Add(Values.Translated); i += 3; continue;
            }
            if (i + 2 < n && _st[i + 2].Is("set") && NftSelector.TryRead(_st, i, out _) is not null)
            {
                i = SkipUnknown(i, "rewrites the packet; later matches on it are not modelled");
                continue;
            }
            var vmap = TryMatch(ref i);
            if (vmap is not null) return vmap;
        }
        GuardNextHeaders(verdict);
        return [new NfRule { Pos = Pos, Text = _text, Match = MatchExpr.And(_terms), Verdict = verdict, Target = target, Nat = nat }];
    }

    /// <summary>Reads one match at <paramref name="i"/> into the terms; returns the rules of a verdict map.</summary>
    private List<NfRule>? TryMatch(ref int i)
    {
        int n = _st.Count, start = i, j = i;
        var sels = new List<NftSelector>();
        var s = NftSelector.TryRead(_st, j, out int c);
        if (s is null)
        {
            // An unknown match (meta mark, ip dscp, ...) ends at the next keyword; another statement at the next statement word.
            i = !_st[i].Quoted && Keywords.Contains(_st[i].Text) && !StatementWords.Contains(_st[i].Text) && _st[i].Text is not ("synproxy" or "fwd" or "dup" or "tproxy")
                ? SkipUnknown(i) : SkipUnknownStatement(i);
            return null;
        }
        sels.Add(s); j += c;
        while (j + 1 < n && _st[j].Is("."))
        {
            var s2 = NftSelector.TryRead(_st, j + 1, out c);
            if (s2 is null) { i = SkipUnknown(start); return null; }
            sels.Add(s2); j += 1 + c;
        }
        int mask = -1;
        if (j < n && _st[j].Is("&"))
        {
            if (sels.Count != 1 || !sels[0].IsBitmask) { i = SkipUnknown(start); return null; }
            mask = sels[0].FlagValue(_st, j + 1, out int used);
            if (mask < 0) { i = SkipUnknown(start); return null; }
            j += 1 + used;
        }
        string op = "";
        if (j < n && !_st[j].Quoted && Ops.Contains(_st[j].Text))
        {
            op = _st[j].Text switch { "eq" => "==", "ne" => "!=", "lt" => "<", "gt" => ">", "le" => "<=", "ge" => ">=", var o => o };
            j++;
        }
        if (j < n && _st[j].Is("vmap"))
        {
            if (op.Length > 0 || mask >= 0) { i = SkipUnknown(start); return null; }
            return VerdictMap(start, j + 1, sels);
        }
        if (j >= n) { i = SkipUnknown(start); return null; }
        MatchExpr? core;
        if (_st[j].Is("{") || (!_st[j].Quoted && _st[j].Text.StartsWith('@')))
        {
            if (op is not ("" or "==" or "!=") || mask >= 0) { i = SkipUnknown(start); return null; }
            List<NftElement> elements;
            if (_st[j].Is("{"))
            {
                int close = Close(j);
                elements = NftElements.Split(_st, j + 1, close);
                j = close + 1;
            }
            else
            {
                var def = _sets(_st[j].Text[1..]);
                if (def is null || def.IsMap)
                {
                    i = SkipUnknown(start, def is null ? "names a set that is not defined in this table; the rule is taken to possibly match"
                                                       : "looks up a map as a set; the rule is taken to possibly match");
                    return null;
                }
                if (def.Dynamic)
                {
                    _terms.Add(Unknown(start, j + 1, $"looks up set '{def.Name}', which is filled at run time; the rule is taken to possibly match"));
                    i = j + 1;
                    return null;
                }
                elements = def.Elements;
                j++;
            }
            core = SetMatch(sels, elements);
            if (core is null) { i = SkipUnknown(start); return null; }
            if (op == "!=") core = MatchExpr.Not(core);
        }
        else
        {
            if (sels.Count != 1) { i = SkipUnknown(start); return null; }
            core = Single(sels[0], op, mask, ref j);
            if (core is null) { i = SkipUnknown(start); return null; }
        }
        if (ReadsNextHeader(sels)) _nexthdr.Add((core, start, j));
        AddWithDependencies(sels, core, start, j);
        i = j;
        return null;
    }

    /// <summary>A comparison with one value (not a set).</summary>
    private MatchExpr? Single(NftSelector sel, string op, int mask, ref int j)
    {
        int n = _st.Count;
        if (sel.IsBitmask)
        {
            int v = sel.FlagValue(_st, j, out int used);
            if (v < 0) return null;
            j += used;
            if (j + 1 < n && _st[j].Is("/"))
            {
                if (mask >= 0) return null;
                mask = sel.FlagValue(_st, j + 1, out used);
                if (mask < 0) return null;
                j += 1 + used;
            }
            if (mask >= 0)
            {
                int m = mask;
                return op switch
                {
                    "" or "==" => sel.Bits(x => (x & m) == v),
                    "!=" => sel.Bits(x => (x & m) != v),
                    _ => null,
                };
            }
            // nft: a flag list without an operator tests whether any of the flags is set.
            return op switch
            {
                "" => sel.Bits(x => (x & v) != 0),
                "==" => sel.Bits(x => x == v),
                "!=" => sel.Bits(x => x != v),
                _ => null,
            };
        }
        if (mask >= 0 || j >= n) return null;
        var eq = sel.Equal([_st[j]]);
        if (eq is null) return null;
        j++;
        switch (op)
        {
            case "" or "==": return eq;
            case "!=": return Negate(sel, eq);
        }
        if (eq is not MatchField f) return null;
        var dom = sel.Domain;
        UInt128 lo = dom.First, hi = dom.Hi(dom.Count - 1), a = f.Values.First, b = f.Values.Hi(f.Values.Count - 1);
        IntervalSet r = op switch
        {
            "<" => a == lo ? IntervalSet.Empty : IntervalSet.Range(lo, a - 1),
            "<=" => IntervalSet.Range(lo, b),
            ">" => b == hi ? IntervalSet.Empty : IntervalSet.Range(b + 1, hi),
            _ => IntervalSet.Range(a, hi),
        };
        return sel.Of(r.Intersect(dom));
    }

    private static MatchExpr Negate(NftSelector sel, MatchExpr e) =>
        e is MatchField f ? sel.Of(sel.Domain.Subtract(f.Values)) : MatchExpr.Not(e);

    /// <summary>
    /// The packets whose (concatenated) key is one of the elements: a disjunction of tuples. Tuples that differ
    /// only in their first part are merged into one with the union of those parts. Null when an element is not
    /// understood.
    /// </summary>
    private static MatchExpr? SetMatch(List<NftSelector> sels, IReadOnlyList<NftElement> elements)
    {
        // Elements that agree on every part but the first are one group: their first parts are merged into one match
        // (all at once at the end: merging element by element would cost the square of the set's size).
        var groups = new Dictionary<string, (List<MatchExpr> Firsts, List<MatchExpr> Others)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var e in elements)
        {
            if (e.Key.Count != sels.Count) return null;
            var parts = new List<MatchExpr>(sels.Count);
            for (int k = 0; k < sels.Count; k++)
            {
                var m = sels[k].Equal(e.Key[k]);
                if (m is null) return null;
                parts.Add(m);
            }
            var key = sels.Count == 1 ? "" : string.Join("\u0001", parts.Skip(1).Select(KeyOf));
            if (groups.TryGetValue(key, out var g)) { g.Firsts.Add(parts[0]); continue; }
            groups[key] = ([parts[0]], parts.Skip(1).ToList());
            order.Add(key);
        }
        var terms = new List<MatchExpr>();
        foreach (var k in order)
        {
            var (firsts, others) = groups[k];
            foreach (var first in MergeAll(firsts)) terms.Add(MatchExpr.And([first, .. others]));
        }
        return MatchExpr.Or(terms);
    }

    /// <summary>The union of matches on one selector: one match when they are all of one field or interface direction.</summary>
    private static IEnumerable<MatchExpr> MergeAll(List<MatchExpr> ms)
    {
        if (ms.Count == 1) return ms;
        if (ms[0] is MatchField f0 && ms.All(m => m is MatchField f && f.Field == f0.Field))
            return [new MatchField(f0.Field, IntervalSet.UnionAll(ms.Select(m => ((MatchField)m).Values)))];
        if (ms[0] is NfOriginalDst o0 && ms.All(m => m is NfOriginalDst o && (o.Addresses is null) == (o0.Addresses is null) && (o.Ports is null) == (o0.Ports is null))
            && (o0.Addresses is null || o0.Ports is null))
        {
            // One set of original destinations (a refinement cell per element would cost the square of the set's size).
            var os = ms.Cast<NfOriginalDst>().ToList();
            return [o0 with
            {
                Addresses = o0.Addresses is null ? null : IntervalSet.UnionAll(os.Select(o => o.Addresses!)),
                Ports = o0.Ports is null ? null : IntervalSet.UnionAll(os.Select(o => o.Ports!)),
            }];
        }
        if (ms[0] is MatchInterface i0 && ms.All(m => m is MatchInterface i && i.Ingress == i0.Ingress))
            return [new MatchInterface(i0.Ingress, ms.SelectMany(m => ((MatchInterface)m).Patterns).ToList())];
        return ms;
    }

    private static string KeyOf(MatchExpr m) => m switch
    {
        MatchField f => $"{f.Field}={f.Values}",
        MatchInterface i => $"if{i.Ingress}={string.Join("|", i.Patterns)}",
        _ => m.ToString(),
    };

    /// <summary>
    /// Adds a match with the dependencies nft gives its selectors. <c>th</c> ports read the port bytes of any
    /// transport header: exact for protocols with ports, not modelled for the others unless an earlier match of the
    /// rule already excludes them.
    /// </summary>
    private void AddWithDependencies(List<NftSelector> sels, MatchExpr core, int start, int end)
    {
        foreach (var s in sels)
            foreach (var d in s.Deps)
                if (!_terms.Contains(d)) _terms.Add(d);
        if (sels.Any(s => s.AnyTransport))
        {
            var proto = FieldDomains.All(HeaderField.Protocol);
            foreach (var t in _terms) if (t is MatchField { Field: HeaderField.Protocol } f) proto = proto.Intersect(f.Values);
            if (!proto.IsSubsetOf(FieldDomains.PortedProtocols) && !RestrictsToPorted(core))
            {
                var ported = new MatchField(HeaderField.Protocol, FieldDomains.PortedProtocols);
                var other = new MatchField(HeaderField.Protocol, FieldDomains.Complement(HeaderField.Protocol, FieldDomains.PortedProtocols));
                core = MatchExpr.Or(MatchExpr.And(ported, core),
                    MatchExpr.And(other, Unknown(start, end, "reads the port bytes of any transport header; for protocols without ports the rule is taken to possibly match (add 'meta l4proto { tcp, udp }')")));
            }
        }
        _terms.Add(core);
    }

    /// <summary>True when every packet the expression matches has a protocol with ports (a concatenation with l4proto).</summary>
    private static bool RestrictsToPorted(MatchExpr e) => e switch
    {
        MatchField { Field: HeaderField.Protocol } f => f.Values.IsSubsetOf(FieldDomains.PortedProtocols),
        MatchAnd a => a.Terms.Any(RestrictsToPorted),
        MatchOr o => o.Terms.All(RestrictsToPorted),
        _ => false,
    };

    /// <summary>A verdict map: one rule per verdict, matching the keys that map to it (keys of a map never overlap).</summary>
    private List<NfRule> VerdictMap(int start, int j, List<NftSelector> sels)
    {
        int n = _st.Count;
        List<NftElement>? elements = null;
        string? why = null;
        if (j < n && _st[j].Is("{")) { int close = Close(j); elements = NftElements.Split(_st, j + 1, close); j = close + 1; }
        else if (j < n && !_st[j].Quoted && _st[j].Text.StartsWith('@'))
        {
            var def = _sets(_st[j].Text[1..]);
            if (def is null || !def.IsMap) why = "names a verdict map that is not defined in this table";
            else if (def.Dynamic) why = $"looks up map '{def.Name}', which is filled at run time";
            else elements = def.Elements;
            j++;
        }
        var rules = new List<NfRule>();
        if (elements is not null)
        {
            var byVerdict = new Dictionary<string, List<NftElement>>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (var e in elements)
            {
                var v = e.Value is null ? "" : string.Join(" ", e.Value.Select(x => x.Text));
                if (!byVerdict.TryGetValue(v, out var list)) { byVerdict[v] = list = []; order.Add(v); }
                list.Add(e);
            }
            foreach (var v in order)
            {
                var parts = v.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                NfVerdict? verdict = parts.Length == 1 ? parts[0] switch
                {
                    "accept" => NfVerdict.Accept, "drop" => NfVerdict.Drop, "return" => NfVerdict.Return, "continue" => NfVerdict.Continue,
                    _ => null,
                } : parts.Length == 2 && parts[0] is "jump" or "goto" ? (parts[0] == "jump" ? NfVerdict.Jump : NfVerdict.Goto) : null;
                var keys = SetMatch(sels, byVerdict[v]);
                if (verdict is null || keys is null) { why = verdict is null ? $"maps to '{v}', which is not a verdict this analysis models" : "has a key that is not understood"; rules.Clear(); break; }
                var saved = _terms.ToList();
                if (ReadsNextHeader(sels)) keys = GuardNextHeader(keys, verdict.Value, start, j);
                AddWithDependencies(sels, keys, start, j);
                GuardNextHeaders(verdict.Value);
                rules.Add(new NfRule
                {
                    Pos = Pos, Text = _text, Match = MatchExpr.And(_terms), Verdict = verdict.Value,
                    Target = parts.Length == 2 ? parts[1] : null,
                });
                _terms.Clear(); _terms.AddRange(saved);
            }
        }
        else why ??= "is not a verdict map this analysis reads";
        if (why is not null)
        {
            // Not modelled: the rule may take any of the map's verdicts; taken to possibly accept.
            _terms.Add(Unknown(start, Math.Min(j, n), why + "; the rule is taken to possibly accept"));
            return [new NfRule { Pos = Pos, Text = _text, Match = MatchExpr.And(_terms), Verdict = NfVerdict.Accept }];
        }
        return rules;
    }
}
