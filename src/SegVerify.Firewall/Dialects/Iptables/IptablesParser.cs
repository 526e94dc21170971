using SegVerify.Firewall.Dialects.Netfilter;
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
/// Reads <c>iptables-save</c> / <c>ip6tables-save</c> output into the netfilter vendor model. Every table is read;
/// the lowering hooks the filter table's FORWARD chain and the nat table's PREROUTING chain.
/// </summary>
public sealed class IptablesParser
{
    private readonly string _file;
    private readonly IReadOnlyDictionary<string, IpsetDef> _ipsets;
    private readonly NfRuleset _rs;
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
        _family = text.Contains("ip6tables-save") ? Family.V6 : Family.V4;
        _rs = new NfRuleset { File = file };
    }

    /// <summary>Reads the text into the netfilter vendor model.</summary>
    public static NfRuleset ParseVendor(string file, string text, IReadOnlyDictionary<string, IpsetDef>? ipsets = null)
    {
        var p = new IptablesParser(file, text, ipsets);
        p.Run(text);
        p._rs.Families = p._family;
        return p._rs;
    }

    /// <summary>Reads the text and lowers it to the vendor-neutral model.</summary>
    public static FwRuleset Parse(string file, string text, IReadOnlyDictionary<string, IpsetDef>? ipsets = null) =>
        NetfilterLowering.Lower(ParseVendor(file, text, ipsets), c => c.Table == "filter");

    private readonly Dictionary<(string, string), NfChain> _chains = new();

    private NfChain GetChain(string table, string name, int line, int col)
    {
        if (_chains.TryGetValue((table, name), out var c)) return c;
        c = new NfChain { Table = table, Name = name, Family = _family, Pos = new ConfigPos(_file, line, col) };
        if (BuiltinChains.Contains(name))
        {
            c.Hook = name.ToLowerInvariant();
            c.Type = table;
            c.Priority = table switch { "raw" => -300, "mangle" => -150, "nat" => name == "POSTROUTING" ? 100 : -100, "filter" => 0, _ => 50 };
            c.PolicyPos = c.Pos;
            c.PolicyText = $":{name} ACCEPT";
        }
        _chains[(table, name)] = c;
        _rs.Chains.Add(c);
        return c;
    }

    private void SetPolicy(NfChain c, int lineNo, string line, string policy)
    {
        if (!c.IsBase) return;
        c.PolicyPos = new ConfigPos(_file, lineNo, 1);
        c.PolicyText = line.Trim();
        c.PolicyDrop = policy == "DROP";
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
                if (t.Count > 1) SetPolicy(c, lineNo, line, t[1].Text);
                continue;
            }
            int i = 0;
            if (first.StartsWith('[') && first.EndsWith(']')) i = 1; // [packets:bytes] counters
            if (i >= t.Count) continue;
            var cmd = t[i].Text;
            if ((cmd is "-A" or "--append" or "-I" or "--insert") && i + 1 < t.Count)
            {
                var chain = GetChain(table, t[i + 1].Text, lineNo, t[i + 1].Column);
                var rule = new NfRule { Pos = new ConfigPos(_file, lineNo, t[i].Column), Text = line.Trim() };
                int start = i + 2;
                if (cmd is "-I" or "--insert" && start < t.Count && Values.IsInt(t[start].Text)) start++;
                ParseRule(chain, rule, t, start, lineNo);
                if (cmd is "-I" or "--insert") chain.Rules.Insert(0, rule); else chain.Rules.Add(rule);
            }
            else if (cmd is "-N" or "--new-chain" && i + 1 < t.Count) GetChain(table, t[i + 1].Text, lineNo, 1);
            else if (cmd is "-P" or "--policy" && i + 2 < t.Count) SetPolicy(GetChain(table, t[i + 1].Text, lineNo, 1), lineNo, line, t[i + 2].Text);
            else
                _rs.Warnings.Add(new ParseWarning(new ConfigPos(_file, lineNo, t[0].Column), "line not understood (skipped)", line.Trim()));
        }
    }

    private MatchExpr Unknown(NfRule r, int line, Tok tok, string text)
    {
        var pos = new ConfigPos(_file, line, tok.Column);
        _rs.Warnings.Add(new ParseWarning(pos, $"'{text}' is not understood; the rule is taken to possibly match", r.Text));
        return new MatchUnknown(pos, text);
    }

    private void Add(List<MatchExpr> terms, NfRule r, HeaderField f, IntervalSet? v, bool neg, int line, Tok tok, string text)
    {
        if (v is null) { terms.Add(Unknown(r, line, tok, text)); return; }
        terms.Add(new MatchField(f, neg ? FieldDomains.Complement(f, v) : v));
    }

    private void ParseRule(NfChain chain, NfRule r, List<Tok> t, int i, int line)
    {
        var terms = new List<MatchExpr>();
        bool neg = false;
        string module = "";
        bool protoGiven = false;
        try
        {
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
                            Add(terms, r, o.StartsWith("-s") || o.StartsWith("--s") ? HeaderField.SrcIp : HeaderField.DstIp,
                                sets.Any(s => s is null) ? null : Values.Union(sets!), neg, line, tok, $"{o} {a}");
                            break;
                        }
                    case "-p": case "--protocol":
                        {
                            var a = Arg();
                            protoGiven = true;
                            Add(terms, r, HeaderField.Protocol, Values.Proto(a), neg, line, tok, $"{o} {a}");
                            if (!neg) module = a.ToLowerInvariant();
                            break;
                        }
                    case "-i": case "--in-interface":
                    case "-o": case "--out-interface":
                        {
                            var a = Arg();
                            // iptables' wildcard is a trailing '+'; the model's is '*'.
                            var pat = a.EndsWith('+') ? a[..^1] + "*" : a;
                            MatchExpr m = new MatchInterface(o is "-i" or "--in-interface", [pat]);
                            terms.Add(neg ? MatchExpr.Not(m) : m);
                            break;
                        }
                    case "-m": case "--match":
                        module = Arg();
                        break;
                    case "-j": case "--jump":
                    case "-g": case "--goto":
                        {
                            var target = Arg();
                            SetTarget(chain, r, terms, target, o is "-g" or "--goto", t, i + 1, line, tok);
                            return; // target options follow
                        }
                    case "--sport": case "--source-port": case "--dport": case "--destination-port":
                        {
                            var a = Arg();
                            var d = o is "--sport" or "--source-port" ? HeaderField.SrcPort : HeaderField.DstPort;
                            if (module is "tcp" or "udp" or "sctp" or "dccp" or "udplite" || protoGiven)
                                Add(terms, r, d, Values.Port(a, ':'), neg, line, tok, $"{o} {a}");
                            else terms.Add(Unknown(r, line, tok, $"{o} {a}"));
                            break;
                        }
                    case "--dports": case "--destination-ports": case "--sports": case "--source-ports": case "--ports":
                        {
                            var a = Arg();
                            var parts = a.Split(',').Select(p => Values.Port(p, ':')).ToList();
                            if (parts.Any(p => p is null)) { terms.Add(Unknown(r, line, tok, $"{o} {a}")); break; }
                            var set = Values.Union(parts!);
                            if (o == "--ports")
                            {
                                var either = MatchExpr.Or(new MatchField(HeaderField.SrcPort, set), new MatchField(HeaderField.DstPort, set));
                                terms.Add(neg ? MatchExpr.Not(either) : either);
                            }
                            else Add(terms, r, o.StartsWith("--s") ? HeaderField.SrcPort : HeaderField.DstPort, set, neg, line, tok, $"{o} {a}");
                            break;
                        }
                    case "--src-range": case "--dst-range":
                        {
                            var a = Arg();
                            Add(terms, r, o == "--src-range" ? HeaderField.SrcIp : HeaderField.DstIp, Values.Address(a), neg, line, tok, $"{o} {a}");
                            break;
                        }
                    case "--ctstate": case "--state":
                        {
                            var a = Arg();
                            if (o == "--ctstate" && Values.CtStateWithDnat(a) is { } withDnat)
                            {
                                terms.Add(neg ? MatchExpr.Not(withDnat) : withDnat);
                                break;
                            }
                            Add(terms, r, HeaderField.ConnState, Values.CtStateList(a), neg, line, tok, $"{o} {a}");
                            break;
                        }
                    case "--ctorigdst": case "--ctorigdstport":
                        {
                            // The destination before DNAT (Netfilter/OriginalDestination.cs).
                            var a = Arg();
                            var v = o == "--ctorigdst" ? Values.Address(a) : Values.Port(a, ':');
                            if (v is null) { terms.Add(Unknown(r, line, tok, $"{o} {a}")); break; }
                            var pos = new ConfigPos(_file, line, tok.Column);
                            MatchExpr m = o == "--ctorigdst" ? new NfOriginalDst(v, null, pos, $"{o} {a}") : new NfOriginalDst(null, v, pos, $"{o} {a}");
                            terms.Add(neg ? MatchExpr.Not(m) : m);
                            break;
                        }
                    case "--ctorigsrc": case "--ctrepldst":
                        {
                            // Before the forward hook no source NAT has happened: the original source (and the
                            // reply's destination) is the packet's source.
                            var a = Arg();
                            Add(terms, r, HeaderField.SrcIp, Values.Address(a), neg, line, tok, $"{o} {a}");
                            break;
                        }
                    case "--ctreplsrc":
                        {
                            // The reply comes from the destination the packet now has (after DNAT).
                            var a = Arg();
                            Add(terms, r, HeaderField.DstIp, Values.Address(a), neg, line, tok, $"{o} {a}");
                            break;
                        }
                    case "--icmp-type": case "--icmpv6-type":
                        {
                            var a = Arg();
                            var m = IptablesMatches.IcmpType(a, o == "--icmpv6-type");
                            if (m is null) terms.Add(Unknown(r, line, tok, $"{o} {a}"));
                            else terms.Add(neg ? MatchExpr.Not(m) : m);
                            break;
                        }
                    case "--tcp-flags":
                        {
                            var mask = Arg();
                            i++;
                            var comp = i < t.Count ? t[i].Text : "";
                            var m = IptablesMatches.TcpFlags(mask, comp);
                            if (m is null) terms.Add(Unknown(r, line, tok, $"{o} {mask} {comp}"));
                            else terms.Add(neg ? MatchExpr.Not(m) : m);
                            break;
                        }
                    case "--syn":
                        {
                            var m = IptablesMatches.TcpFlags("FIN,SYN,RST,ACK", "SYN")!;
                            terms.Add(neg ? MatchExpr.Not(m) : m);
                            break;
                        }
                    case "--mac-source":
                        {
                            var a = Arg();
                            Add(terms, r, HeaderField.SrcMac, Values.Mac(a), neg, line, tok, $"{o} {a}");
                            break;
                        }
                    case "--match-set": case "--set":
                        {
                            var name = Arg();
                            i++;
                            var flags = i < t.Count ? t[i].Text : "";
                            if (_ipsets.TryGetValue(name, out var set) && set.Supported && !flags.Contains(','))
                            {
                                var d = set.IsPort ? (flags == "src" ? HeaderField.SrcPort : HeaderField.DstPort)
                                    : set.IsMac ? HeaderField.SrcMac
                                    : flags == "src" ? HeaderField.SrcIp : HeaderField.DstIp;
                                Add(terms, r, d, set.Members, neg, line, tok, $"{o} {name} {flags}");
                            }
                            else terms.Add(Unknown(r, line, tok, $"{o} {name} {flags}" + (_ipsets.ContainsKey(name) ? "" : " (set contents unknown: give --ipset)")));
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
                            terms.Add(Unknown(r, line, tok, (module.Length > 0 ? $"-m {module} " : "") + text));
                        }
                        else terms.Add(Unknown(r, line, tok, o));
                        break;
                }
                neg = false;
                i++;
            }
            // No target: a rule that only counts.
            r.Verdict = NfVerdict.Continue;
        }
        finally
        {
            r.Match = MatchExpr.And(terms);
        }
    }

    private void SetTarget(NfChain chain, NfRule r, List<MatchExpr> terms, string target, bool isGoto, List<Tok> t, int optStart, int line, Tok tok)
    {
        switch (target)
        {
            case "ACCEPT": r.Verdict = NfVerdict.Accept; return;
            case "DROP": r.Verdict = NfVerdict.Drop; return;
            case "REJECT": r.Verdict = NfVerdict.Reject; return;
            case "RETURN": r.Verdict = NfVerdict.Return; return;
        }
        if (chain.Table == "nat" && target is "DNAT" or "REDIRECT")
        {
            var nat = NatTarget(target, t, optStart);
            if (nat is not null) { r.Verdict = target == "DNAT" ? NfVerdict.Dnat : NfVerdict.Redirect; r.Nat = nat; return; }
            // Not understood: it may or may not translate (a DNAT to any address and port of the family, so nothing
            // it might publish is missed; a REDIRECT to the firewall itself).
            terms.Add(Unknown(r, line, tok, $"-j {target} " + string.Join(" ", t.Skip(optStart).Select(x => x.Text))));
            r.Verdict = target == "DNAT" ? NfVerdict.Dnat : NfVerdict.Redirect;
            r.Nat = target == "DNAT" ? NatTranslation.Anywhere(_family) : new NatTranslation(null, null, ToDevice: true);
            return;
        }
        if (NonTerminating.Contains(target) || (chain.Table != "filter" && target is "SNAT" or "MASQUERADE" or "DNAT" or "REDIRECT"))
        {
            r.Verdict = NfVerdict.Continue;
            return;
        }
        if (target.All(ch => char.IsUpper(ch) || char.IsDigit(ch) || ch == '_') && !_chains.ContainsKey((chain.Table, target))
            && target is "QUEUE" or "NFQUEUE" or "TARPIT" or "DNAT" or "SNAT" or "MASQUERADE" or "REDIRECT")
        {
            terms.Add(Unknown(r, line, tok, $"-j {target}"));
            r.Verdict = target is "TARPIT" ? NfVerdict.Drop : NfVerdict.Accept;
            return;
        }
        r.Verdict = isGoto ? NfVerdict.Goto : NfVerdict.Jump;
        r.Target = target;
    }

    /// <summary>
    /// <c>-j DNAT --to-destination ADDR[-ADDR][:PORT[-PORT]]</c> or <c>-j REDIRECT [--to-ports PORT[-PORT]]</c>;
    /// null when the options are not understood.
    /// </summary>
    private NatTranslation? NatTarget(string target, List<Tok> t, int i)
    {
        string? to = null;
        for (; i < t.Count; i++)
        {
            var o = t[i].Text;
            if (o is "--to-destination" or "--to" or "--to-ports" or "--to-port" && i + 1 < t.Count) to = t[++i].Text;
            else if (o is "--random" or "--persistent" or "--random-fully") continue;
            else return null;
        }
        if (target == "REDIRECT")
        {
            if (to is null) return new NatTranslation(null, null, ToDevice: true);
            var ports = Values.Port(to, '-');
            return ports is null ? null : new NatTranslation(null, ports, ToDevice: true);
        }
        if (to is null) return null;
        return Values.NatDestination(to, _family == Family.V6);
    }
}
