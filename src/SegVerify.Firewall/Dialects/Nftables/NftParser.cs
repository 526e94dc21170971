using SegVerify.Firewall.Dialects.Netfilter;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Nftables;

/// <summary>
/// Reads <c>nft list ruleset</c> text (and <c>nft -f</c> files in the same block syntax): tables of families inet, ip
/// and ip6 (others skipped with a warning), base and regular chains, named and anonymous sets, and the matches the
/// analysis models. Anything else in a rule becomes an unknown match with its position.
/// </summary>
public sealed class NftParser
{
    private readonly string _file;
    private readonly NfRuleset _rs;
    private readonly List<NTok> _t = [];
    private int _p;

    private readonly record struct NTok(string Text, int Line, int Col, bool Quoted = false)
    {
        public bool Is(string s) => !Quoted && Text == s;
    }

    private sealed class NamedSet
    {
        public required string Type;
        public List<List<NTok>> Elements = [];
    }

    private NftParser(string file, string text)
    {
        _file = file;
        _rs = new NfRuleset { File = file, Families = Family.Both, MaxJumpDepth = MaxJumpDepth };
        Tokenize(text);
    }

    /// <summary>The kernel's jump stack (NFT_JUMP_STACK_SIZE): chains nest at most this many levels below a base chain.</summary>
    public const int MaxJumpDepth = 15;

    /// <summary>Reads the text into the netfilter vendor model.</summary>
    public static NfRuleset ParseVendor(string file, string text)
    {
        var p = new NftParser(file, text);
        p.Top();
        return p._rs;
    }

    /// <summary>Reads the text and lowers it to the vendor-neutral model.</summary>
    public static FwRuleset Parse(string file, string text) => NetfilterLowering.Lower(ParseVendor(file, text), _ => true);

