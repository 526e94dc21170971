using System.Globalization;

namespace SegVerify.Core.Output;

/// <summary>
/// What a finding id means and what to do about it, in Japanese and English, for reports that describe their rules
/// (SARIF's <c>fullDescription</c> and <c>help</c>, shown by code scanning), and how severe it is on GitHub's
/// <c>security-severity</c> scale (0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0-10 critical). The clause each id
/// breaks is <see cref="Localization.Messages.Clause"/>; this is the longer explanation.
/// </summary>
public static class RuleHelp
{
    private sealed record Entry(double Severity, string DescJa, string DescEn, string FixJa, string FixEn);

    private static readonly Dictionary<string, Entry> Entries = new(StringComparer.Ordinal)
    {
        [RuleIds.MynumberInternet] = new(9.8,
            "マイナンバー利用事務系の端末・サーバーとインターネットの間で通信が行われた（または許可されている）。三層の対策では、マイナンバー利用事務系はインターネットから完全に分離しなければならない。",
            "A host of the My Number tier exchanged traffic with the Internet (or a ruleset admits it). Under the three-tier separation the My Number tier must be cut off from the Internet entirely.",
            "境界で直ちに遮断し、端末を調査する。ファイアウォールの許可ルールを見直す。",
            "Block the traffic at the boundary at once and inspect the host; review the firewall rule that admits it."),
        [RuleIds.MynumberIsolation] = new(9.0,
            "マイナンバー利用事務系と他の領域（LGWAN接続系、インターネット接続系など）の間に、allow ルールで例外として定義されていない通信がある。",
            "Traffic crosses between the My Number tier and another area (LGWAN or Internet tier, ...) without an allow rule naming it as an exception.",
            "業務上必要なら、MAC・IP・ポートを限定した allow ルール（期限付き）をトポロジーに定義する。不要なら遮断する。",
            "If the traffic is needed, declare an allow rule pinned by MAC, IP and port (with an expiry) in the topology; otherwise block it."),
        [RuleIds.LgwanInternetSeparation] = new(8.8,
            "LGWAN接続系とインターネット接続系の間で、無害化経路を通らない直接の通信がある。両者の間のデータは無害化（画面転送、メールのテキスト化、ファイル無害化）を通してのみ渡す。",
            "LGWAN and Internet tiers talk directly, not through a sanitisation path. Data may pass between them only through sanitisation (screen transfer, mail text, file sanitiser).",
            "通信を無害化経路に通すか、遮断する。無害化経路ならトポロジーの sanitization: に定義する。",
            "Route the traffic through a sanitisation path or block it; declare a real sanitisation path under sanitization: in the topology."),
        [RuleIds.ZoneCrossing] = new(7.0,
            "同じ層の中でも、allow ルールのない領域（ゾーン）間の通信がある。通信経路は必要なものに限定する。",
            "Traffic crosses between two zones that no allow rule connects. Paths between zones are limited to those declared.",
            "必要な通信なら allow ルールを追加し、不要ならフィルタで遮断する。",
            "Add an allow rule if the traffic is needed; otherwise filter it."),
        [RuleIds.SanitizationMisuse] = new(8.0,
            "無害化経路が逆方向、または定義されていないサービスで使われている。無害化経路は決められた方向とサービスにだけ使える。",
            "A sanitisation path is used in the reverse direction or for a service it does not declare. A sanitisation path carries only its own service, one way.",
            "経路の機器設定（方向・ポート）とトポロジーの定義を確認する。",
            "Check the path's device configuration (direction, ports) against its definition in the topology."),
        [RuleIds.MacBinding] = new(7.5,
            "登録された IP アドレスが、登録外の MAC アドレスから送信された。なりすましか、無断の機器交換の疑いがある。",
            "A registered IP address was sent from a MAC address other than its registered one: spoofing, or a device swapped without notice.",
            "機器を確認する。正当な交換ならトポロジーのホストの mac を更新する。",
            "Check the device; if the swap is legitimate, update the host's mac in the topology."),
        [RuleIds.UnregisteredDevice] = new(7.5,
            "登録済みの端末だけが接続できるセグメントに、未登録の MAC アドレスの機器が接続されている。",
            "A device with an unregistered MAC address is on a segment where only registered devices may connect.",
            "機器を登録するか、スイッチのポートを遮断する。",
            "Register the device or shut its switch port."),
        [RuleIds.VlanMismatch] = new(5.0,
            "端末のフレームが、そのセグメントに定義された VLAN とは別の VLAN で観測された。",
            "A host's frames were seen on a VLAN other than the one its segment is declared on.",
            "スイッチのポートの VLAN 設定とトポロジーの vlan を確認する。",
            "Check the switch port's VLAN and the segment's vlan in the topology."),
        [RuleIds.UnclassifiedAddress] = new(4.0,
            "どのセグメントにも属さないアドレスが通信に現れた。構成管理の漏れか、想定外の機器の疑いがある。",
            "An address that belongs to no declared segment appeared in the traffic: a gap in configuration management or an unexpected device.",
            "アドレスをトポロジーのセグメントに追加するか、機器を調査する。",
            "Add the address to a segment of the topology or investigate the device."),
        [RuleIds.UndeclaredService] = new(4.0,
            "ホストが宣言されていないサービス（ポート）で応答した。使用しないポートは閉じる。",
            "A host answered on a service (port) it does not declare. Unused ports are to be closed.",
            "ポートを閉じるか、ホストの services に追加する。",
            "Close the port or add the service to the host's services."),
        [RuleIds.LargeTransfer] = new(5.5,
            "領域間で閾値を超える量のデータが転送された。情報の持ち出しでないか確認する。",
            "More data than the threshold moved between zones. Check that it is not exfiltration.",
            "転送の目的を確認し、必要なら limits: の閾値を見直す。",
            "Confirm the purpose of the transfer; adjust the threshold under limits: if it is routine."),
        [RuleIds.ExpiredException] = new(6.5,
            "期限切れの例外（allow ルール）によってのみ許可される通信がある（または設定が許可している）。",
            "Traffic is allowed only by an exception (allow rule) that has expired (or a ruleset still admits it).",
            "例外を更新するか、通信とファイアウォールの許可を止める。",
            "Renew the exception or stop the traffic and remove the firewall rule that admits it."),
        [RuleIds.CaptureDamaged] = new(2.0,
            "キャプチャファイルが途中から破損しており、そこまでを検査した。証跡として不完全である。",
            "A capture file is damaged part-way and was checked up to the damage; as evidence it is incomplete.",
            "キャプチャを取り直すか、破損の原因（ディスク、転送）を調べる。",
            "Capture again or find the cause of the damage (disk, transfer)."),
        [RuleIds.RequiredBlocked] = new(4.0,
            "トポロジーで許可された経路（allow ルールまたは無害化経路）を、ファイアウォール設定が遮断している。",
            "A path the topology permits (an allow rule or a sanitisation path) is blocked by the ruleset.",
            "業務に必要な経路なら設定で許可し、不要になった経路ならトポロジーから削除する。",
            "Admit the path in the ruleset if the business needs it; remove it from the topology if it is no longer used."),
        [RuleIds.ShadowedRule] = new(3.0,
            "先に評価されるルールがすべてを決めてしまうため、決して一致しないファイアウォールルールがある。",
            "A firewall rule can never match: every packet it matches is decided by an earlier rule.",
            "ルールの順序を見直すか、不要なルールを削除する。",
            "Reorder the rules or delete the dead one."),
        [RuleIds.UnsupportedSyntax] = new(3.0,
            "解釈できない構文があった。許可は広めに（見逃しのないように）見積もっている。",
            "A construct was not understood; what it accepts was over-approximated so that nothing forbidden is missed.",
            "その行を確認する。結果に過大な検出が含まれる場合がある。",
            "Check the line; findings may include classes the rule does not really admit."),
        [RuleIds.SpoofableInterface] = new(6.0,
            "インターフェースから入るパケットのうち、そのゾーンに属さない送信元アドレスを持つものを設定が破棄していない（送信元詐称が可能）。",
            "Packets entering an interface with a source address outside its zone are not dropped (spoofable sources).",
            "インターフェースごとに送信元アドレスの検査（rp_filter や送信元の一致条件）を入れる。",
            "Add source address validation per interface (rp_filter or a source match)."),
    };

