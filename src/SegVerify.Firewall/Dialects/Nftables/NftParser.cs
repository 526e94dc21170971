using SegVerify.Firewall.Dialects.Netfilter;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Nftables;

/// <summary>
/// Reads <c>nft list ruleset</c> text and files <c>nft -f</c> accepts (with <c>include</c> and <c>define</c>, see
/// <see cref="NftLexer"/>): tables of families inet, ip and ip6 (others skipped with a warning), base and regular
/// chains, named sets and maps, and rules (<see cref="NftRuleParser"/>). A table or chain written twice is one table
/// or chain, as in nft; <c>flush ruleset</c> and <c>delete table</c> forget what came before.
/// </summary>
public sealed class NftParser
{
    private readonly string _file;
    private readonly NfRuleset _rs;
    private readonly List<NTok> _t;
    private int _p;

    private NftParser(string file, List<NTok> tokens)
    {
        _file = file;
        _rs = new NfRuleset { File = file, Families = Family.Both, MaxJumpDepth = MaxJumpDepth };
        _t = tokens;
    }

    /// <summary>The kernel's jump stack (NFT_JUMP_STACK_SIZE): chains nest at most this many levels below a base chain.</summary>
    public const int MaxJumpDepth = 15;

    /// <summary>Reads the text into the netfilter vendor model; included files are read with <paramref name="readFile"/>.</summary>
    public static NfRuleset ParseVendor(string file, string text, Func<string, string>? readFile = null)
    {
        var p = new NftParser(file, NftLexer.Read(file, text, readFile));
        p.Top();
        p.Finish();
        return p._rs;
    }

    /// <summary>Reads the text and lowers it to the vendor-neutral model.</summary>
    public static FwRuleset Parse(string file, string text, Func<string, string>? readFile = null) =>
        NetfilterLowering.Lower(ParseVendor(file, text, readFile), _ => true);

    private bool End => _p >= _t.Count;
    private NTok Cur => _t[_p];

    private void Warn(NTok at, string msg, string text) => _rs.Warnings.Add(new ParseWarning(at.Pos, msg, text));

    private void SkipNewlines() { while (!End && (Cur.IsNewline || Cur.Is(";"))) _p++; }

