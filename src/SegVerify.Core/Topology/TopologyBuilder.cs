using System.Globalization;
using SegVerify.Core.Net;

namespace SegVerify.Core.Topology;

/// <summary>
/// Turns a parsed YAML tree into a <see cref="Topology"/>, collecting every error (and warning) with its position.
/// One instance per load. Messages are produced in English or Japanese.
/// </summary>
internal sealed partial class TopologyBuilder
{
    public const int SupportedVersion = 1;
    private const int MinVlan = 1;
    private const int MaxVlan = 4094;
    public const string ExternalZoneName = "external";

    private static readonly string[] TopKeys = ["segverify", "name", "model", "services", "zones", "hosts", "sanitization", "allow", "limits", "firewalls"];
    private static readonly string[] ZoneKeys = ["tier", "segments", "registered_macs_only", "registered_macs", "gateway_macs"];
    private static readonly string[] SegmentKeys = ["cidr", "vlan"];
    private static readonly string[] HostKeys = ["name", "zone", "ip", "mac", "services"];
    private static readonly string[] SanitizationKeys = ["name", "method", "from", "to", "services", "reason"];
    private static readonly string[] AllowKeys = ["name", "from", "to", "services", "reason", "expires"];
    private static readonly string[] EndpointKeys = ["zone", "cidr", "host"];
    private static readonly string[] LimitKeys = ["large_transfer_bytes"];
    private static readonly string[] FirewallKeys = ["interfaces"];
    private static readonly string[] ModelIds = ["alpha", "alpha-prime", "beta", "beta-prime"];
    private static readonly string[] DeclarableTiers = ["mynumber", "lgwan", "internet", "dmz", "lgwan-wan", "public-institution"];

    /// <summary>Sanitisation methods SegVerify knows by name; others are accepted unless they look like a typo of one.</summary>
    public static readonly string[] KnownMethods = ["screen-transfer", "mail-text", "file-sanitization"];
    public const string ScreenTransfer = "screen-transfer";

    private readonly string _file;
    private readonly bool _ja;
    private readonly List<TopologyError> _errors = [];
    private readonly List<TopologyError> _warnings = [];

    private readonly Dictionary<string, ServiceSet> _services = BuiltinServices.Create();
    private readonly Dictionary<string, Zone> _zones = new(StringComparer.Ordinal);
    private readonly List<Zone> _zoneList = [];
    private readonly Dictionary<string, Host> _hosts = new(StringComparer.Ordinal);
    private readonly List<Host> _hostList = [];
    private readonly Dictionary<string, YNode> _ruleNames = new(StringComparer.Ordinal);
    private readonly Zone _external;
    private SeparationModel? _model;

    public TopologyBuilder(string file, string language)
    {
        _file = file;
        _ja = language == "ja";
        _external = new Zone { Name = ExternalZoneName, Tier = Tier.External, IsImplicitExternal = true, Pos = new SourcePos(file, 0, 0) };
    }

    public IReadOnlyList<TopologyError> Errors => _errors;

    // ---------------------------------------------------------------- messages

    private void Err(YNode at, string en, string ja) => AddError(at.Line, at.Column, en, ja);
    private void Warn(YNode at, string en, string ja) => AddWarning(at.Line, at.Column, en, ja);
    public void ErrAt(int line, int col, string en, string ja) => AddError(line, col, en, ja);

    /// <summary>Records an error; past <see cref="TopologyLimits.MaxErrors"/> loading stops (aliases can multiply errors).</summary>
    private void AddError(int line, int col, string en, string ja)
    {
        if (_errors.Count >= TopologyLimits.MaxErrors) throw new TooManyErrors(line, col);
        _errors.Add(new TopologyError(_file, line, col, _ja ? ja : en));
    }

    /// <summary>Records a warning; past <see cref="TopologyLimits.MaxErrors"/> the rest are counted in one closing warning.</summary>
    private void AddWarning(int line, int col, string en, string ja)
    {
        if (_warnings.Count < TopologyLimits.MaxErrors)
            _warnings.Add(new TopologyError(_file, line, col, _ja ? ja : en));
        else
            _suppressedWarnings++;
    }

    private int _suppressedWarnings;

