using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Iptables;

/// <summary>One ipset from an <c>ipset save</c> dump: the dimension its members live in and the members.</summary>
public sealed record IpsetDef(string Name, string Type, bool IsPort, bool IsMac, IntervalSet Members, bool Supported);

/// <summary>Reads <c>ipset save</c> output (create/add lines) for hash:ip, hash:net, bitmap:ip, bitmap:port, hash:mac.</summary>
public static class IpsetParser
{
    public static Dictionary<string, IpsetDef> Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var members = new Dictionary<string, List<IntervalSet>>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var t = LineTokenizer.Split(raw.Trim());
            if (t.Count < 3) continue;
            if (t[0].Text is "create" or "-N") { types[t[1].Text] = t[2].Text; members[t[1].Text] = []; }
            else if (t[0].Text is "add" or "-A" && members.TryGetValue(t[1].Text, out var list))
            {
                var type = types[t[1].Text];
                var v = type.EndsWith(":port") ? Values.Port(t[2].Text, '-')
                    : type.EndsWith(":mac") ? Values.Mac(t[2].Text)
                    : Values.Address(t[2].Text);
                if (v is not null) list.Add(v);
            }
        }
        var res = new Dictionary<string, IpsetDef>(StringComparer.Ordinal);
        foreach (var (name, type) in types)
        {
            bool supported = type is "hash:ip" or "hash:net" or "bitmap:ip" or "bitmap:port" or "hash:mac" or "bitmap:ip,mac";
            res[name] = new IpsetDef(name, type, type.EndsWith(":port"), type == "hash:mac", Values.Union(members[name]),
                supported && type != "bitmap:ip,mac");
        }
        return res;
    }
}

/// <summary>
/// Reads <c>iptables-save</c> / <c>ip6tables-save</c> output. The filter table is read in full; rules of other tables
/// are read into their chains (for shadow analysis) but only the filter table's chains are hooked for the analysis.
/// </summary>
public sealed class IptablesParser
{
    private readonly string _file;
    private readonly IReadOnlyDictionary<string, IpsetDef> _ipsets;
    private readonly FwRuleset _rs;
    private Family _family;

