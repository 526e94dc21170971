using SegVerify.Core.Net;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.FortiOS;

/// <summary>An interface or FortiOS zone a policy names in <c>srcintf</c>/<c>dstintf</c>, where first named.</summary>
public sealed record FgInterfaceRef(string Name, ConfigPos Pos, IReadOnlyList<string> Members, bool IsZone);

/// <summary>The neutral ruleset of a FortiOS VDOM plus what the dialect knows beside it (interface references).</summary>
public sealed record FortiOsLowered(FwRuleset Ruleset, IReadOnlyList<FgInterfaceRef> InterfaceRefs);

/// <summary>
/// Lowers the FortiOS vendor model of one VDOM to the vendor-neutral model:
/// <list type="bullet">
/// <item>one ACL <c>firewall policy</c> applied to all forwarded traffic: zones with <c>intrazone allow</c> first,
/// then every enabled policy of <c>config firewall policy</c> and <c>config firewall policy6</c> in listed order
/// (after <c>move</c>), each line at its <c>edit</c> position; the ACL's default is the implicit deny;</item>
/// <item>a policy's match: <c>srcintf</c>/<c>dstintf</c> (a zone stands for its members and itself, <c>any</c> for
/// every interface), per address family (IPv4 <c>srcaddr</c>/<c>dstaddr</c>, IPv6 <c>srcaddr6</c>/<c>dstaddr6</c> or
/// a <c>policy6</c>'s addresses) source and destination sets with negation, and the services (or their negation);</item>
/// <item>the destination-NAT stage: every virtual IP a policy uses, translating <c>extip</c>[:<c>extport</c>] on
/// <c>extintf</c> (and within <c>src-filter</c>/<c>srcintf-filter</c>) to <c>mappedip</c>[:<c>mappedport</c>], ranges
/// one to one, each VIP with its own <see cref="NatTranslation.Tag"/>. As on a FortiGate, translation happens before
/// the policies are looked up, and translated traffic is matched only by the policies that name its VIP (on the
/// mapped address and port); a deny policy with <c>match-vip enable</c> (the default from FortiOS 7.2.4, as the
/// <c>#config-version</c> header tells) also matches it on its mapped address, every other policy only matches
/// traffic no VIP translated (unless <c>match-vip-only</c> turns that around).</item>
/// </list>
/// What cannot be resolved offline (fqdn, geography, dynamic addresses, internet services, user identity, ...) is a
/// <see cref="MatchUnknown"/> plus one <see cref="ParseWarning"/> at its position.
/// </summary>
public static class FortiOsLowering
{
    public static FortiOsLowered Lower(FortiOsConfig cfg)
    {
        var ctx = new Ctx(cfg);
        return ctx.Run();
    }

    private sealed class Ctx(FortiOsConfig cfg)
    {
        private readonly FortiResolver _r = new(cfg);
        private readonly FwRuleset _rs = new() { File = cfg.File, Families = Family.Both };
        private readonly HashSet<(int, int, string)> _warned = [];
        private readonly Dictionary<string, List<string>> _zones = new(StringComparer.Ordinal);
        private readonly Dictionary<string, FgInterfaceRef> _refs = new(StringComparer.Ordinal);
        private readonly List<string> _usedVips = [];
        private readonly Dictionary<string, int> _vipTags = new(StringComparer.Ordinal);
        private readonly bool _matchVipByDefault = MatchVipIsDefault(cfg.Version);
        // Without virtual IPs nothing is translated, and policies need not say which traffic they match.
        private readonly bool _hasVips = cfg.Table("firewall vip").Objects.Any() || cfg.Table("firewall vip6").Objects.Any();
        // Central NAT: every VIP translates, and policies name the mapped (real) addresses.
        private readonly bool _centralNat = cfg.Table("system settings").Settings.Enabled("central-nat");

        /// <summary>The tag of a VIP's translation (its place among the VIPs policies use, from 1).</summary>
        private int VipTag(string name)
        {
            if (_vipTags.TryGetValue(name, out var t)) return t;
            _usedVips.Add(name);
            return _vipTags[name] = _usedVips.Count;
        }