    /// <summary>The builder stopped at the error limit; the position is that of the first error not recorded.</summary>
    internal sealed class TooManyErrors(int line, int column) : Exception("too many errors")
    {
        public int Line { get; } = line;
        public int Column { get; } = column;
    }
    private string Hint(string input, IEnumerable<string> candidates) => NameSuggester.Hint(input, candidates, _ja);
    private string Found(YNode n) => n.KindName(_ja);
    private SourcePos Pos(YNode n) => new(_file, n.Line, n.Column);
    private static string TierList => string.Join(", ", DeclarableTiers);

    // ---------------------------------------------------------------- typed access

    /// <summary>
    /// The keys of a mapping that are in <paramref name="allowed"/>, first occurrence of each. Reports unknown keys
    /// (with a suggestion), duplicate keys and non-text keys. Null (and an error) when the node is not a mapping.
    /// </summary>
    private Dictionary<string, (YNode Key, YNode Value)>? Fields(YNode node, string context, string contextJa, string[]? allowed)
    {
        if (node.Kind != YKind.Mapping)
        {
            Err(node, $"{context}: expected a mapping (key: value lines or {{ ... }}), found {Found(node)}",
                $"{contextJa}: マッピング（キー: 値 の形式）が必要ですが、{Found(node)}が書かれています");
            return null;
        }
        var result = new Dictionary<string, (YNode, YNode)>(StringComparer.Ordinal);
        foreach (var (k, v) in node.Pairs)
        {
            if (k.Kind != YKind.Scalar || k.IsNull)
            {
                Err(k, $"{context}: a key must be plain text, found {Found(k)}", $"{contextJa}: キーは文字列である必要がありますが、{Found(k)}が書かれています");
                continue;
            }
            var key = k.Value!;
            if (allowed is not null && Array.IndexOf(allowed, key) < 0)
            {
                Err(k, $"{context}: unknown key '{key}'{Hint(key, allowed)} (expected one of {string.Join(", ", allowed)})",
                    $"{contextJa}: 不明なキー '{key}' です{Hint(key, allowed)}（使えるキー: {string.Join(", ", allowed)}）");
                continue;
            }
            if (result.TryGetValue(key, out var first))
            {
                Err(k, $"{context}: duplicate key '{key}' (first given at line {first.Item1.Line})",
                    $"{contextJa}: キー '{key}' が重複しています（最初は {first.Item1.Line} 行目）");
                continue;
            }
            result[key] = (k, v);
        }
        return result;
    }

    private YNode? Required(Dictionary<string, (YNode Key, YNode Value)> f, string key, YNode owner, string context, string contextJa, string expected, string expectedJa)
    {
        if (f.TryGetValue(key, out var kv) && !kv.Value.IsNull) return kv.Value;
        var at = f.TryGetValue(key, out kv) ? kv.Value : owner;
        Err(at, $"{context}: '{key}' is required ({expected})", $"{contextJa}: '{key}' は必須です（{expectedJa}）");
        return null;
    }

    private static YNode? Optional(Dictionary<string, (YNode Key, YNode Value)> f, string key) =>
        f.TryGetValue(key, out var kv) && !kv.Value.IsNull ? kv.Value : null;

    private string? Text(YNode n, string context, string contextJa)
    {
        if (n.Kind == YKind.Scalar && !n.IsNull && n.Value!.Trim().Length > 0) return n.Value!.Trim();
        Err(n, $"{context}: expected text, found {Found(n)}", $"{contextJa}: 文字列が必要ですが、{Found(n)}が書かれています");
        return null;
    }