    private static readonly HashSet<string> BuiltinChains = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];
    private static readonly HashSet<string> NonTerminating =
    [
        "LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "TRACE", "AUDIT", "CHECKSUM", "TCPMSS", "CLASSIFY", "DSCP", "TOS",
        "TTL", "HL", "NOTRACK", "CT", "SET", "IDLETIMER", "LED", "RATEEST", "SECMARK", "CONNSECMARK", "TEE", "NETMAP",
        "TCPOPTSTRIP", "SYNPROXY",
    ];

    private IptablesParser(string file, string text, IReadOnlyDictionary<string, IpsetDef>? ipsets)
    {
        _file = file;
        _ipsets = ipsets ?? new Dictionary<string, IpsetDef>();
        _rs = new FwRuleset { File = file, Dialect = "iptables" };
        _family = text.Contains("ip6tables-save") ? Family.V6 : Family.V4;
    }

    public static FwRuleset Parse(string file, string text, IReadOnlyDictionary<string, IpsetDef>? ipsets = null)
    {
        var p = new IptablesParser(file, text, ipsets);
        p.Run(text);
        p._rs.Link();
        return p._rs;
    }

    private readonly Dictionary<(string, string), FwChain> _chains = new();

    private FwChain GetChain(string table, string name, int line, int col)
    {
        if (_chains.TryGetValue((table, name), out var c)) return c;
        c = new FwChain { Table = table, Name = name, Family = _family, Pos = new ConfigPos(_file, line, col) };
        if (BuiltinChains.Contains(name))
        {
            c.Hook = name.ToLowerInvariant();
            c.Type = table == "filter" ? "filter" : table;
            c.Priority = table switch { "raw" => -300, "mangle" => -150, "nat" => -100, "filter" => 0, _ => 50 };
            c.Policy = new FwRule { Pos = c.Pos, Text = $":{name} ACCEPT", Chain = c, IsPolicy = true, Action = RuleAction.Accept };
        }
        _chains[(table, name)] = c;
        _rs.Chains.Add(c);
        return c;
    }

    private void Run(string text)
    {
        var lines = text.Split('\n');
        // Decide the family from the addresses when the header does not say.
        if (_family == Family.V4)
            foreach (var l in lines)
                if ((l.Contains(" -s ") || l.Contains(" -d ")) && System.Text.RegularExpressions.Regex.IsMatch(l, @" -[sd] [0-9a-fA-F]*:[0-9a-fA-F:]*[:/]"))
                { _family = Family.V6; break; }
        string table = "filter";
        for (int n = 0; n < lines.Length; n++)
        {
            var line = lines[n].TrimEnd('\r');
            int lineNo = n + 1;
            var t = LineTokenizer.Split(line);
            if (t.Count == 0 || t[0].Text.StartsWith('#')) continue;
            var first = t[0].Text;
            if (first.StartsWith('*')) { table = first[1..]; continue; }
            if (first == "COMMIT") continue;
            if (first.StartsWith(':'))
            {
                var c = GetChain(table, first[1..], lineNo, 1);
                if (c.Policy is not null && t.Count > 1)
                {
                    c.Policy = new FwRule
                    {
                        Pos = new ConfigPos(_file, lineNo, 1), Text = line.Trim(), Chain = c, IsPolicy = true,
                        Action = t[1].Text == "DROP" ? RuleAction.Drop : RuleAction.Accept,
                    };
                }
                continue;
            }
            int i = 0;
            if (first.StartsWith('[') && first.EndsWith(']')) i = 1; // [packets:bytes] counters
            if (i >= t.Count) continue;
            var cmd = t[i].Text;
            if ((cmd is "-A" or "--append" or "-I" or "--insert") && i + 1 < t.Count)
            {
                var chain = GetChain(table, t[i + 1].Text, lineNo, t[i + 1].Column);
                var rule = new FwRule { Pos = new ConfigPos(_file, lineNo, t[i].Column), Text = line.Trim(), Chain = chain };
                int start = i + 2;
                if (cmd is "-I" or "--insert" && start < t.Count && Values.IsInt(t[start].Text)) start++;
                ParseRule(rule, t, start, lineNo);
                if (cmd is "-I" or "--insert") chain.Rules.Insert(0, rule); else chain.Rules.Add(rule);
            }
            else if (cmd is "-N" or "--new-chain" && i + 1 < t.Count) GetChain(table, t[i + 1].Text, lineNo, 1);
            else if (cmd is "-P" or "--policy" && i + 2 < t.Count)
            {
                var c = GetChain(table, t[i + 1].Text, lineNo, 1);
                if (c.Policy is not null)
                    c.Policy = new FwRule
                    {
                        Pos = new ConfigPos(_file, lineNo, 1), Text = line.Trim(), Chain = c, IsPolicy = true,
                        Action = t[i + 2].Text == "DROP" ? RuleAction.Drop : RuleAction.Accept,
                    };
            }
            else
                _rs.Warnings.Add(new ParseWarning(new ConfigPos(_file, lineNo, t[0].Column), "line not understood (skipped)", line.Trim()));
        }
    }

    private void Unknown(FwRule r, int line, Tok tok, string text)
    {
        r.Unknown.Add(new UnknownMatch(new ConfigPos(_file, line, tok.Column), text));
        _rs.Warnings.Add(new ParseWarning(new ConfigPos(_file, line, tok.Column),
            $"'{text}' is not understood; the rule is taken to possibly match", r.Text));
    }

    private void Add(FwRule r, Dim d, IntervalSet? v, bool neg, int line, Tok tok, string text)
    {
        if (v is null) { Unknown(r, line, tok, text); return; }
        r.Fields.Add(new FieldConstraint(d, neg ? Domains.Complement(d, v) : v));
    }

    private void ParseRule(FwRule r, List<Tok> t, int i, int line)
    {
        bool neg = false;
        string module = "";
        bool protoGiven = false;
        while (i < t.Count)
        {
            var tok = t[i];
            var o = tok.Text;
            if (o == "!") { neg = true; i++; continue; }
            string Arg()
            {
                i++;
                if (i < t.Count && t[i].Text == "!") { neg = !neg; i++; }
                return i < t.Count ? t[i].Text : "";
            }
            switch (o)
            {
                case "-s": case "--source": case "--src":
                case "-d": case "--destination": case "--dst":
                    {
                        var a = Arg();
                        var sets = a.Split(',').Select(Values.Address).ToList();
                        Add(r, o.StartsWith("-s") || o.StartsWith("--s") ? Dim.Src : Dim.Dst,
                            sets.Any(s => s is null) ? null : Values.Union(sets!), neg, line, tok, $"{o} {a}");
                        break;
                    }
                case "-p": case "--protocol":
                    {
                        var a = Arg();
                        protoGiven = true;
                        Add(r, Dim.Proto, Values.Proto(a), neg, line, tok, $"{o} {a}");
                        if (!neg) module = a.ToLowerInvariant();
                        break;
                    }
                case "-i": case "--in-interface":
                case "-o": case "--out-interface":
                    {
                        var a = Arg();
                        // iptables' wildcard is a trailing '+'; the model's is '*'.
                        var pat = a.EndsWith('+') ? a[..^1] + "*" : a;
                        r.Ifaces.Add(new IfaceConstraint(o is "-i" or "--in-interface", [pat], neg));
                        break;
                    }
                case "-m": case "--match":
                    module = Arg();
                    break;
                case "-j": case "--jump":
                case "-g": case "--goto":
                    {
                        var target = Arg();
                        SetTarget(r, target, o is "-g" or "--goto", line, tok);
                        return; // target options follow
                    }
                case "--sport": case "--source-port": case "--dport": case "--destination-port":
                    {
                        var a = Arg();
                        var d = o is "--sport" or "--source-port" ? Dim.Sport : Dim.Dport;
                        if (module is "tcp" or "udp" or "sctp" or "dccp" or "udplite" || protoGiven)
                            Add(r, d, Values.Port(a, ':'), neg, line, tok, $"{o} {a}");
                        else Unknown(r, line, tok, $"{o} {a}");
                        break;
                    }
                case "--dports": case "--destination-ports": case "--sports": case "--source-ports": case "--ports":
                    {
                        var a = Arg();
                        var parts = a.Split(',').Select(p => Values.Port(p, ':')).ToList();
                        if (parts.Any(p => p is null)) { Unknown(r, line, tok, $"{o} {a}"); break; }
                        var set = Values.Union(parts!);
                        if (o == "--ports")
                        {
                            if (neg)
                            {
                                r.Fields.Add(new FieldConstraint(Dim.Sport, Domains.Complement(Dim.Sport, set)));
                                r.Fields.Add(new FieldConstraint(Dim.Dport, Domains.Complement(Dim.Dport, set)));
                            }
                            else
                                r.AnyOf.Add([[new FieldConstraint(Dim.Sport, set)], [new FieldConstraint(Dim.Dport, set)]]);
                        }
                        else Add(r, o.StartsWith("--s") ? Dim.Sport : Dim.Dport, set, neg, line, tok, $"{o} {a}");
                        break;
                    }
                case "--src-range": case "--dst-range":
                    {
                        var a = Arg();
                        Add(r, o == "--src-range" ? Dim.Src : Dim.Dst, Values.Address(a), neg, line, tok, $"{o} {a}");
                        break;
                    }
                case "--ctstate": case "--state":
                    {
                        var a = Arg();
                        Add(r, Dim.Ct, Values.CtStateList(a), neg, line, tok, $"{o} {a}");
                        break;
                    }
                case "--mac-source":
                    {
                        var a = Arg();
                        Add(r, Dim.SrcMac, Values.Mac(a), neg, line, tok, $"{o} {a}");
                        break;
                    }
                case "--match-set": case "--set":
                    {
                        var name = Arg();
                        i++;
                        var flags = i < t.Count ? t[i].Text : "";
                        if (_ipsets.TryGetValue(name, out var set) && set.Supported && !flags.Contains(','))
                        {
                            var d = set.IsPort ? (flags == "src" ? Dim.Sport : Dim.Dport)
                                : set.IsMac ? Dim.SrcMac
                                : flags == "src" ? Dim.Src : Dim.Dst;
                            Add(r, d, set.Members, neg, line, tok, $"{o} {name} {flags}");
                        }
                        else Unknown(r, line, tok, $"{o} {name} {flags}" + (_ipsets.ContainsKey(name) ? "" : " (set contents unknown: give --ipset)"));
                        break;
                    }
                case "--comment":
                    Arg();
                    break;
                case "-4": case "--ipv4": case "-6": case "--ipv6":
                    break;
                case "-c": case "--set-counters":
                    i += 2;
                    break;
                default:
                    if (o.StartsWith('-'))
                    {
                        // An option of a module the analysis does not model: consume its values.
                        var text = o;
                        while (i + 1 < t.Count && !t[i + 1].Text.StartsWith('-') && t[i + 1].Text != "!") text += " " + t[++i].Text;
                        Unknown(r, line, tok, (module.Length > 0 ? $"-m {module} " : "") + text);
                    }
                    else Unknown(r, line, tok, o);
                    break;
            }
            neg = false;
            i++;
        }
        // No target: a rule that only counts.
        r.Action = RuleAction.Continue;
    }

    private void SetTarget(FwRule r, string target, bool isGoto, int line, Tok tok)
    {
        switch (target)
        {
            case "ACCEPT": r.Action = RuleAction.Accept; return;
            case "DROP": r.Action = RuleAction.Drop; return;
            case "REJECT": r.Action = RuleAction.Reject; return;
            case "RETURN": r.Action = RuleAction.Return; return;
        }
        if (NonTerminating.Contains(target) || (r.Chain.Table != "filter" && target is "DNAT" or "SNAT" or "MASQUERADE" or "REDIRECT"))
        {
            r.Action = RuleAction.Continue;
            return;
        }
        if (target.All(ch => char.IsUpper(ch) || char.IsDigit(ch) || ch == '_') && !_chains.ContainsKey((r.Chain.Table, target))
            && target is "QUEUE" or "NFQUEUE" or "TARPIT" or "DNAT" or "SNAT" or "MASQUERADE" or "REDIRECT")
        {
            Unknown(r, line, tok, $"-j {target}");
            r.Action = target is "TARPIT" ? RuleAction.Drop : RuleAction.Accept;
            return;
        }
        r.Action = isGoto ? RuleAction.Goto : RuleAction.Jump;
        r.Target = target;
    }
}