    private static readonly Entry Default = new(5.0,
        "SegVerify の検出。", "A SegVerify finding.",
        "メッセージを確認する。", "Read the message.");

    /// <summary>GitHub's security-severity: a number from 0.1 to 10, as a string with one decimal.</summary>
    public static string SecuritySeverity(string rule) =>
        (Entries.GetValueOrDefault(rule) ?? Default).Severity.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>What the finding means (SARIF fullDescription).</summary>
    public static string Description(string rule, string lang)
    {
        var e = Entries.GetValueOrDefault(rule) ?? Default;
        return FindingFormat.IsJa(lang) ? e.DescJa : e.DescEn;
    }

    /// <summary>What to do (plain text).</summary>
    public static string Remedy(string rule, string lang)
    {
        var e = Entries.GetValueOrDefault(rule) ?? Default;
        return FindingFormat.IsJa(lang) ? e.FixJa : e.FixEn;
    }

    /// <summary>Help as plain text: the clause, what it means, what to do.</summary>
    public static string HelpText(string rule, string clause, string lang) =>
        clause + "\n\n" + Description(rule, lang) + "\n\n" + (FindingFormat.IsJa(lang) ? "対処: " : "What to do: ") + Remedy(rule, lang);

    /// <summary>Help as Markdown (shown by code scanning).</summary>
    public static string HelpMarkdown(string rule, string clause, string lang)
    {
        bool ja = FindingFormat.IsJa(lang);
        return "**" + clause + "**\n\n" + Description(rule, lang) + "\n\n" + (ja ? "**対処:** " : "**What to do:** ") + Remedy(rule, lang)
            + "\n\n" + (ja ? "検出 ID: `" : "Finding id: `") + rule + "`";
    }
}