    private void Tokenize(string text)
    {
        int line = 1, col = 1, i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\n') { _t.Add(new NTok("\n", line, col)); line++; col = 1; i++; continue; }
            if (c == '\\' && i + 1 < text.Length && text[i + 1] == '\n') { i += 2; line++; col = 1; continue; }
            if (char.IsWhiteSpace(c)) { i++; col++; continue; }
            if (c == '#') { while (i < text.Length && text[i] != '\n') { i++; col++; } continue; }
            if (c is '{' or '}' or ';' or ',')
            {
                _t.Add(new NTok(c.ToString(), line, col));
                i++; col++;
                continue;
            }
            if (c == '"')
            {
                int sc = col, j = i + 1;
                var sb = new System.Text.StringBuilder();
                while (j < text.Length && text[j] != '"' && text[j] != '\n') { if (text[j] == '\\' && j + 1 < text.Length) j++; sb.Append(text[j]); j++; }
                _t.Add(new NTok(sb.ToString(), line, sc, true));
                col += j + 1 - i; i = j + 1;
                continue;
            }
            int s = i, scol = col;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('{' or '}' or ';' or ',' or '"' or '#')) { i++; col++; }
            _t.Add(new NTok(text[s..i], line, scol));
        }
        _t.Add(new NTok("\n", line, col));
    }

    private bool End => _p >= _t.Count;
    private NTok Cur => _t[_p];

    private ConfigPos Pos(NTok t) => new(_file, t.Line, t.Col);

    private void Warn(NTok at, string msg, string text) => _rs.Warnings.Add(new ParseWarning(Pos(at), msg, text));

    private void SkipNewlines() { while (!End && (Cur.Is("\n") || Cur.Is(";"))) _p++; }

    /// <summary>Collects one statement: tokens up to a newline or ';' outside braces (a block is kept whole).</summary>
    private List<NTok> Statement()
    {
        var res = new List<NTok>();
        int depth = 0;
        while (!End)
        {
            var t = Cur;
            if (depth == 0 && (t.Is("\n") || t.Is(";"))) { _p++; break; }
            if (depth == 0 && t.Is("}")) break;
            if (t.Is("{")) depth++;
            if (t.Is("}")) depth--;
            if (!t.Is("\n")) res.Add(t);
            _p++;
        }
        return res;
    }

    private void SkipBlock()
    {
        int depth = 0;
        while (!End)
        {
            if (Cur.Is("{")) depth++;
            else if (Cur.Is("}")) { depth--; if (depth <= 0) { _p++; return; } }
            _p++;
        }
    }

    private void Top()
    {
        while (true)
        {
            SkipNewlines();
            if (End) return;
            var t = Cur;
            if (t.Is("table"))
            {
                _p++;
                var words = new List<NTok>();
                while (!End && !Cur.Is("{") && !Cur.Is("\n")) { words.Add(Cur); _p++; }
                if (End || !Cur.Is("{")) { Warn(t, "table without a body (skipped)", "table"); continue; }
                _p++;
                string family = words.Count >= 2 ? words[0].Text : "ip";
                string name = words.Count >= 1 ? words[^1].Text : "";
                Family? fam = family switch { "inet" => Family.Both, "ip" => Family.V4, "ip6" => Family.V6, _ => null };
                if (fam is null)
                {
                    Warn(t, $"table family '{family}' is not analysed (only inet, ip, ip6); skipped", $"table {family} {name}");
                    _p--; SkipBlock();
                    continue;
                }
                Table(family + " " + name, fam.Value);
                continue;
            }
            var st = Statement();
            if (st.Count == 0) { if (!End && Cur.Is("}")) _p++; continue; }
            if (st[0].Is("flush") || st[0].Is("define") || st[0].Text.StartsWith("#!")) continue;
            Warn(st[0], "statement not understood at top level (skipped)", string.Join(" ", st.Select(x => x.Text)));
        }
    }

    private readonly Dictionary<string, NamedSet> _sets = new(StringComparer.Ordinal);
    private List<(NfChain Chain, List<List<NTok>> Rules)> _pending = [];

    private void Table(string table, Family fam)
    {
        _sets.Clear();
        _pending = [];
        while (true)
        {
            SkipNewlines();
            if (End) break;
            if (Cur.Is("}")) { _p++; break; }
            var kw = Cur;
            if ((kw.Is("chain") || kw.Is("set") || kw.Is("map")) && _p + 2 < _t.Count && _t[_p + 2].Is("{"))
            {
                var name = _t[_p + 1].Text;
                _p += 3;
                if (kw.Is("chain")) ChainBody(table, fam, name, kw);
                else if (kw.Is("set")) SetBody(name);
                else { Warn(kw, "maps are not analysed (a rule using one is taken to possibly match)", $"map {name}"); _p--; SkipBlock(); }
                continue;
            }
            var st = Statement();
            if (st.Count > 0 && !st[0].Is("flags") && !st[0].Is("comment"))
            {
                if (!End && Cur.Is("{")) SkipBlock();
                Warn(st[0], "table statement not analysed (skipped)", string.Join(" ", st.Select(x => x.Text)));
            }
        }
        foreach (var (chain, rules) in _pending)
            foreach (var r in rules) chain.Rules.Add(Rule(chain, r));
    }

    private void SetBody(string name)
    {
        var set = new NamedSet { Type = "" };
        while (true)
        {
            SkipNewlines();
            if (End) break;
            if (Cur.Is("}")) { _p++; break; }
            var st = Statement();
            if (st.Count == 0) continue;
            if (st[0].Is("type") || st[0].Is("typeof")) set.Type = string.Join(" ", st.Skip(1).Select(x => x.Text));
            else if (st[0].Is("elements"))
            {
                int open = st.FindIndex(x => x.Is("{"));
                if (open >= 0) set.Elements = SplitElements(st, open + 1, st.Count - 1);
            }
        }
        _sets[name] = set;
    }

    /// <summary>Splits the tokens between braces at commas into elements.</summary>
    private static List<List<NTok>> SplitElements(List<NTok> toks, int from, int toExclusive)
    {
        var res = new List<List<NTok>>();
        var cur = new List<NTok>();
        for (int i = from; i < toExclusive && i < toks.Count; i++)
        {
            if (toks[i].Is(",")) { if (cur.Count > 0) res.Add(cur); cur = []; }
            else if (!toks[i].Is("}")) cur.Add(toks[i]);
        }
        if (cur.Count > 0) res.Add(cur);
        return res;
    }

    private static readonly Dictionary<string, int> PriorityNames = new()
    {
        ["raw"] = -300, ["mangle"] = -150, ["dstnat"] = -100, ["filter"] = 0, ["security"] = 50, ["srcnat"] = 100,
    };

    private void ChainBody(string table, Family fam, string name, NTok at)
    {
        var chain = new NfChain { Table = table, Name = name, Family = fam, Pos = Pos(at) };
        _rs.Chains.Add(chain);
        var rules = new List<List<NTok>>();
        while (true)
        {
            SkipNewlines();
            if (End) break;
            if (Cur.Is("}")) { _p++; break; }
            var st = Statement();
            if (st.Count == 0) continue;
            if (st[0].Is("type"))
            {
                for (int i = 0; i + 1 < st.Count; i++)
                {
                    if (st[i].Is("type")) chain.Type = st[i + 1].Text;
                    else if (st[i].Is("hook")) chain.Hook = st[i + 1].Text;
                    else if (st[i].Is("priority"))
                    {
                        var pv = st[i + 1].Text;
                        int prio = PriorityNames.TryGetValue(pv, out var np) ? np : int.TryParse(pv, out var ip) ? ip : 0;
                        if (i + 3 < st.Count && (st[i + 2].Is("+") || st[i + 2].Is("-")) && int.TryParse(st[i + 3].Text, out var off))
                            prio += st[i + 2].Is("+") ? off : -off;
                        chain.Priority = prio;
                    }
                }
                if (chain.PolicyText == "policy accept (default)") chain.PolicyPos = Pos(st[0]);
                continue;
            }
            if (st[0].Is("policy") && st.Count > 1)
            {
                chain.PolicyPos = Pos(st[0]);
                chain.PolicyText = $"policy {st[1].Text}";
                chain.PolicyDrop = st[1].Is("drop");
                continue;
            }
            if (st[0].Is("comment") || st[0].Is("devices") || st[0].Is("device")) continue;
            rules.Add(st);
        }
        _pending.Add((chain, rules));
    }

    private static readonly HashSet<string> Keywords =
    [
        "ip", "ip6", "meta", "iifname", "oifname", "iif", "oif", "tcp", "udp", "sctp", "dccp", "udplite", "th", "ether",
        "ct", "counter", "log", "comment", "accept", "drop", "reject", "jump", "goto", "return", "continue", "limit",
        "queue", "l4proto", "nftrace", "notrack", "masquerade", "snat", "dnat", "redirect", "mark", "icmp", "icmpv6",
        "quota", "vmap",
    ];

    private NfRule Rule(NfChain chain, List<NTok> st)
    {
        var text = string.Join(" ", st.Select(x => x.Quoted ? $"\"{x.Text}\"" : x.Text));
        var r = new NfRule { Pos = Pos(st[0]), Text = text };
        var terms = new List<MatchExpr>();
        int i = 0;
        void Unknown(int at, int to)
        {
            var s = string.Join(" ", st.Skip(at).Take(Math.Max(1, to - at)).Select(x => x.Text));
            terms.Add(new MatchUnknown(Pos(st[at]), s));
            _rs.Warnings.Add(new ParseWarning(Pos(st[at]), $"'{s}' is not understood; the rule is taken to possibly match", text));
        }
        // Skips an unknown expression: up to the next keyword that can start an expression or statement.
        int SkipUnknown(int at)
        {
            int j = at + 1;
            int depth = 0;
            while (j < st.Count)
            {
                if (st[j].Is("{")) depth++;
                else if (st[j].Is("}")) depth--;
                else if (depth == 0 && !st[j].Quoted && Keywords.Contains(st[j].Text)
                         && !(j > 0 && (st[j - 1].Is("l4proto") || st[j - 1].Is("protocol") || st[j - 1].Is("nexthdr")))) break;
                j++;
            }
            Unknown(at, j);
            return j;
        }
        while (i < st.Count)
        {
            var w = st[i];
            string k = w.Quoted ? "" : w.Text;
            string k2 = i + 1 < st.Count ? st[i + 1].Text : "";
            switch (k)
            {
                case "accept": r.Verdict = NfVerdict.Accept; i++; continue;
                case "drop": r.Verdict = NfVerdict.Drop; i++; continue;
                case "reject": r.Verdict = NfVerdict.Reject; i = st.Count; continue;
                case "return": r.Verdict = NfVerdict.Return; i++; continue;
                case "continue": r.Verdict = NfVerdict.Continue; i++; continue;
                case "jump": case "goto":
                    r.Verdict = k == "jump" ? NfVerdict.Jump : NfVerdict.Goto;
                    r.Target = k2; i += 2; continue;
                case "counter":
                    i++;
                    while (i + 1 < st.Count && (st[i].Is("packets") || st[i].Is("bytes"))) i += 2;
                    continue;
                case "comment": i += 2; continue;
                case "log":
                    i++;
                    while (i + 1 < st.Count && st[i].Text is "prefix" or "level" or "group" or "snaplen" or "queue-threshold" or "flags") i += 2;
                    continue;
                case "meta" when k2 is "nftrace" or "mark" && i + 2 < st.Count && st[i + 2].Is("set"):
                    i += 4; continue;
                case "dnat": case "redirect":
                    if (NftNat.TryParse(st.Select(x => x.Quoted ? "" : x.Text).ToList(), i, chain.Family, out var natVerdict, out var nat, out var natFamily, out var natEnd))
                    {
                        r.Verdict = natVerdict; r.Nat = nat;
                        if (natFamily is not null) terms.Add(new MatchField(HeaderField.SrcIp, natFamily));
                        i = natEnd;
                    }
                    else i = SkipUnknown(i);
                    continue;
                case "ct" when k2 == "status" && i + 2 < st.Count && st[i + 2].Is("dnat"):
                    terms.Add(Values.Translated); i += 3; continue;
                case "ct" when k2 == "status" && i + 3 < st.Count && st[i + 2].Is("!=") && st[i + 3].Is("dnat"):
                    terms.Add(MatchExpr.Not(Values.Translated)); i += 4; continue;
            }
            // Matches.
            HeaderField? dim = null; Family? famReq = null; IntervalSet? protoImplied = null; bool iface = false, ifIn = false;
            int consumed = 2;
            switch (k)
            {
                case "ip" when k2 is "saddr" or "daddr": dim = k2 == "saddr" ? HeaderField.SrcIp : HeaderField.DstIp; famReq = Family.V4; break;
                case "ip6" when k2 is "saddr" or "daddr": dim = k2 == "saddr" ? HeaderField.SrcIp : HeaderField.DstIp; famReq = Family.V6; break;
                case "ip" when k2 == "protocol": dim = HeaderField.Protocol; famReq = Family.V4; break;
                case "ip6" when k2 == "nexthdr": dim = HeaderField.Protocol; famReq = Family.V6; break;
                case "meta" when k2 == "l4proto": dim = HeaderField.Protocol; break;
                case "meta" when k2 is "iifname" or "oifname" or "iif" or "oif": iface = true; ifIn = k2.StartsWith('i'); break;
                case "iifname": case "oifname": case "iif": case "oif": iface = true; ifIn = k.StartsWith('i'); consumed = 1; break;
                case "tcp" or "udp" or "sctp" or "dccp" or "udplite" when k2 is "sport" or "dport":
                    dim = k2 == "sport" ? HeaderField.SrcPort : HeaderField.DstPort;
                    protoImplied = IntervalSet.Single(ProtoNames.TryParse(k, out var pn) ? pn : (byte)0);
                    break;
                case "th" when k2 is "sport" or "dport":
                    dim = k2 == "sport" ? HeaderField.SrcPort : HeaderField.DstPort; protoImplied = FieldDomains.PortedProtocols; break;
                case "ether" when k2 == "saddr": dim = HeaderField.SrcMac; break;
                case "ct" when k2 == "state": dim = HeaderField.ConnState; break;
                case "meta" when k2 == "nfproto":
                    {
                        // meta nfproto ipv4|ipv6
                        if (i + 2 < st.Count && st[i + 2].Text is "ipv4" or "ipv6")
                        {
                            terms.Add(new MatchField(HeaderField.SrcIp, st[i + 2].Text == "ipv4" ? FieldDomains.V4 : FieldDomains.V6));
                            i += 3;
                        }
                        else i = SkipUnknown(i);
                        continue;
                    }
            }
            if (dim is null && !iface) { i = SkipUnknown(i); continue; }
            int vstart = i + consumed;
            bool neg = false;
            if (vstart < st.Count && st[vstart].Text is "!=" or "ne") { neg = true; vstart++; }
            else if (vstart < st.Count && st[vstart].Text is "==" or "eq") vstart++;
            else if (vstart < st.Count && st[vstart].Text is "<" or ">" or "<=" or ">=" or "lt" or "gt" or "le" or "ge" && dim is HeaderField.SrcPort or HeaderField.DstPort)
            {
                var op = st[vstart].Text;
                if (vstart + 1 < st.Count && ushort.TryParse(st[vstart + 1].Text, out var pv))
                {
                    var set = op switch
                    {
                        "<" or "lt" => pv == 0 ? IntervalSet.Empty : IntervalSet.Range(0, (UInt128)(pv - 1)),
                        ">" or "gt" => IntervalSet.Range((UInt128)pv + 1, 65535),
                        "<=" or "le" => IntervalSet.Range(0, pv),
                        _ => IntervalSet.Range(pv, 65535),
                    };
                    terms.Add(new MatchField(dim.Value, set));
                    if (protoImplied is not null) terms.Add(new MatchField(HeaderField.Protocol, protoImplied));
                    i = vstart + 2;
                    continue;
                }
                i = SkipUnknown(i); continue;
            }
            // Value: a single word, a comma list (ct state a,b), { anonymous set }, or @named.
            var elems = new List<List<NTok>>();
            int j = vstart;
            if (j < st.Count && st[j].Is("{"))
            {
                int close = j, depth = 0;
                for (; close < st.Count; close++)
                {
                    if (st[close].Is("{")) depth++;
                    else if (st[close].Is("}") && --depth == 0) break;
                }
                elems = SplitElements(st, j + 1, close);
                j = close + 1;
            }
            else if (j < st.Count && st[j].Text.StartsWith('@'))
            {
                if (_sets.TryGetValue(st[j].Text[1..], out var ns)) elems = ns.Elements;
                else { i = SkipUnknown(i); continue; }
                j++;
            }
            else
            {
                while (j < st.Count)
                {
                    elems.Add([st[j]]);
                    j++;
                    if (j < st.Count && st[j].Is(",")) j++; else break;
                }
            }
            if (elems.Count == 0 || elems.Any(e => e.Count != 1 || e[0].Text.StartsWith('$')) && !iface) { i = SkipUnknown(i); continue; }
            if (iface)
            {
                var pats = elems.Select(e => e[0].Text).ToList();
                MatchExpr m = new MatchInterface(ifIn, pats);
                terms.Add(neg ? MatchExpr.Not(m) : m);
                i = j;
                continue;
            }
            var values = new List<IntervalSet>();
            bool ok = true;
            foreach (var e in elems)
            {
                var s = e[0].Text;
                IntervalSet? v = dim switch
                {
                    HeaderField.SrcIp or HeaderField.DstIp => Values.Address(s),
                    HeaderField.Protocol => ProtoRange(s),
                    HeaderField.SrcPort or HeaderField.DstPort => Values.Port(s, '-'),
                    HeaderField.SrcMac => Values.Mac(s),
                    HeaderField.ConnState => Values.CtStateList(s),
                    _ => null,
                };
                if (v is null) { ok = false; break; }
                values.Add(v);
            }
            if (!ok) { i = SkipUnknown(i); continue; }
            var u = Values.Union(values);
            if (famReq is not null && dim is HeaderField.SrcIp or HeaderField.DstIp)
            {
                // ip saddr implies an IPv4 packet even when negated.
                var famSet = famReq == Family.V4 ? FieldDomains.V4 : FieldDomains.V6;
                terms.Add(new MatchField(dim.Value, neg ? famSet.Subtract(u) : u.Intersect(famSet)));
            }
            else
            {
                if (famReq is not null) terms.Add(new MatchField(HeaderField.SrcIp, famReq == Family.V4 ? FieldDomains.V4 : FieldDomains.V6));
                terms.Add(new MatchField(dim!.Value, neg ? FieldDomains.Complement(dim.Value, u) : u));
            }
            if (protoImplied is not null) terms.Add(new MatchField(HeaderField.Protocol, protoImplied));
            i = j;
        }
        r.Match = MatchExpr.And(terms);
        return r;
    }

    private static IntervalSet? ProtoRange(string s)
    {
        int dash = s.IndexOf('-');
        if (dash > 0 && byte.TryParse(s[..dash], out var a) && byte.TryParse(s[(dash + 1)..], out var b)) return IntervalSet.Range(a, b);
        return Values.Proto(s);
    }
}
