using System.Globalization;
using SegVerify.Core.Net;

namespace SegVerify.Core.Topology;

internal sealed partial class TopologyBuilder
{
    /// <summary>Builds the topology, or returns null when there were errors (see <see cref="Errors"/>).</summary>
    public Topology? Build(YNode? root, string sourcePath, string sha256)
    {
        if (root is null)
        {
            ErrAt(1, 1, "the file is empty (expected a mapping that starts with 'segverify: 1')",
                "ファイルが空です（'segverify: 1' で始まるマッピングが必要です）");
            return null;
        }
        var top = Fields(root, "topology", "トポロジー", TopKeys);
        if (top is null) return null;

        // The version first: a file of another version is not judged by this version's rules.
        var versionNode = Required(top, "segverify", root, "topology", "トポロジー",
            $"the format version, 'segverify: {SupportedVersion}'", $"形式のバージョン 'segverify: {SupportedVersion}'");
        if (versionNode is not null)
        {
            bool isSupported = versionNode.Kind == YKind.Scalar
                && long.TryParse(versionNode.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v == SupportedVersion;
            if (!isSupported)
            {
                Err(versionNode, $"unsupported format version {(versionNode.Kind == YKind.Scalar ? $"'{versionNode.Value}'" : Found(versionNode))} (this SegVerify reads version {SupportedVersion}: 'segverify: {SupportedVersion}')",
                    $"未対応の形式バージョン {(versionNode.Kind == YKind.Scalar ? $"'{versionNode.Value}'" : Found(versionNode))} です（この SegVerify が読めるのはバージョン {SupportedVersion}: 'segverify: {SupportedVersion}'）");
                return null;
            }
        }

        string? name = null;
        var nameNode = Required(top, "name", root, "topology", "トポロジー", "free text naming the network", "ネットワークの名前（自由記述）");
        if (nameNode is not null) name = Text(nameNode, "name", "name");

        var modelNode = Required(top, "model", root, "topology", "トポロジー", $"one of {string.Join(", ", ModelIds)}", $"{string.Join(", ", ModelIds)} のいずれか");
        if (modelNode is not null)
        {
            var m = Text(modelNode, "model", "model");
            if (m is not null)
            {
                if (TierNames.TryParseModel(m, out var model)) _model = model;
                else
                    Err(modelNode, $"model: unknown model '{m}'{Hint(m, ModelIds)} (expected one of {string.Join(", ", ModelIds)})",
                        $"model: 不明なモデル '{m}' です{Hint(m, ModelIds)}（{string.Join(", ", ModelIds)} のいずれかが必要です）");
            }
        }

        if (Optional(top, "services") is { } servicesNode) ReadServices(servicesNode);

        var zonesNode = Required(top, "zones", root, "topology", "トポロジー", "a mapping of zone names to { tier, segments }", "ゾーン名から { tier, segments } へのマッピング");
        if (zonesNode is not null) ReadZones(zonesNode);
        _zoneList.Add(_external);
        CheckSegments();

        if (Optional(top, "hosts") is { } hostsNode) ReadHosts(hostsNode);

        var sanitization = new List<(PolicyRule Rule, YNode Node)>();
        var allow = new List<(PolicyRule Rule, YNode Node)>();
        if (Optional(top, "sanitization") is { } sanNode)
            foreach (var item in ListOf(sanNode, "sanitization", "sanitization"))
                if (ReadRule(item, RuleKind.Sanitization) is { } r) sanitization.Add((r, item));
        if (Optional(top, "allow") is { } allowNode)
            foreach (var item in ListOf(allowNode, "allow", "allow"))
                if (ReadRule(item, RuleKind.Allow) is { } r) allow.Add((r, item));

        var limits = Optional(top, "limits") is { } limitsNode ? ReadLimits(limitsNode) : new Limits();
        var firewalls = Optional(top, "firewalls") is { } fwNode ? ReadFirewalls(fwNode) : [];

        if (_errors.Count > 0 || name is null || _model is null) return null;

        var t = new Topology
        {
            SourcePath = sourcePath,
            Sha256 = sha256,
            Version = SupportedVersion,
            Name = name,
            Model = _model.Value,
            External = _external,
            Limits = limits,
        };
        foreach (var (k, s) in _services) t.Services[k] = s;
        for (int i = 0; i < _zoneList.Count; i++) _zoneList[i].Index = i;
        t.Zones.AddRange(_zoneList);
        t.Hosts.AddRange(_hostList);
        t.Sanitization.AddRange(sanitization.Select(x => x.Rule));
        t.Allow.AddRange(allow.Select(x => x.Rule));
        foreach (var fw in firewalls) t.Firewalls[fw.Name] = fw;
        t.Warnings.AddRange(_warnings.OrderBy(w => w.Line).ThenBy(w => w.Column));
        if (_suppressedWarnings > 0)
            t.Warnings.Add(new TopologyError(_file, 0, 0, _ja
                ? $"ほかに {_suppressedWarnings} 件の警告があります（表示は {TopologyLimits.MaxErrors} 件まで）"
                : $"{_suppressedWarnings} more warning(s) not shown (at most {TopologyLimits.MaxErrors} are listed)"));
        return t;
    }

    /// <summary>The items of a section that must be a list (a mapping here is the usual indentation slip).</summary>
    private IEnumerable<YNode> ListOf(YNode n, string context, string contextJa)
    {
        if (n.Kind == YKind.Sequence) return n.Items;
        Err(n, $"{context}: expected a list (lines starting with '- '), found {Found(n)}",
            $"{contextJa}: リスト（'- ' で始まる行）が必要ですが、{Found(n)}が書かれています");
        return [];
    }

    // ---------------------------------------------------------------- services

    private void ReadServices(YNode node)
    {
        var f = Fields(node, "services", "services", null);
        if (f is null) return;
        foreach (var (name, (keyNode, value)) in f)
        {
            string ctx = $"service '{name}'", ctxJa = $"サービス '{name}'";
            if (value.Kind == YKind.Mapping)
            {
                Err(value, $"{ctx}: expected a list of entries such as [tcp/443, udp/1000-2000, icmp], found {Found(value)}",
                    $"{ctxJa}: [tcp/443, udp/1000-2000, icmp] のような項目のリストが必要ですが、{Found(value)}が書かれています");
                continue;
            }
            var entries = new List<ServiceEntry>();
            bool ok = true;
            foreach (var item in Items(value))
            {
                var text = Text(item, ctx, ctxJa);
                if (text is null) { ok = false; continue; }
                var e = BuiltinServices.TryParseEntry(text, out var why);
                if (e is null)
                {
                    ok = false;
                    Err(item, $"{ctx}: entry '{text}': {why}",
                        $"{ctxJa}: 項目 '{text}' が不正です（tcp/443、udp/1000-2000、icmp のような proto/port 形式が必要です）");
                    continue;
                }
                entries.Add(e.Value);
            }
            if (ok && entries.Count == 0)
            {
                Err(value.IsNull ? keyNode : value, $"{ctx}: no entries (expected a list such as [tcp/443])",
                    $"{ctxJa}: 項目がありません（[tcp/443] のようなリストが必要です）");
                continue;
            }
            if (ok) _services[name] = new ServiceSet(name, entries);
        }
    }

    // ---------------------------------------------------------------- zones

    private void ReadZones(YNode node)
    {
        var f = Fields(node, "zones", "zones", null);
        if (f is null) return;
        if (f.Count == 0 && node.Pairs.Count == 0)
            Err(node, "zones: no zone declared (expected at least one zone)", "zones: ゾーンが 1 つもありません（少なくとも 1 つ必要です）");
        foreach (var (name, (keyNode, value)) in f)
        {
            string ctx = $"zone '{name}'", ctxJa = $"ゾーン '{name}'";
            if (name == ExternalZoneName)
            {
                Err(keyNode, $"zone name '{ExternalZoneName}' is reserved for the implicit zone of the Internet (every global address no segment covers); choose another name",
                    $"ゾーン名 '{ExternalZoneName}' はインターネットを表す暗黙のゾーン用に予約されています（別の名前を付けてください）");
                continue;
            }
            var zf = Fields(value, ctx, ctxJa, ZoneKeys);
            if (zf is null) { _brokenZoneNames.Add(name); continue; }
            Tier? tier = null;
            var tierNode = Required(zf, "tier", value, ctx, ctxJa, $"one of {TierList}", $"{TierList} のいずれか");
            if (tierNode is not null && Text(tierNode, ctx + ": tier", ctxJa + ": tier") is { } tierText)
            {
                if (tierText == "external")
                    Err(tierNode, $"{ctx}: tier 'external' cannot be declared; it is the implicit zone of every global address no segment covers (expected one of {TierList})",
                        $"{ctxJa}: tier 'external' は宣言できません（セグメントに含まれないグローバルアドレスを表す暗黙の区分です）（{TierList} のいずれかが必要です）");
                else if (TierNames.TryParse(tierText, out var t)) tier = t;
                else
                    Err(tierNode, $"{ctx}: unknown tier '{tierText}'{Hint(tierText, DeclarableTiers)} (expected one of {TierList})",
                        $"{ctxJa}: 不明な tier '{tierText}' です{Hint(tierText, DeclarableTiers)}（{TierList} のいずれかが必要です）");
            }
            var zone = new Zone { Name = name, Tier = tier ?? Tier.Lgwan, Pos = Pos(keyNode) };
            if (tier is null) _taintedZones.Add(zone);
            zone.RegisteredMacsOnly = tier == Tier.MyNumber;

            var segNode = Optional(zf, "segments");
            if (segNode is not null) ReadSegments(zone, segNode, ctx, ctxJa);
            if (zone.Segments.Count == 0 && !_badSegmentZones.Contains(zone))
                Warn(keyNode, $"{ctx}: no segments, so no address belongs to this zone (it can still be named in rules and firewalls)",
                    $"{ctxJa}: セグメントがないため、このゾーンに属するアドレスはありません（ルールとファイアウォールでは参照できます）");

            if (Optional(zf, "registered_macs_only") is { } rmo && Boolean(rmo, ctx + ": registered_macs_only", ctxJa + ": registered_macs_only") is { } b)
            {
                zone.RegisteredMacsOnly = b;
                if (!b && tier == Tier.MyNumber)
                    Warn(rmo, $"{ctx}: registered_macs_only is false for a mynumber zone, so unregistered devices there are not reported",
                        $"{ctxJa}: マイナンバー利用事務系のゾーンで registered_macs_only が false のため、未登録端末は報告されません");
            }
            foreach (var m in Items(Optional(zf, "registered_macs")))
                if (ParseMac(m, ctx + ": registered_macs", ctxJa + ": registered_macs") is { } mac) zone.RegisteredMacs.Add(mac);
            foreach (var m in Items(Optional(zf, "gateway_macs")))
                if (ParseMac(m, ctx + ": gateway_macs", ctxJa + ": gateway_macs") is { } mac) zone.GatewayMacs.Add(mac);

            _zones[name] = zone;
            _zoneList.Add(zone);
            _zoneNodes[zone] = keyNode;
        }
    }

    private readonly Dictionary<Zone, YNode> _zoneNodes = [];
    /// <summary>Zones whose tier did not parse: rules touching them are not judged (that would only add noise).</summary>
    private readonly HashSet<Zone> _taintedZones = [];
    /// <summary>Zones with a segment that did not parse: their hosts' addresses are not judged.</summary>
    private readonly HashSet<Zone> _badSegmentZones = [];
    /// <summary>Host names that were declared but rejected: references to them are not reported again.</summary>
    private readonly HashSet<string> _brokenNames = new(StringComparer.Ordinal);
    private readonly Dictionary<Segment, YNode> _segmentNodes = [];

    private void ReadSegments(Zone zone, YNode node, string ctx, string ctxJa)
    {
        foreach (var item in Items(node))
        {
            YNode cidrNode;
            int? vlan = null;
            if (item.Kind == YKind.Scalar) cidrNode = item;
            else if (item.Kind == YKind.Mapping)
            {
                var sf = Fields(item, ctx + ": segment", ctxJa + ": セグメント", SegmentKeys);
                if (sf is null) continue;
                var c = Required(sf, "cidr", item, ctx + ": segment", ctxJa + ": セグメント", "an IPv4 or IPv6 prefix such as 10.10.0.0/16", "10.10.0.0/16 のような IPv4/IPv6 プレフィックス");
                if (c is null) { _badSegmentZones.Add(zone); continue; }
                cidrNode = c;
                if (Optional(sf, "vlan") is { } vn)
                {
                    var v = Integer(vn, ctx + ": vlan", ctxJa + ": vlan", MinVlan, MaxVlan);
                    if (v is null) { _badSegmentZones.Add(zone); continue; }
                    vlan = (int)v;
                }
            }
            else
            {
                Err(item, $"{ctx}: segments: expected {{ cidr: PREFIX, vlan: ID }} or a prefix, found {Found(item)}",
                    $"{ctxJa}: segments: {{ cidr: プレフィックス, vlan: ID }} かプレフィックスが必要ですが、{Found(item)}が書かれています");
                continue;
            }
            var cidr = ParseCidr(cidrNode, ctx + ": segment", ctxJa + ": セグメント");
            if (cidr is null) { _badSegmentZones.Add(zone); continue; }
            var seg = new Segment { Cidr = cidr.Value, Vlan = vlan, Zone = zone, Pos = Pos(cidrNode) };
            zone.Segments.Add(seg);
            _segmentNodes[seg] = cidrNode;
        }
    }

    /// <summary>Segments may nest (longest prefix wins) but no prefix may be declared twice.</summary>
    private void CheckSegments()
    {
        var seen = new Dictionary<Cidr, Segment>();
        foreach (var z in _zoneList)
        foreach (var s in z.Segments)
        {
            if (seen.TryGetValue(s.Cidr, out var first))
            {
                var at = _segmentNodes[s];
                if (first.Zone == z)
                    Err(at, $"zone '{z.Name}': segment {s.Cidr} is declared twice (first at line {first.Pos.Line})",
                        $"ゾーン '{z.Name}': セグメント {s.Cidr} が 2 回宣言されています（最初は {first.Pos.Line} 行目）");
                else
                    Err(at, $"zone '{z.Name}': segment {s.Cidr} is identical to a segment of zone '{first.Zone.Name}' (line {first.Pos.Line}); segments of different zones may nest but not be identical",
                        $"ゾーン '{z.Name}': セグメント {s.Cidr} はゾーン '{first.Zone.Name}' のセグメント（{first.Pos.Line} 行目）と同一です（異なるゾーンのセグメントは入れ子にできますが、同一にはできません）");
                continue;
            }
            seen[s.Cidr] = s;
        }
    }

    /// <summary>The zone classification gives an address: the longest segment that contains it, else null.</summary>
    private Segment? Classify(IpAddr a)
    {
        Segment? best = null;
        foreach (var z in _zoneList)
        foreach (var s in z.Segments)
            if (s.Cidr.Contains(a) && (best is null || s.Cidr.PrefixLength > best.Cidr.PrefixLength)) best = s;
        return best;
    }

    private Zone? FindZoneByName(string name) =>
        name == ExternalZoneName ? _external : _zones.GetValueOrDefault(name);

    private IEnumerable<string> ZoneNames => _zones.Keys.Append(ExternalZoneName);

    // ---------------------------------------------------------------- hosts

    private void ReadHosts(YNode node)
    {
        var byIp = new Dictionary<IpAddr, Host>();
        foreach (var item in ListOf(node, "hosts", "hosts"))
        {
            var hf = Fields(item, "host", "ホスト", HostKeys);
            if (hf is null) continue;
            string? name = null;
            var nameNode = Required(hf, "name", item, "host", "ホスト", "the host's name", "ホスト名");
            if (nameNode is not null) name = Text(nameNode, "host: name", "ホスト: name");
            string ctx = name is null ? "host" : $"host '{name}'", ctxJa = name is null ? "ホスト" : $"ホスト '{name}'";

            Zone? zone = null;
            if (Required(hf, "zone", item, ctx, ctxJa, "the name of a declared zone", "宣言済みのゾーン名") is { } zn
                && Text(zn, ctx + ": zone", ctxJa + ": zone") is { } zoneName)
            {
                zone = FindZoneByName(zoneName);
                if (zone is null)
                    Err(zn, $"{ctx}: unknown zone '{zoneName}'{Hint(zoneName, ZoneNames)} (expected a zone declared under zones:)",
                        $"{ctxJa}: 不明なゾーン '{zoneName}' です{Hint(zoneName, ZoneNames)}（zones: で宣言したゾーンが必要です）");
            }

            MacAddr? mac = null;
            if (Optional(hf, "mac") is { } mn) mac = ParseMac(mn, ctx + ": mac", ctxJa + ": mac");
            var services = ServiceRefs(Optional(hf, "services"), ctx, ctxJa);

            var ips = new List<(IpAddr Ip, YNode Node)>();
            if (Required(hf, "ip", item, ctx, ctxJa, "one address or a list of addresses", "アドレス 1 つかアドレスのリスト") is { } ipNode)
            {
                if (ipNode.Kind == YKind.Mapping)
                    Err(ipNode, $"{ctx}: ip: expected an address or a list of addresses, found {Found(ipNode)}",
                        $"{ctxJa}: ip: アドレスかアドレスのリストが必要ですが、{Found(ipNode)}が書かれています");
                foreach (var ipItem in ipNode.Kind == YKind.Mapping ? [] : Items(ipNode))
                {
                    var text = Text(ipItem, ctx + ": ip", ctxJa + ": ip");
                    if (text is null) continue;
                    if (!IpAddr.TryParse(text, out var ip))
                    {
                        Err(ipItem, $"{ctx}: '{text}' is not an IP address (expected one IPv4 or IPv6 address without a prefix length; IPv4 octets in decimal without leading zeros)",
                            $"{ctxJa}: '{text}' は IP アドレスではありません（プレフィックス長なしの IPv4/IPv6 アドレスが必要です。IPv4 の各オクテットは先頭に 0 を付けない 10 進数で書いてください）");
                        continue;
                    }
                    ips.Add((ip, ipItem));
                }
            }

            if (name is null) continue;
            if (_hosts.TryGetValue(name, out var dup))
            {
                Err(nameNode!, $"host name '{name}' is used twice (first at line {dup.Pos.Line})",
                    $"ホスト名 '{name}' が重複しています（最初は {dup.Pos.Line} 行目）");
                continue;
            }
            if (zone is null) { _brokenNames.Add(name); continue; }
            var host = new Host { Name = name, Zone = zone, Mac = mac, Services = services, Pos = Pos(item) };
            foreach (var (ip, ipItem) in ips)
            {
                if (byIp.TryGetValue(ip, out var other))
                {
                    Err(ipItem, $"{ctx}: address {ip} is already host '{other.Name}' (line {other.Pos.Line}); a host with several addresses lists them all under one ip:",
                        $"{ctxJa}: アドレス {ip} はすでにホスト '{other.Name}'（{other.Pos.Line} 行目）のものです（複数アドレスのホストは 1 つの ip: にまとめて書いてください）");
                    continue;
                }
                // A zone whose segments did not all parse cannot judge its hosts' addresses without noise.
                if (!_badSegmentZones.Contains(zone)) CheckHostAddress(host, ip, ipItem, ctx, ctxJa);
                byIp[ip] = host;
                host.Ips.Add(ip);
            }
            _hosts[name] = host;
            _hostList.Add(host);
        }
    }

    /// <summary>Classification of each host address must agree with the zone the file gives the host.</summary>
    private void CheckHostAddress(Host host, IpAddr ip, YNode at, string ctx, string ctxJa)
    {
        var seg = Classify(ip);
        var zone = host.Zone;
        if (zone.IsImplicitExternal)
        {
            if (seg is not null)
                Err(at, $"{ctx}: address {ip} is in segment {seg.Cidr} of zone '{seg.Zone.Name}', not in the zone 'external' (expected a global address that no segment covers)",
                    $"{ctxJa}: アドレス {ip} はゾーン '{seg.Zone.Name}' のセグメント {seg.Cidr} 内にあり、ゾーン 'external' ではありません（どのセグメントにも含まれないグローバルアドレスが必要です）");
            else if (!AddressScope.IsGlobal(ip))
                Err(at, $"{ctx}: address {ip} is not a global address, so it would be unclassified rather than in the zone 'external' (expected a global address, or declare a segment for it)",
                    $"{ctxJa}: アドレス {ip} はグローバルアドレスではないため、ゾーン 'external' ではなく分類不能になります（グローバルアドレスにするか、セグメントを宣言してください）");
            return;
        }
        if (seg is null)
        {
            Err(at, $"{ctx}: address {ip} is in no segment of zone '{zone.Name}' (expected an address inside {SegmentList(zone)})",
                $"{ctxJa}: アドレス {ip} はゾーン '{zone.Name}' のどのセグメントにも含まれません（{SegmentList(zone)} 内のアドレスが必要です）");
            return;
        }
        if (seg.Zone != zone)
        {
            bool inOwn = zone.Segments.Any(s => s.Cidr.Contains(ip));
            if (inOwn)
                Err(at, $"{ctx}: address {ip} lies in the more specific segment {seg.Cidr} of zone '{seg.Zone.Name}', so traffic would be classified there, not in zone '{zone.Name}' (expected an address whose longest matching segment is in zone '{zone.Name}')",
                    $"{ctxJa}: アドレス {ip} はゾーン '{seg.Zone.Name}' のより長いプレフィックス {seg.Cidr} に含まれるため、通信はゾーン '{zone.Name}' ではなくそちらに分類されます（最長一致のセグメントがゾーン '{zone.Name}' に属するアドレスが必要です）");
            else
                Err(at, $"{ctx}: address {ip} is in segment {seg.Cidr} of zone '{seg.Zone.Name}', not in zone '{zone.Name}' (expected an address inside {SegmentList(zone)})",
                    $"{ctxJa}: アドレス {ip} はゾーン '{seg.Zone.Name}' のセグメント {seg.Cidr} 内にあり、ゾーン '{zone.Name}' ではありません（{SegmentList(zone)} 内のアドレスが必要です）");
        }
    }

    private static string SegmentList(Zone z) =>
        z.Segments.Count == 0 ? "(none)" : string.Join(", ", z.Segments.Select(s => s.Cidr.ToString()));

    // ---------------------------------------------------------------- limits and firewalls

    private Limits ReadLimits(YNode node)
    {
        var f = Fields(node, "limits", "limits", LimitKeys);
        if (f is null) return new Limits();
        long? large = null;
        if (Optional(f, "large_transfer_bytes") is { } n)
            large = Integer(n, "limits: large_transfer_bytes", "limits: large_transfer_bytes", 1, long.MaxValue);
        return new Limits { LargeTransferBytes = large };
    }

    private List<FirewallDef> ReadFirewalls(YNode node)
    {
        var list = new List<FirewallDef>();
        var f = Fields(node, "firewalls", "firewalls", null);
        if (f is null) return list;
        foreach (var (name, (keyNode, value)) in f)
        {
            string ctx = $"firewall '{name}'", ctxJa = $"ファイアウォール '{name}'";
            var ff = Fields(value, ctx, ctxJa, FirewallKeys);
            if (ff is null) continue;
            var fw = new FirewallDef { Name = name, Pos = Pos(keyNode) };
            if (Required(ff, "interfaces", value, ctx, ctxJa, "a mapping of interface names to zone names", "インターフェース名からゾーン名へのマッピング") is { } ifs
                && Fields(ifs, ctx + ": interfaces", ctxJa + ": interfaces", null) is { } map)
            {
                foreach (var (ifName, (_, zoneNode)) in map)
                {
                    var zn = Text(zoneNode, $"{ctx}: interface '{ifName}'", $"{ctxJa}: インターフェース '{ifName}'");
                    if (zn is null) continue;
                    var z = FindZoneByName(zn);
                    if (z is null)
                    {
                        Err(zoneNode, $"{ctx}: interface '{ifName}': unknown zone '{zn}'{Hint(zn, ZoneNames)} (expected a declared zone or 'external')",
                            $"{ctxJa}: インターフェース '{ifName}': 不明なゾーン '{zn}' です{Hint(zn, ZoneNames)}（宣言済みのゾーンか 'external' が必要です）");
                        continue;
                    }
                    fw.Interfaces[ifName] = z;
                }
            }
            list.Add(fw);
        }
        return list;
    }
}
