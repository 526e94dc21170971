using System.Globalization;
using SegVerify.Core.Net;

namespace SegVerify.Core.Topology;

internal sealed partial class TopologyBuilder
{
    /// <summary>Zone names that were declared but rejected: references to them are not reported again.</summary>
    private readonly HashSet<string> _brokenZoneNames = new(StringComparer.Ordinal);

    private void ErrPos(SourcePos p, string en, string ja) => AddError(p.Line, p.Column, en, ja);
    private void WarnPos(SourcePos p, string en, string ja) => AddWarning(p.Line, p.Column, en, ja);

    // ---------------------------------------------------------------- allow rules and sanitisation paths

    private PolicyRule? ReadRule(YNode item, RuleKind kind)
    {
        bool san = kind == RuleKind.Sanitization;
        string section = san ? "sanitization" : "allow";
        var rf = Fields(item, $"{section} entry", $"{section} の項目", san ? SanitizationKeys : AllowKeys);
        if (rf is null) return null;

        string? name = null;
        var nameNode = Required(rf, "name", item, $"{section} entry", $"{section} の項目", "a name unique among allow rules and sanitization paths", "allow ルールと sanitization 経路の中で一意な名前");
        if (nameNode is not null) name = Text(nameNode, $"{section}: name", $"{section}: name");
        string what = san ? "sanitization path" : "allow rule", whatJa = san ? "無害化経路" : "許可ルール";
        string ctx = name is null ? what : $"{what} '{name}'", ctxJa = name is null ? whatJa : $"{whatJa} '{name}'";
        bool ok = name is not null;

        if (name is not null)
        {
            if (_ruleNames.TryGetValue(name, out var first))
            {
                Err(nameNode!, $"{ctx}: the name '{name}' is already used at line {first.Line} (allow rules and sanitization paths share one namespace, as findings name them)",
                    $"{ctxJa}: 名前 '{name}' は {first.Line} 行目ですでに使われています（allow ルールと sanitization 経路は同じ名前空間です）");
                ok = false;
            }
            else _ruleNames[name] = nameNode!;
        }

        string? method = null;
        if (san)
        {
            var methodNode = Required(rf, "method", item, ctx, ctxJa, $"the sanitization method, e.g. {string.Join(", ", KnownMethods)}", $"無害化の方式（{string.Join(", ", KnownMethods)} など）");
            if (methodNode is not null && Text(methodNode, ctx + ": method", ctxJa + ": method") is { } m)
            {
                method = m;
                if (Array.IndexOf(KnownMethods, m) < 0 && NameSuggester.Closest(m, KnownMethods) is { } close)
                {
                    Err(methodNode, $"{ctx}: method '{m}' looks like a misspelling of '{close}' (known methods: {string.Join(", ", KnownMethods)}; other names are accepted as written)",
                        $"{ctxJa}: 方式 '{m}' は '{close}' の誤りと思われます（既知の方式: {string.Join(", ", KnownMethods)}。それ以外の名前はそのまま受け付けます）");
                    ok = false;
                }
            }
            else ok = false;
        }

        var fromNode = Required(rf, "from", item, ctx, ctxJa, "the initiator: a host name, { zone: Z }, { cidr: C }, { host: H } or a list", "通信を開始する側: ホスト名、{ zone: Z }、{ cidr: C }、{ host: H } またはそのリスト");
        var toNode = Required(rf, "to", item, ctx, ctxJa, "the responder: a host name, { zone: Z }, { cidr: C }, { host: H } or a list", "通信を受ける側: ホスト名、{ zone: Z }、{ cidr: C }、{ host: H } またはそのリスト");
        var from = fromNode is null ? null : ReadEndpoint(fromNode, ctx + ": from", ctxJa + ": from", nested: false);
        var to = toNode is null ? null : ReadEndpoint(toNode, ctx + ": to", ctxJa + ": to", nested: false);
        var servicesNode = Optional(rf, "services");
        int errorsBefore = _errors.Count;
        var services = ServiceRefs(servicesNode, ctx, ctxJa);
        if (_errors.Count != errorsBefore) ok = false;

        string? reason = null;
        if (Optional(rf, "reason") is { } rn) reason = Text(rn, ctx + ": reason", ctxJa + ": reason");

        DateOnly? expires = null;
        SourcePos? expiresPos = null;
        if (Optional(rf, "expires") is { } en)
        {
            expiresPos = Pos(en);
            var s = Text(en, ctx + ": expires", ctxJa + ": expires");
            if (s is not null && DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) expires = d;
            else if (s is not null)
            {
                Err(en, $"{ctx}: expires: '{s}' is not a date (expected YYYY-MM-DD, e.g. 2027-03-31)",
                    $"{ctxJa}: expires: '{s}' は日付ではありません（2027-03-31 のような YYYY-MM-DD 形式が必要です）");
                ok = false;
            }
        }

        if (from is null || to is null || !ok) return null;
        var rule = new PolicyRule
        {
            Name = name!, Kind = kind, Method = method, From = from, To = to, Services = services,
            Reason = reason, Expires = expires, ExpiresPos = expiresPos, Pos = Pos(item),
        };
        CheckRule(rule, ctx, ctxJa, fromNode!, toNode!, item);
        return rule;
    }