    private long? Integer(YNode n, string context, string contextJa, long min, long max)
    {
        if (n.Kind == YKind.Scalar && long.TryParse(n.Value!.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            if (v >= min && v <= max) return v;
            Err(n, $"{context}: {v} is out of range (expected an integer {min}..{max})",
                $"{contextJa}: {v} は範囲外です（{min}〜{max} の整数が必要です）");
            return null;
        }
        Err(n, $"{context}: expected an integer {min}..{max}, found {Found(n)}", $"{contextJa}: {min}〜{max} の整数が必要ですが、{Found(n)}が書かれています");
        return null;
    }

    private bool? Boolean(YNode n, string context, string contextJa)
    {
        if (n.Kind == YKind.Scalar && n.Plain)
        {
            if (string.Equals(n.Value, "true", StringComparison.OrdinalIgnoreCase)) return true;
            if (string.Equals(n.Value, "false", StringComparison.OrdinalIgnoreCase)) return false;
        }
        Err(n, $"{context}: expected true or false, found {Found(n)}", $"{contextJa}: true か false が必要ですが、{Found(n)}が書かれています");
        return null;
    }

    /// <summary>The items of a list; a single value stands for a one-item list. Null yields nothing.</summary>
    private static IEnumerable<YNode> Items(YNode? n) =>
        n is null || n.IsNull ? [] : n.Kind == YKind.Sequence ? n.Items : [n];

    /// <summary>A CIDR in text; host bits set is an error (the intended prefix is ambiguous).</summary>
    private Cidr? ParseCidr(YNode n, string context, string contextJa)
    {
        var s = Text(n, context, contextJa);
        if (s is null) return null;
        int slash = s.IndexOf('/');
        var addrText = slash < 0 ? s : s[..slash];
        if (!IpAddr.TryParse(addrText, out var addr))
        {
            Err(n, $"{context}: '{s}' is not a CIDR (expected an IPv4 or IPv6 prefix such as 10.10.0.0/16 or fd00:10::/64; IPv4 octets in decimal without leading zeros)",
                $"{contextJa}: '{s}' は CIDR ではありません（10.10.0.0/16 や fd00:10::/64 のような IPv4/IPv6 プレフィックスが必要です。IPv4 の各オクテットは先頭に 0 を付けない 10 進数で書いてください）");
            return null;
        }
        int max = addr.FamilyBits, len = max;
        if (slash >= 0 && (!int.TryParse(s.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out len) || len > max))
        {
            Err(n, $"{context}: '{s}' has an invalid prefix length (expected 0..{max})",
                $"{contextJa}: '{s}' のプレフィックス長が不正です（0〜{max} が必要です）");
            return null;
        }
        var c = new Cidr(addr, len);
        if (c.Network != addr)
        {
            Err(n, $"{context}: '{s}' has host bits set (expected the network address: {c})",
                $"{contextJa}: '{s}' はホスト部が 0 ではありません（ネットワークアドレス {c} を書いてください）");
            return null;
        }
        return c;
    }

    private MacAddr? ParseMac(YNode n, string context, string contextJa)
    {
        var s = Text(n, context, contextJa);
        if (s is null) return null;
        if (MacAddr.TryParse(s, out var m)) return m;
        Err(n, $"{context}: '{s}' is not a MAC address (expected six hex octets such as 02:00:5e:10:00:01)",
            $"{contextJa}: '{s}' は MAC アドレスではありません（02:00:5e:10:00:01 のような 16 進 6 オクテットが必要です）");
        return null;
    }

    /// <summary>Service names of a list; each must resolve to a built-in or declared service.</summary>
    private List<ServiceSet>? ServiceRefs(YNode? n, string context, string contextJa)
    {
        if (n is null) return null;
        if (n.Kind == YKind.Mapping)
        {
            Err(n, $"{context}: services: expected a list of service names, found {Found(n)}",
                $"{contextJa}: services: サービス名のリストが必要ですが、{Found(n)}が書かれています");
            return null;
        }
        var list = new List<ServiceSet>();
        foreach (var item in Items(n))
        {
            var name = Text(item, context + ": services", contextJa + ": services");
            if (name is null) continue;
            if (_services.TryGetValue(name, out var set)) { list.Add(set); continue; }
            bool looksLikeEntry = BuiltinServices.TryParseEntry(name, out _) is not null;
            if (looksLikeEntry)
                Err(item, $"{context}: '{name}' is not a service name (declare it under services:, e.g. 'my-svc: [{name}]', and name it here)",
                    $"{contextJa}: '{name}' はサービス名ではありません（services: に 'my-svc: [{name}]' のように定義して、その名前を書いてください）");
            else
                Err(item, $"{context}: unknown service '{name}'{Hint(name, _services.Keys)} (expected a built-in service or one declared under services:)",
                    $"{contextJa}: 不明なサービス '{name}' です{Hint(name, _services.Keys)}（組み込みサービスか services: で定義した名前が必要です）");
        }
        if (list.Count == 0 && Items(n).Any()) return list;
        if (!Items(n).Any())
            Err(n, $"{context}: services: the list is empty (expected at least one service name, or leave the key out)",
                $"{contextJa}: services: リストが空です（サービス名を 1 つ以上書くか、キーを省いてください）");
        return list;
    }
}