        /// <summary>FortiOS 7.2.4 made <c>match-vip enable</c> the default of deny policies (read from the <c>#config-version</c> header; older or unknown: disable).</summary>
        internal static bool MatchVipIsDefault(string? version)
        {
            if (version is null) return false;
            var m = System.Text.RegularExpressions.Regex.Match(version, @"-(\d+)\.(\d+)\.(\d+)-");
            if (!m.Success) return false;
            var v = new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value));
            return v >= new Version(7, 2, 4);
        }

        private static readonly MatchExpr NotTranslated = new MatchField(HeaderField.DstNat, IntervalSet.Single(0));
        private static readonly MatchExpr Translated = new MatchField(HeaderField.DstNat, IntervalSet.Range(1, FieldDomains.DstNatTagMax));

        private ConfigPos P(int line, int col) => new(cfg.File, line, col);

        private void Warn(FortiWarning w, string text)
        {
            if (!_warned.Add((w.Line, w.Column, w.Message))) return;
            _rs.Warnings.Add(new ParseWarning(P(w.Line, w.Column), w.Message, text));
        }

        public FortiOsLowered Run()
        {
            foreach (var w in cfg.Warnings) Warn(w, w.Message);
            foreach (var z in cfg.Zones) _zones[z.Name] = z.List("interface").ToList();

            var table = cfg.Table("firewall policy");
            var acl = new Acl { Name = "firewall policy", Pos = P(Math.Max(1, table.Line), Math.Max(1, table.Column)) };
            foreach (var z in cfg.Zones)
            {
                if (z.Get("intrazone") != "allow" || _zones[z.Name].Count == 0) continue;
                var members = _zones[z.Name].Append(z.Name).ToList();
                acl.Add(new AclLine
                {
                    Pos = P(z.Line, z.Column), Text = $"zone \"{z.Name}\": intrazone allow",
                    Match = MatchExpr.And(new MatchInterface(true, members), new MatchInterface(false, members)),
                    Action = LineAction.Accept,
                });
            }
            foreach (var p in table.Objects) Policy(acl, p, false);
            foreach (var p in cfg.Table("firewall policy6").Objects) Policy(acl, p, true);
            foreach (var other in new[] { "firewall policy46", "firewall policy64" })
                foreach (var p in cfg.Table(other).Objects.Where(p => p.Get("status") != "disable"))
                    Warn(new FortiWarning(p.Line, p.Column, $"{other} {p.Name}: NAT46/NAT64 policies are not analysed (their translated traffic is not judged)",
                        $"{other} {p.Name}: NAT46/NAT64 ポリシーは解析しません（変換後の通信は判定されません）"), $"{other} {p.Name}");
            acl.Default = new AclLine
            {
                Pos = acl.Pos, Text = "implicit deny (no policy matched)", Match = MatchExpr.True, Action = LineAction.Drop, IsDefault = true,
            };
            _rs.Acls.Add(acl);
            _rs.Filters.Add(new AclAttachment { Acl = acl, Families = Family.Both });

            var nat = Nat();
            if (nat is not null)
            {
                _rs.Acls.Add(nat);
                _rs.DestinationNat.Add(new AclAttachment { Acl = nat, Families = Family.Both });
            }
            _rs.Unfiltered = new AclLine
            {
                Pos = acl.Pos, Text = "implicit deny (no policy matched)", Match = MatchExpr.True, Action = LineAction.Drop, IsDefault = true,
            };
            _rs.Link();
            return new FortiOsLowered(_rs, _refs.Values.ToList());
        }

        // ---------------- policies ----------------

        private void Policy(Acl acl, FgObject p, bool policy6)
        {
            if (p.Get("status") == "disable") return;
            var kind = policy6 ? "policy6" : "policy";
            var name = p.Get("name");
            var text = $"{kind} {p.Name}{(name is null ? "" : $" \"{name}\"")}: {string.Join(",", p.List("srcintf"))} -> {string.Join(",", p.List("dstintf"))} {p.Get("action") ?? "deny"}";
            var unknown = new List<MatchExpr>();
            void Unknown(FortiWarning w)
            {
                Warn(w, text);
                unknown.Add(new MatchUnknown(P(w.Line, w.Column), w.Message));
            }

            bool internetService = p.Enabled("internet-service") || p.Enabled("internet-service6");
            bool internetServiceSrc = p.Enabled("internet-service-src") || p.Enabled("internet-service6-src");
            var missing = new List<string>();
            if (p.List("srcintf").Count == 0) missing.Add("srcintf");
            if (p.List("dstintf").Count == 0) missing.Add("dstintf");
            if (!internetService && p.List("service").Count == 0) missing.Add("service");
            bool hasV4 = !policy6 && (p.List("srcaddr").Count > 0 || internetServiceSrc) && (p.List("dstaddr").Count > 0 || internetService);
            bool hasV6 = policy6 ? p.List("srcaddr").Count > 0 && p.List("dstaddr").Count > 0
                : (p.List("srcaddr6").Count > 0 || internetServiceSrc && p.List("srcaddr").Count == 0) && (p.List("dstaddr6").Count > 0 || internetService && p.List("dstaddr").Count == 0);
            if (!hasV4 && !hasV6) missing.Add(policy6 ? "srcaddr/dstaddr" : "srcaddr/dstaddr (or srcaddr6/dstaddr6)");
            if (missing.Count > 0)
            {
                Warn(new FortiWarning(p.Line, p.Column, $"{kind} {p.Name} lacks {string.Join(", ", missing)}; FortiOS does not use it",
                    $"{kind} {p.Name} には {string.Join(", ", missing)} がありません。FortiOS はこのポリシーを使いません"), text);
                return;
            }

            var terms = new List<MatchExpr>
            {
                Interfaces(p, "srcintf", true),
                Interfaces(p, "dstintf", false),
            };

            // Addresses, per family.
            var famAlts = new List<MatchExpr>();
            // Which traffic the policy's plain addresses (not its VIPs) match: untranslated only, unless match-vip.
            bool deny = (p.Get("action") ?? "deny") == "deny";
            bool matchVip = deny && (p.Get("match-vip") is { } mv ? mv == "enable" : _matchVipByDefault);
            var plain = !_hasVips || _centralNat ? null : p.Enabled("match-vip-only") ? Translated : matchVip ? null : NotTranslated;
            if (hasV4) famAlts.Add(FamilyMatch(p, FgFamily.V4, "srcaddr", "dstaddr", "srcaddr-negate", "dstaddr-negate", internetServiceSrc, internetService, plain, Unknown));
            if (hasV6)
            {
                var (s, d, sn, dn) = policy6 ? ("srcaddr", "dstaddr", "srcaddr-negate", "dstaddr-negate") : ("srcaddr6", "dstaddr6", "srcaddr6-negate", "dstaddr6-negate");
                famAlts.Add(FamilyMatch(p, FgFamily.V6, s, d, p[sn] is null ? "srcaddr-negate" : sn, p[dn] is null ? "dstaddr-negate" : dn, internetServiceSrc, internetService, plain, Unknown));
            }
            terms.Add(MatchExpr.Or(famAlts));

            // Services.
            if (internetService)
            {
                var at = p["internet-service"] ?? p["internet-service6"]!;
                Unknown(new FortiWarning(at.Line, at.Column, $"{kind} {p.Name} matches Internet Service Database entries ({string.Join(", ", p.List("internet-service-name").Concat(p.List("internet-service-id")))}), which cannot be resolved offline; taken as any destination and service",
                    $"{kind} {p.Name} はインターネットサービス（ISDB）に一致します。オフラインでは解決できないため、任意の宛先・サービスとして扱います"));
            }
            else terms.Add(Services(p, Unknown));

            // Identity and other narrowing the analysis cannot see: accepts over-approximated, denies under-approximated.
            foreach (var key in new[] { "users", "groups", "fsso-groups" })
                if (p[key] is { Values.Count: > 0 } a)
                    Unknown(new FortiWarning(a.Line, a.Column, $"{kind} {p.Name} applies only to authenticated {key} ({string.Join(", ", a.Values.Select(v => v.Text))}); taken as any user",
                        $"{kind} {p.Name} は認証済みの {key}（{string.Join(", ", a.Values.Select(v => v.Text))}）にのみ適用されます。任意の利用者として扱います"));

            var action = (p.Get("action") ?? "deny") switch
            {
                "accept" or "ipsec" => LineAction.Accept,
                "deny" => LineAction.Drop,
                var other => Other(other),
            };
            LineAction Other(string a)
            {
                var at = p["action"]!;
                Unknown(new FortiWarning(at.Line, at.Column, $"{kind} {p.Name}: action '{a}' is not understood; taken as accept", $"{kind} {p.Name}: アクション '{a}' を解釈できません。許可として扱います"));
                return LineAction.Accept;
            }
            if (action == LineAction.Drop && p.Get("schedule") is { } sched && sched != "always")
            {
                var at = p["schedule"]!;
                Unknown(new FortiWarning(at.Line, at.Column, $"{kind} {p.Name} denies only during schedule '{sched}'; taken as not denying",
                    $"{kind} {p.Name} はスケジュール '{sched}' の間だけ拒否します。拒否しないものとして扱います"));
            }
            terms.AddRange(unknown);
            acl.Add(new AclLine { Pos = P(p.Line, p.Column), Text = text, Match = MatchExpr.And(terms), Action = action });
        }

        private MatchExpr Interfaces(FgObject p, string key, bool ingress)
        {
            var a = p[key]!;
            var patterns = new List<string>();
            foreach (var v in a.Values)
            {
                var n = v.Text;
                if (n == "any") { patterns.Add("*"); continue; }
                patterns.Add(n);
                bool zone = _zones.TryGetValue(n, out var members);
                if (zone) patterns.AddRange(members!);
                if (!_refs.ContainsKey(n)) _refs[n] = new FgInterfaceRef(n, P(v.Line, v.Column), zone ? members! : [n], zone);
            }
            return new MatchInterface(ingress, patterns.Distinct().ToList());
        }

        /// <param name="plain">What the destination NAT state must be for the policy's plain destinations (null: any).</param>
        private MatchExpr FamilyMatch(FgObject p, FgFamily fam, string srcKey, string dstKey, string srcNeg, string dstNeg,
                                 bool anySrc, bool anyDst, MatchExpr? plain, Action<FortiWarning> unknown)
        {
            MatchExpr Plain(IntervalSet dst) => plain is null ? new MatchField(HeaderField.DstIp, dst) : MatchExpr.And(new MatchField(HeaderField.DstIp, dst), plain);
            var full = FortiResolver.FamilySet(fam);
            // Source.
            IntervalSet src = full;
            if (!anySrc)
            {
                var (set, exact) = Union(p, srcKey, fam, unknown, allowVip: false);
                if (p.Enabled(srcNeg)) set = exact ? full.Subtract(set) : full;
                src = set;
            }
            else
            {
                var at = p["internet-service-src"] ?? p["internet-service6-src"]!;
                unknown(new FortiWarning(at.Line, at.Column, $"policy {p.Name} matches Internet Service Database sources, which cannot be resolved offline; taken as any source",
                    $"ポリシー {p.Name} は送信元をインターネットサービス（ISDB）で指定しています。任意の送信元として扱います"));
            }
            // Destination: plain addresses and virtual IPs (matched after translation).
            var dstAlts = new List<MatchExpr>();
            if (anyDst) dstAlts.Add(Plain(full));
            else
            {
                var (set, exact) = Union(p, dstKey, fam, unknown, allowVip: true);
                var vips = p.List(dstKey).Where(n => _r.IsVipName(n, fam) && !_r.IsAddressName(n, fam)).SelectMany(n => _r.Vips(n, fam)).ToList();
                if (p.Enabled(dstNeg))
                {
                    if (vips.Count > 0)
                    {
                        var at = p[dstNeg]!;
                        unknown(new FortiWarning(at.Line, at.Column, $"policy {p.Name}: a negated destination with virtual IPs is taken as any destination",
                            $"ポリシー {p.Name}: バーチャル IP を含む宛先の否定は任意の宛先として扱います"));
                        set = full; exact = false;
                    }
                    else set = exact ? full.Subtract(set) : full;
                    dstAlts.Add(Plain(set));
                }
                else
                {
                    if (!set.IsEmpty) dstAlts.Add(Plain(set));
                    foreach (var v in vips)
                    {
                        foreach (var w in v.Inexact) unknown(w);
                        // Traffic this VIP translated, on its mapped address and port. An unresolvable VIP translates
                        // nothing (see Nat()); its policy then matches its mapped set (taken as any) untranslated.
                        var t = new List<MatchExpr> { new MatchField(HeaderField.DstIp, v.MappedIp) };
                        if (v.Proto is not null) t.Add(new MatchField(HeaderField.Protocol, v.Proto));
                        if (v.MappedPort is not null) t.Add(new MatchField(HeaderField.DstPort, v.MappedPort));
                        int tag = VipTag(v.Name);
                        t.Add(new MatchField(HeaderField.DstNat, v.Exact ? IntervalSet.Single((UInt128)tag) : IntervalSet.Single(0)));
                        dstAlts.Add(MatchExpr.And(t));
                    }
                }
            }
            return MatchExpr.And(new MatchField(HeaderField.SrcIp, src), MatchExpr.Or(dstAlts));
        }

        /// <summary>The union of the addresses a policy field names (VIP names skipped when <paramref name="allowVip"/>).</summary>
        private (IntervalSet Set, bool Exact) Union(FgObject p, string key, FgFamily fam, Action<FortiWarning> unknown, bool allowVip)
        {
            var set = IntervalSet.Empty;
            bool exact = true;
            foreach (var v in p[key]?.Values ?? [])
            {
                if (allowVip && !_r.IsAddressName(v.Text, fam) && _r.IsVipName(v.Text, fam)) continue;
                var s = _r.Address(v.Text, fam, v);
                set = set.Union(s.Set);
                if (!s.Exact) { exact = false; foreach (var w in s.Inexact) unknown(w); }
            }
            return (set, exact);
        }

        private MatchExpr Services(FgObject p, Action<FortiWarning> unknown)
        {
            var alts = new List<MatchExpr>();
            bool exact = true;
            var boxes = new List<FgSvcAlt>();
            foreach (var v in p["service"]!.Values)
            {
                var s = _r.Service(v.Text, v);
                if (!s.Exact) { exact = false; foreach (var w in s.Inexact) unknown(w); }
                boxes.AddRange(s.Alts);
            }
            foreach (var b in boxes) alts.Add(ServiceAlt(b));
            var union = MatchExpr.Or(alts);
            if (!p.Enabled("service-negate")) return union;
            if (!exact) return MatchExpr.True; // the negation of an over-approximation: anything
            return MatchExpr.Not(union);
        }

        private static MatchExpr ServiceAlt(FgSvcAlt a)
        {
            var t = new List<MatchExpr> { new MatchField(HeaderField.Protocol, a.Proto) };
            bool ported = a.Proto.Subtract(FieldDomains.PortedProtocols).IsEmpty;
            if (ported && !a.Sport.Equals(FgSets.AllPorts)) t.Add(new MatchField(HeaderField.SrcPort, a.Sport));
            if (ported && !a.Dport.Equals(FgSets.AllPorts)) t.Add(new MatchField(HeaderField.DstPort, a.Dport));
            if (a.IcmpType is { } it) t.Add(new MatchField(HeaderField.IcmpType, IntervalSet.Single((UInt128)it)));
            if (a.IcmpCode is { } ic) t.Add(new MatchField(HeaderField.IcmpCode, IntervalSet.Single((UInt128)ic)));
            if (a.Dst is not null) t.Add(new MatchField(HeaderField.DstIp, a.Dst));
            return MatchExpr.And(t);
        }

        // ---------------- destination NAT ----------------

        private Acl? Nat()
        {
            if (_centralNat)
                foreach (var t in new[] { "firewall vip", "firewall vip6" })
                    foreach (var o in cfg.Table(t).Objects) VipTag(o.Name);
            if (_usedVips.Count == 0) return null;
            var vipTable = cfg.Table("firewall vip");
            var acl = new Acl { Name = "firewall vip", Pos = P(Math.Max(1, vipTable.Line), Math.Max(1, vipTable.Column)) };
            foreach (var name in _usedVips)
            {
                var v = _r.Vips(name, FgFamily.V4).Concat(_r.Vips(name, FgFamily.V6)).FirstOrDefault(x => x.Name == name);
                if (v is null || !v.Exact || !v.Active) continue; // an unresolvable VIP is not translated; a disabled one translates nothing
                var t = new List<MatchExpr> { new MatchField(HeaderField.DstIp, v.ExtIp) };
                if (v.ExtIntf != "any")
                {
                    var pats = new List<string> { v.ExtIntf };
                    if (_zones.TryGetValue(v.ExtIntf, out var m)) pats.AddRange(m);
                    t.Insert(0, new MatchInterface(true, pats));
                }
                if (v.SrcIntfFilter is { } sif)
                {
                    var pats = new List<string>();
                    foreach (var n in sif) { pats.Add(n); if (_zones.TryGetValue(n, out var m)) pats.AddRange(m); }
                    t.Add(new MatchInterface(true, pats));
                }
                if (v.SrcFilter is { } sf) t.Add(new MatchField(HeaderField.SrcIp, sf));
                if (v.Proto is not null) t.Add(new MatchField(HeaderField.Protocol, v.Proto));
                if (v.ExtPort is not null) t.Add(new MatchField(HeaderField.DstPort, v.ExtPort));
                var ports = v.ExtPort is null ? "" : $":{Describe(v.ExtPort, false)} -> :{Describe(v.MappedPort ?? v.ExtPort, false)}";
                acl.Add(new AclLine
                {
                    Pos = P(v.Line, v.Column), Text = $"vip \"{v.Name}\": {Describe(v.ExtIp)} -> {Describe(v.MappedIp)}{ports}",
                    Match = MatchExpr.And(t), Action = LineAction.Translate,
                    Nat = Translation(v, VipTag(v.Name)),
                });
            }
            acl.Default = new AclLine { Pos = acl.Pos, Text = "(no virtual IP: not translated)", Match = MatchExpr.True, Action = LineAction.Accept, IsDefault = true };
            return acl;
        }

        /// <summary>
        /// A VIP's translation: ranges of the same size map one to one (static NAT of a range, port forwarding of a
        /// port range), anything else to one of the mapped addresses or ports.
        /// </summary>
        private static NatTranslation Translation(FgVip v, int tag)
        {
            NatShift? addr = null, port = null;
            if (v.ExtIp.Count == 1 && v.MappedIp.Count == 1 && v.ExtIp.Lo(0) != v.ExtIp.Hi(0)
                && v.ExtIp.Hi(0) - v.ExtIp.Lo(0) == v.MappedIp.Hi(0) - v.MappedIp.Lo(0))
                addr = new NatShift(v.ExtIp.Lo(0), v.MappedIp.Lo(0));
            var mappedPort = v.MappedPort ?? v.ExtPort;
            if (v.ExtPort is { Count: 1 } ep && mappedPort is { Count: 1 } mp && mp.Lo(0) != mp.Hi(0))
                port = new NatShift(ep.Lo(0), mp.Lo(0));
            return new NatTranslation(v.MappedIp, mappedPort) { AddressShift = addr, PortShift = port, Tag = tag };
        }

        private static string Describe(IntervalSet s, bool addresses = true)
        {
            string One(UInt128 x) => addresses ? FieldDomains.ToIp(x).ToString() : x.ToString();
            return s.Count == 1 && s.Lo(0) == s.Hi(0) ? One(s.Lo(0))
                : s.Count == 1 ? $"{One(s.Lo(0))}-{One(s.Hi(0))}" : $"{s.Count} ranges";
        }
    }
}