    private Endpoint? ReadEndpoint(YNode n, string ctx, string ctxJa, bool nested)
    {
        switch (n.Kind)
        {
            case YKind.Scalar:
            {
                var name = Text(n, ctx, ctxJa);
                if (name is null) return null;
                if (_hosts.TryGetValue(name, out var h)) return new HostEndpoint(h) { Pos = Pos(n) };
                if (_brokenNames.Contains(name)) return null;
                if (FindZoneByName(name) is not null || _brokenZoneNames.Contains(name))
                {
                    Err(n, $"{ctx}: '{name}' is a zone, and a bare name means a host (expected {{ zone: {name} }} for the whole zone)",
                        $"{ctxJa}: '{name}' はゾーンです。名前だけの場合はホストを指します（ゾーン全体なら {{ zone: {name} }} と書いてください）");
                    return null;
                }
                if (IpAddr.TryParse(name.Split('/')[0], out _))
                {
                    Err(n, $"{ctx}: '{name}' is an address, and a bare name means a host (expected {{ cidr: {name} }})",
                        $"{ctxJa}: '{name}' はアドレスです。名前だけの場合はホストを指します（{{ cidr: {name} }} と書いてください）");
                    return null;
                }
                Err(n, $"{ctx}: unknown host '{name}'{Hint(name, _hosts.Keys)} (expected a host declared under hosts:, or {{ zone: Z }}, {{ cidr: C }})",
                    $"{ctxJa}: 不明なホスト '{name}' です{Hint(name, _hosts.Keys)}（hosts: で宣言したホスト、{{ zone: Z }} または {{ cidr: C }} が必要です）");
                return null;
            }
            case YKind.Sequence:
            {
                if (nested)
                {
                    Err(n, $"{ctx}: a list inside a list (expected a host name, {{ zone: Z }}, {{ cidr: C }} or {{ host: H }})",
                        $"{ctxJa}: リストの中にリストがあります（ホスト名、{{ zone: Z }}、{{ cidr: C }}、{{ host: H }} のいずれかが必要です）");
                    return null;
                }
                if (n.Items.Count == 0)
                {
                    Err(n, $"{ctx}: the list is empty (expected at least one host name, {{ zone: Z }}, {{ cidr: C }} or {{ host: H }})",
                        $"{ctxJa}: リストが空です（ホスト名、{{ zone: Z }}、{{ cidr: C }}、{{ host: H }} を 1 つ以上書いてください）");
                    return null;
                }
                var items = new List<Endpoint>();
                bool ok = true;
                foreach (var i in n.Items)
                {
                    var e = ReadEndpoint(i, ctx, ctxJa, nested: true);
                    if (e is null) ok = false; else items.Add(e);
                }
                return ok ? new ListEndpoint(items) { Pos = Pos(n) } : null;
            }
            default:
            {
                var f = Fields(n, ctx, ctxJa, EndpointKeys);
                if (f is null) return null;
                if (f.Count != 1)
                {
                    if (n.Pairs.Count == f.Count) // unknown keys were already reported
                        Err(n, $"{ctx}: expected exactly one of zone, cidr or host in an endpoint, found {f.Count}",
                            $"{ctxJa}: エンドポイントには zone、cidr、host のいずれか 1 つだけが必要ですが、{f.Count} 個書かれています");
                    return null;
                }
                var (key, (_, v)) = f.First();
                switch (key)
                {
                    case "zone":
                    {
                        var zn = Text(v, ctx + ": zone", ctxJa + ": zone");
                        if (zn is null) return null;
                        if (FindZoneByName(zn) is { } z) return new ZoneEndpoint(z) { Pos = Pos(n) };
                        if (_brokenZoneNames.Contains(zn)) return null;
                        Err(v, $"{ctx}: unknown zone '{zn}'{Hint(zn, ZoneNames)} (expected a zone declared under zones:, or 'external')",
                            $"{ctxJa}: 不明なゾーン '{zn}' です{Hint(zn, ZoneNames)}（zones: で宣言したゾーンか 'external' が必要です）");
                        return null;
                    }
                    case "cidr":
                    {
                        var c = ParseCidr(v, ctx + ": cidr", ctxJa + ": cidr");
                        return c is null ? null : new CidrEndpoint(c.Value) { Pos = Pos(n) };
                    }
                    default:
                    {
                        var hn = Text(v, ctx + ": host", ctxJa + ": host");
                        if (hn is null) return null;
                        if (_hosts.TryGetValue(hn, out var h)) return new HostEndpoint(h) { Pos = Pos(n) };
                        if (_brokenNames.Contains(hn)) return null;
                        Err(v, $"{ctx}: unknown host '{hn}'{Hint(hn, _hosts.Keys)} (expected a host declared under hosts:)",
                            $"{ctxJa}: 不明なホスト '{hn}' です{Hint(hn, _hosts.Keys)}（hosts: で宣言したホストが必要です）");
                        return null;
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- what an endpoint touches

    private static IEnumerable<Endpoint> Leaves(Endpoint e) => e is ListEndpoint l ? l.Items.SelectMany(Leaves) : [e];

    /// <summary>Every zone whose traffic an endpoint can match.</summary>
    private HashSet<Zone> ZonesOf(Endpoint e)
    {
        var set = new HashSet<Zone>();
        foreach (var leaf in Leaves(e))
        {
            switch (leaf)
            {
                case HostEndpoint h: set.Add(h.Host.Zone); break;
                case ZoneEndpoint z: set.Add(z.Zone); break;
                case CidrEndpoint c:
                    foreach (var z in ZonesOfCidr(c.Cidr)) set.Add(z);
                    break;
            }
        }
        return set;
    }

    /// <summary>
    /// The zones a prefix reaches: the zone of the longest segment containing all of it (or <c>external</c> when none
    /// does and the prefix is not wholly private), plus the zones of every segment nested inside it.
    /// </summary>
    private HashSet<Zone> ZonesOfCidr(Cidr c)
    {
        var set = new HashSet<Zone>();
        Segment? container = null;
        foreach (var z in _zoneList)
        foreach (var s in z.Segments)
        {
            if (AddressScope.Covers(s.Cidr, c))
            {
                if (container is null || s.Cidr.PrefixLength > container.Cidr.PrefixLength) container = s;
            }
            else if (AddressScope.Covers(c, s.Cidr)) set.Add(z);
        }
        if (container is not null) set.Add(container.Zone);
        else if (!AddressScope.IsEntirelyNonGlobal(c)) set.Add(_external);
        return set;
    }

    private static string Describe(HashSet<Zone> zones, bool ja) =>
        zones.Count == 0 ? (ja ? "どのゾーンにも属さないアドレス" : "addresses in no zone")
        : string.Join(", ", zones.OrderBy(z => z.Name, StringComparer.Ordinal).Select(z => ja ? $"ゾーン '{z.Name}'（{TierNames.Id(z.Tier)}）" : $"zone '{z.Name}' ({TierNames.Id(z.Tier)})"));

    // ---------------------------------------------------------------- the rules a rule must obey

    private void CheckRule(PolicyRule rule, string ctx, string ctxJa, YNode fromNode, YNode toNode, YNode item)
    {
        var fromZ = ZonesOf(rule.From);
        var toZ = ZonesOf(rule.To);
        if (fromZ.Overlaps(_taintedZones) || toZ.Overlaps(_taintedZones)) return;

        foreach (var (side, zones) in new[] { (rule.From, fromZ), (rule.To, toZ) })
            foreach (var leaf in Leaves(side))
                if (leaf is CidrEndpoint c && ZonesOfCidr(c.Cidr).Count == 0)
                    WarnPos(leaf.Pos, $"{ctx}: {c.Cidr} covers no segment and no global address, so traffic there is unclassified and never matches this rule",
                        $"{ctxJa}: {c.Cidr} はどのセグメントにもグローバルアドレスにも当たらないため、そこへの通信は分類不能で、このルールに一致しません");

        bool fromMn = fromZ.Any(z => z.Tier == Tier.MyNumber), toMn = toZ.Any(z => z.Tier == Tier.MyNumber);
        bool fromExt = fromZ.Any(z => z.Tier == Tier.External), toExt = toZ.Any(z => z.Tier == Tier.External);
        if ((fromMn && toExt) || (toMn && fromExt))
        {
            var at = fromMn ? toNode : fromNode;
            Err(at, $"{ctx}: joins a mynumber zone with 'external' (the Internet); no rule or path may do that, and such traffic is always mynumber-internet (from: {Describe(fromZ, false)}; to: {Describe(toZ, false)})",
                $"{ctxJa}: マイナンバー利用事務系とインターネット（external）を結んでいます。このような許可は書けません（常に mynumber-internet として報告されます）（from: {Describe(fromZ, true)}、to: {Describe(toZ, true)}）");
            return;
        }

        if (rule.Kind == RuleKind.Allow)
        {
            if (fromMn) CheckMyNumberSide(rule.From, ctx, ctxJa, "from");
            if (toMn) CheckMyNumberSide(rule.To, ctx, ctxJa, "to");
            if ((fromMn || toMn) && (rule.Services is null || rule.Services.Count == 0))
                Err(item, $"{ctx}: touches a mynumber zone, so it must list services (通信経路の限定: MAC, IP and port; expected services: [NAME, ...])",
                    $"{ctxJa}: マイナンバー利用事務系に関わるため services の指定が必要です（通信経路の限定: MAC・IP・ポート。services: [名前, ...] を書いてください）");
            return;
        }

        // Sanitisation: one side on the LGWAN side, the other on the Internet side.
        static bool LgSide(HashSet<Zone> s) => s.Count > 0 && s.All(z => z.Tier is Tier.Lgwan or Tier.LgwanWan);
        static bool InetSide(HashSet<Zone> s) => s.Count > 0 && s.All(z => z.Tier is Tier.Internet or Tier.External);
        if (!((LgSide(fromZ) && InetSide(toZ)) || (InetSide(fromZ) && LgSide(toZ))))
        {
            bool fromBad = !(LgSide(fromZ) || InetSide(fromZ));
            var at = fromBad ? fromNode : toNode;
            Err(at, $"{ctx}: a sanitization path must join an lgwan or lgwan-wan zone with an internet or external zone (from: {Describe(fromZ, false)}; to: {Describe(toZ, false)})",
                $"{ctxJa}: 無害化経路は lgwan または lgwan-wan のゾーンと internet または external のゾーンを結ぶ必要があります（from: {Describe(fromZ, true)}、to: {Describe(toZ, true)}）");
            return;
        }

        if (rule.Method == ScreenTransfer && _model is { } model)
        {
            bool alphaFamily = model is SeparationModel.Alpha or SeparationModel.AlphaPrime;
            bool clientOk = alphaFamily ? LgSide(fromZ) : InetSide(fromZ);
            if (!clientOk)
            {
                string mid = TierNames.ModelId(model);
                string en = alphaFamily
                    ? $"{ctx}: under model {mid} the screen-transfer client (from) is on the lgwan side and the server (to) on the internet side, but from is {Describe(fromZ, false)} (expected from: an lgwan zone or host; swap from and to, or check model:)"
                    : $"{ctx}: under model {mid} the screen-transfer client (from) is on the internet side and the server (to) on the lgwan side, but from is {Describe(fromZ, false)} (expected from: an internet zone or host; swap from and to, or check model:)";
                string ja = alphaFamily
                    ? $"{ctxJa}: モデル {mid} では画面転送のクライアント（from）は LGWAN 接続系側、サーバー（to）はインターネット接続系側ですが、from が {Describe(fromZ, true)} です（from と to を入れ替えるか model: を確認してください）"
                    : $"{ctxJa}: モデル {mid} では画面転送のクライアント（from）はインターネット接続系側、サーバー（to）は LGWAN 接続系側ですが、from が {Describe(fromZ, true)} です（from と to を入れ替えるか model: を確認してください）";
                Err(fromNode, en, ja);
            }
        }
    }

    /// <summary>On the mynumber side of an allow rule only hosts with a MAC may be named (通信経路の限定).</summary>
    private void CheckMyNumberSide(Endpoint side, string ctx, string ctxJa, string sideName)
    {
        foreach (var leaf in Leaves(side))
        {
            switch (leaf)
            {
                case HostEndpoint { Host.Mac: not null }:
                    break;
                case HostEndpoint h:
                    ErrPos(leaf.Pos, $"{ctx}: {sideName}: host '{h.Host.Name}' has no mac, but the mynumber side of a rule may name only hosts with a mac (通信経路の限定: MAC, IP and port; expected 'mac:' on host '{h.Host.Name}')",
                        $"{ctxJa}: {sideName}: ホスト '{h.Host.Name}' に mac がありません。マイナンバー利用事務系側には mac を持つホストだけを書けます（通信経路の限定: MAC・IP・ポート。ホスト '{h.Host.Name}' に 'mac:' を書いてください）");
                    break;
                default:
                    ErrPos(leaf.Pos, $"{ctx}: {sideName}: {Show(leaf)} on the mynumber side; that side may name only hosts with a mac (通信経路の限定: MAC, IP and port; expected host names)",
                        $"{ctxJa}: {sideName}: マイナンバー利用事務系側に {Show(leaf)} が書かれています。この側には mac を持つホストだけを書けます（通信経路の限定: MAC・IP・ポート。ホスト名が必要です）");
                    break;
            }
        }
    }

    private static string Show(Endpoint e) => e switch
    {
        ZoneEndpoint z => $"{{ zone: {z.Zone.Name} }}",
        CidrEndpoint c => $"{{ cidr: {c.Cidr} }}",
        _ => e.ToString() ?? "",
    };
}