    /// <summary>Collects one statement: words up to a newline or ';' outside braces (a block is kept whole).</summary>
    private List<NTok> Statement()
    {
        var res = new List<NTok>();
        int depth = 0;
        while (!End)
        {
            var t = Cur;
            if (depth == 0 && (t.IsNewline || t.Is(";"))) { _p++; break; }
            if (depth == 0 && t.Is("}")) break;
            if (t.Is("{")) depth++;
            if (t.Is("}")) depth--;
            if (!t.IsNewline) res.Add(t);
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

    private sealed class TableState
    {
        public required Family Family;
        public Dictionary<string, NftSetDef> Sets { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, (NfChain Chain, List<List<NTok>> Rules)> Chains { get; } = new(StringComparer.Ordinal);
    }

    // Tables in the order first written ("inet filter" -> its sets and chains).
    private readonly Dictionary<string, TableState> _tables = new(StringComparer.Ordinal);

    private static string Text(IEnumerable<NTok> st) => string.Join(" ", st.Select(x => x.ToString()));

    private static Family? FamilyOf(string f) => f switch { "inet" => Family.Both, "ip" => Family.V4, "ip6" => Family.V6, _ => null };

    private void Top()
    {
        while (true)
        {
            SkipNewlines();
            if (End) return;
            var t = Cur;
            if (t.Is("}")) { _p++; continue; }
            if (t.Is("table") || (t.Is("add") && _p + 1 < _t.Count && _t[_p + 1].Is("table")))
            {
                if (t.Is("add")) _p++;
                var kw = Cur;
                _p++;
                var words = new List<NTok>();
                while (!End && !Cur.Is("{") && !Cur.IsNewline && !Cur.Is(";")) { words.Add(Cur); _p++; }
                string family = words.Count >= 2 ? words[0].Text : "ip";
                string name = words.Count >= 1 ? words[^1].Text : "";
                Family? fam = FamilyOf(family);
                if (fam is null)
                {
                    Warn(kw, $"table family '{family}' is not analysed (only inet, ip, ip6); skipped", $"table {family} {name}");
                    if (!End && Cur.Is("{")) SkipBlock();
                    continue;
                }
                var key = family + " " + name;
                if (!_tables.TryGetValue(key, out var ts)) _tables[key] = ts = new TableState { Family = fam.Value };
                if (!End && Cur.Is("{")) { _p++; Table(key, ts); }
                continue;
            }
            var st = Statement();
            if (st.Count == 0) continue;
            if (st[0].Text.StartsWith("#!")) continue;
            if (st[0].Is("flush") && st.Count >= 2 && st[1].Is("ruleset")) { _tables.Clear(); continue; }
            if ((st[0].Is("delete") || st[0].Is("destroy")) && st.Count >= 3 && st[1].Is("table"))
            {
                var fam = st.Count >= 4 ? st[2].Text : "ip";
                _tables.Remove(fam + " " + st[^1].Text);
                continue;
            }
            Warn(st[0], "command not analysed (only table blocks are read); skipped", Text(st));
            if (!End && Cur.Is("{")) SkipBlock();
        }
    }

    private static readonly HashSet<string> ObjectKinds = ["counter", "quota", "limit", "synproxy", "secmark", "ct", "flowtable", "tunnel"];

    private void Table(string table, TableState ts)
    {
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
                if (kw.Is("chain")) ChainBody(table, ts, name, kw);
                else SetBody(ts, name, kw, kw.Is("map"));
                continue;
            }
            if (kw.Is("chain") && _p + 1 < _t.Count)
            {
                // A chain declared without a body.
                var name = _t[_p + 1].Text;
                Statement();
                GetChain(table, ts, name, kw);
                continue;
            }
            var st = Statement();
            if (st.Count == 0) continue;
            if (st[0].Is("flags") || st[0].Is("comment")) continue;
            if (!End && Cur.Is("{")) SkipBlock();
            // Stateful objects (named counters, quotas, ...) decide nothing by themselves; rules using them are judged.
            if (!st[0].Quoted && ObjectKinds.Contains(st[0].Text)) continue;
            Warn(st[0], "table statement not analysed (skipped)", Text(st));
        }
    }

    private void SetBody(TableState ts, string name, NTok at, bool isMap)
    {
        var set = new NftSetDef { Name = name, Pos = at.Pos, IsMap = isMap };
        while (true)
        {
            SkipNewlines();
            if (End) break;
            if (Cur.Is("}")) { _p++; break; }
            var st = Statement();
            if (st.Count == 0) continue;
            if (st[0].Is("type") || st[0].Is("typeof")) set.Type = Text(st.Skip(1));
            else if (st[0].Is("flags") && st.Skip(1).Any(x => x.Is("dynamic"))) set.Dynamic = true;
            else if (st[0].Is("elements"))
            {
                int open = st.FindIndex(x => x.Is("{"));
                if (open >= 0) set.Elements.AddRange(NftElements.Split(st, open + 1, st.FindLastIndex(x => x.Is("}"))));
            }
        }
        ts.Sets[name] = set;
    }

    private static readonly Dictionary<string, int> PriorityNames = new()
    {
        ["raw"] = -300, ["mangle"] = -150, ["dstnat"] = -100, ["filter"] = 0, ["security"] = 50, ["srcnat"] = 100,
    };

    private (NfChain Chain, List<List<NTok>> Rules) GetChain(string table, TableState ts, string name, NTok at)
    {
        if (ts.Chains.TryGetValue(name, out var c)) return c;
        var chain = new NfChain { Table = table, Name = name, Family = ts.Family, Pos = at.Pos };
        c = (chain, []);
        ts.Chains[name] = c;
        return c;
    }

    private void ChainBody(string table, TableState ts, string name, NTok at)
    {
        var (chain, rules) = GetChain(table, ts, name, at);
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
                if (chain.PolicyText == "policy accept (default)") chain.PolicyPos = st[0].Pos;
                // "type filter hook forward priority 0; policy drop;" may share a line.
                continue;
            }
            if (st[0].Is("policy") && st.Count > 1)
            {
                chain.PolicyPos = st[0].Pos;
                chain.PolicyText = $"policy {st[1].Text}";
                chain.PolicyDrop = st[1].Is("drop");
                continue;
            }
            if (st[0].Is("comment") || st[0].Is("devices") || st[0].Is("device")) continue;
            rules.Add(st);
        }
    }

    /// <summary>Reads the rules once every set of every table is known, and fills the vendor model.</summary>
    private void Finish()
    {
        foreach (var ts in _tables.Values)
        {
            // A set a rule adds to or updates is filled at run time.
            foreach (var (_, rules) in ts.Chains.Values)
                foreach (var st in rules)
                    for (int i = 0; i + 1 < st.Count; i++)
                        if (st[i].Text is "add" or "update" or "delete" && st[i + 1].Text.StartsWith('@')
                            && ts.Sets.TryGetValue(st[i + 1].Text[1..], out var dyn))
                            dyn.Dynamic = true;
            foreach (var (chain, rules) in ts.Chains.Values)
            {
                _rs.Chains.Add(chain);
                foreach (var st in rules)
                    chain.Rules.AddRange(NftRuleParser.Parse(st, n => ts.Sets.GetValueOrDefault(n), _rs.Warnings, ts.Family));
            }
        }
    }
}
