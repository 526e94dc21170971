using SegVerify.Firewall.Dialects.Netfilter;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Nftables;

/// <summary>
/// Destination NAT through a map: <c>dnat to ip daddr map { 203.0.113.1 : 10.0.0.1, ... }</c>,
/// <c>dnat ip to tcp dport map { 80 : 10.0.0.1 . 8080 }</c> (address . port data, also written
/// <c>dnat ip addr . port to ...</c>), concatenated keys (<c>ip daddr . tcp dport map { ... }</c>), named maps
/// (<c>map @m</c>), and load balancing over a map (<c>numgen</c>, <c>jhash</c>, <c>symhash ... mod N map { ... }</c>).
/// <para>A keyed map is one translate rule per distinct value, at the statement's position, matching the keys that
/// map to it (keys never overlap); a packet whose key is not in the map is not translated (the kernel breaks off the
/// rule). Load balancing translates to one of the map's values (a pool). What is not understood translates the
/// packet to any address and port, or not at all, with an <c>unsupported-syntax</c> warning.</para>
/// </summary>
internal sealed partial class NftRuleParser
{
    private static readonly HashSet<string> NatFlags = ["random", "fully-random", "persistent", ","];

    /// <summary>
    /// The rules of a <c>dnat</c> statement at <paramref name="at"/> that translates through a map; null when the
    /// statement has no map (the plain forms are read by <see cref="NftNat"/>).
    /// </summary>
    private List<NfRule>? NatMap(int at)
    {
        int n = _st.Count, j = at + 1;
        Family? family = _family == Family.Both ? null : _family;
        if (j < n && (_st[j].Is("ip") || _st[j].Is("ip6"))) { family = _st[j].Is("ip6") ? Family.V6 : Family.V4; j++; }
        // The older way of saying the data is an address and a port: "dnat ip addr . port to ...".
        if (j + 2 < n && _st[j].Is("addr") && _st[j + 1].Is(".") && _st[j + 2].Is("port")) j += 3;
        if (j >= n || !_st[j].Is("to")) return null;
        j++;
        int mapAt = MapWord(j);
        if (mapAt < 0) return null;
        GuardNextHeaders(NfVerdict.Dnat);
        if (j < n && !_st[j].Quoted && _st[j].Text is "numgen" or "jhash" or "symhash") return Balanced(at, j, mapAt, family);
        var sels = new List<NftSelector>();
        for (int k = j; k < mapAt;)
        {
            var s = NftSelector.TryRead(_st, k, out int c);
            if (s is null || (k + c < mapAt && !_st[k + c].Is("."))) return NatNotRead(at, "has a map key this analysis does not read", family);
            sels.Add(s);
            k += c + (k + c < mapAt ? 1 : 0);
        }
        var (elements, end, why) = MapElements(mapAt + 1);
        if (why is null && !NatStatementEnds(ref end)) why = "is followed by something this analysis does not read";
        if (why is not null) return NatNotRead(at, why, family, end);
        var byValue = new Dictionary<string, List<NftElement>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var e in elements!)
        {
            var v = e.Value is null ? "" : string.Join(" ", e.Value.Select(x => x.Text));
            if (!byValue.TryGetValue(v, out var list)) { byValue[v] = list = []; order.Add(v); }
            list.Add(e);
        }
        var rules = new List<NfRule>();
        foreach (var v in order)
        {
            var group = byValue[v];
            var nat = NatValue(group[0].Value, family, out var natFamily);
            var keys = nat is null ? null : SetMatch(sels, group);
            if (nat is null || keys is null)
                return NatNotRead(at, nat is null ? $"maps to '{v}', which is not a destination this analysis reads" : "has a key that is not understood", family, end);
            var saved = _terms.ToList();
            AddWithDependencies(sels, keys, at, end);
            // The kernel leaves packets of the other family alone.
            _terms.Add(new MatchField(HeaderField.SrcIp, FieldDomains.Addresses(natFamily)));
            rules.Add(new NfRule { Pos = Pos, Text = _text, Match = MatchExpr.And(_terms), Verdict = NfVerdict.Dnat, Nat = nat });
            _terms.Clear(); _terms.AddRange(saved);
        }
        return rules; // an empty map translates nothing
    }

    /// <summary>The index of the statement's <c>map</c> word (outside braces), or -1.</summary>
    private int MapWord(int from)
    {
        int depth = 0;
        for (int k = from; k < _st.Count; k++)
        {
            if (_st[k].Is("{")) depth++;
            else if (_st[k].Is("}")) depth--;
            else if (depth == 0 && _st[k].Is("map")) return k;
            else if (depth == 0 && !_st[k].Quoted && StatementWords.Contains(_st[k].Text)) return -1;
        }
        return -1;
    }

    /// <summary>The elements of an anonymous map at <paramref name="j"/> or of the named map it refers to.</summary>
    private (List<NftElement>? Elements, int End, string? Why) MapElements(int j)
    {
        int n = _st.Count;
        if (j < n && _st[j].Is("{"))
        {
            int close = Close(j);
            return (NftElements.Split(_st, j + 1, close), Math.Min(close + 1, n), null);
        }
        if (j < n && !_st[j].Quoted && _st[j].Text.StartsWith('@'))
        {
            var def = _sets(_st[j].Text[1..]);
            if (def is null || !def.IsMap) return (null, j + 1, "names a map that is not defined in this table");
            if (def.Dynamic) return (null, j + 1, $"looks up map '{def.Name}', which is filled at run time");
            return (def.Elements, j + 1, null);
        }
        return (null, Math.Min(j + 1, n), "has a map this analysis does not read");
    }

    /// <summary>Skips the NAT flags; true when the statement then ends the rule (a comment may follow).</summary>
    private bool NatStatementEnds(ref int j)
    {
        while (j < _st.Count && !_st[j].Quoted && NatFlags.Contains(_st[j].Text)) j++;
        return j >= _st.Count || _st[j].Is("comment");
    }

    /// <summary>
    /// A map value as a translation: <c>ADDR</c>, <c>ADDR . PORT</c>, with address or port ranges (a pool); null when
    /// not understood or not of the statement's family.
    /// </summary>
    private static NatTranslation? NatValue(List<NTok>? v, Family? family, out Family natFamily)
    {
        natFamily = family ?? Family.V4;
        if (v is null || v.Count is not (1 or 3) || v.Any(t => t.Quoted) || (v.Count == 3 && !v[1].Is("."))) return null;
        var a = Values.Address(v[0].Text);
        if (a is null) return null;
        var fam = family ?? (a.IsSubsetOf(FieldDomains.V4) ? Family.V4 : Family.V6);
        if (!a.IsSubsetOf(FieldDomains.Addresses(fam))) return null;
        natFamily = fam;
        IntervalSet? p = null;
        if (v.Count == 3 && (p = Values.Port(v[2].Text, '-')) is null) return null;
        return new NatTranslation(a, p);
    }

    /// <summary>
    /// <c>dnat to numgen inc mod N [offset O] map { ... }</c> (and <c>jhash</c>/<c>symhash</c>): the packet goes to
    /// one of the map's values. Values that differ in their ports, or keys that leave some of the N results out (the
    /// packets that get them are not translated), make the rule possibly match only.
    /// </summary>
    private List<NfRule> Balanced(int at, int j, int mapAt, Family? family)
    {
        long mod = -1, offset = 0;
        for (int k = j; k + 1 < mapAt; k++)
        {
            if (_st[k].Is("mod") && long.TryParse(_st[k + 1].Text, out var m)) mod = m;
            else if (_st[k].Is("offset") && long.TryParse(_st[k + 1].Text, out var o)) offset = o;
        }
        var (elements, end, why) = MapElements(mapAt + 1);
        if (why is null && !NatStatementEnds(ref end)) why = "is followed by something this analysis does not read";
        if (why is null && mod <= 0) why = "balances over something this analysis does not read";
        if (why is not null) return NatNotRead(at, why, family, end);
        var covered = IntervalSet.Empty;
        var addrs = new List<IntervalSet>();
        IntervalSet? ports = null;
        bool samePorts = true;
        Family natFamily = family ?? Family.V4;
        for (int k = 0; k < elements!.Count; k++)
        {
            var e = elements[k];
            var key = e.Key.Count == 1 && e.Key[0].Count == 1 ? Values.Port(e.Key[0][0].Text, '-') : null;
            var nat = NatValue(e.Value, family, out var f);
            if (key is null || nat is null) return NatNotRead(at, "has an element this analysis does not read", family, end);
            if (k > 0 && f != natFamily) return NatNotRead(at, "mixes address families", family, end);
            natFamily = f;
            covered = covered.Union(key);
            addrs.Add(nat.DstAddresses!);
            if (k == 0) ports = nat.DstPorts;
            else if (!Equals(ports, nat.DstPorts)) samePorts = false;
        }
        if (elements.Count == 0) return [new NfRule { Pos = Pos, Text = _text, Match = MatchExpr.And(_terms), Verdict = NfVerdict.Continue }];
        if (!samePorts) return NatNotRead(at, "balances over destinations with different ports", family, end);
        var all = IntervalSet.Range((UInt128)offset, (UInt128)(offset + mod - 1));
        if (!all.IsSubsetOf(covered))
            _terms.Add(Unknown(at, end, $"has no destination for some results of 'mod {mod}' (those packets are not translated); the rule is taken to possibly translate"));
        _terms.Add(new MatchField(HeaderField.SrcIp, FieldDomains.Addresses(natFamily)));
        return [new NfRule { Pos = Pos, Text = _text, Match = MatchExpr.And(_terms), Verdict = NfVerdict.Dnat, Nat = new NatTranslation(IntervalSet.UnionAll(addrs), ports) }];
    }

    /// <summary>
    /// A destination NAT statement not understood: it may translate the packet to any address (of its family) and
    /// port, or not translate it; a warning says so. <paramref name="end"/> is where the statement's words end.
    /// </summary>
    private List<NfRule> NatNotRead(int at, string why, Family? family, int end = -1)
    {
        if (end < 0) end = StatementEnd(at);
        _terms.Add(Unknown(at, Math.Min(end, _st.Count), why + "; the packet is taken to possibly be translated to any destination"));
        var families = family is { } f ? [f] : new[] { Family.V4, Family.V6 };
        return families.Select(fam => new NfRule
        {
            Pos = Pos, Text = _text, Verdict = NfVerdict.Dnat, Nat = NatTranslation.Anywhere(fam),
            Match = MatchExpr.And([.. _terms, new MatchField(HeaderField.SrcIp, FieldDomains.Addresses(fam))]),
        }).ToList();
    }
}
