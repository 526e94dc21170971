
namespace SegVerify.Core.Policy;

/// <summary>One finding id with the clause it stands for, in Japanese and English.</summary>
public sealed record ClauseEntry(string Id, string Japanese, string English)
{
    public string Text(string lang) => lang == "ja" ? Japanese : English;
}

/// <summary>
/// The clause table: every finding id of every command with its clause text. Replay, monitor, check-firewall,
/// topology validate and every output format take clause texts from here.
/// </summary>
public static class ClauseTable
{
    public static readonly IReadOnlyList<ClauseEntry> All =
    [
        new(RuleIds.MynumberInternet, "三層の対策: マイナンバー利用事務系とインターネットの分離", "Three-tier separation: the My Number tier never reaches the Internet"),
        new(RuleIds.MynumberIsolation, "三層の対策: マイナンバー利用事務系と他の領域との分離", "Three-tier separation: the My Number tier is isolated from every other area"),
        new(RuleIds.LgwanInternetSeparation, "三層の対策: LGWAN接続系とインターネット接続系の分割（無害化通信のみ）", "Three-tier separation: LGWAN and Internet tiers are split; data passes only through sanitisation"),
        new(RuleIds.ZoneCrossing, "通信経路の限定: 許可されていない領域間の通信", "Restricted paths: a crossing between zones that no rule permits"),
        new(RuleIds.SanitizationMisuse, "無害化通信: 無害化経路の逆方向・対象外サービスでの利用", "Sanitisation: a sanitisation path used backwards or for another service"),
        new(RuleIds.MacBinding, "端末の限定: IPアドレスとMACアドレスの紐付け", "Device restriction: IP address bound to its registered MAC address"),
        new(RuleIds.UnregisteredDevice, "端末の限定: 未登録端末の接続禁止", "Device restriction: no unregistered device on a registered-only segment"),
        new(RuleIds.VlanMismatch, "ネットワーク分離: VLAN設定の整合", "Network separation: VLAN assignment matches the segment"),
        new(RuleIds.UnclassifiedAddress, "構成管理: すべてのアドレスが領域に属すること", "Configuration: every address belongs to a declared zone"),
        new(RuleIds.UndeclaredService, "使用されていないポートの閉鎖", "Close unused ports"),
        new(RuleIds.LargeTransfer, "情報持ち出しの監視: 領域間の大量転送", "Exfiltration watch: large transfer between zones"),
        new(RuleIds.ExpiredException, "例外措置: 期限切れの例外の利用", "Exceptions: use of an expired exception"),
        new(RuleIds.CaptureDamaged, "証跡: キャプチャファイルの完全性", "Evidence: capture file integrity"),
        new(RuleIds.RequiredBlocked, "例外措置: 許可された経路が遮断されている", "Exceptions: a permitted path is blocked"),
        new(RuleIds.ShadowedRule, "フィルタリング設定の整合: 到達しないルール", "Filtering consistency: a rule that can never match"),
        new(RuleIds.UnsupportedSyntax, "フィルタリング設定の整合: 解釈できない構文", "Filtering consistency: syntax not understood"),
        new(RuleIds.SpoofableInterface, "フィルタリング設定の整合: 送信元詐称の防止", "Filtering consistency: spoofed sources are dropped"),
        new(RuleIds.UnmappedInterface, "フィルタリング設定の整合: インターフェースとゾーンの対応", "Filtering consistency: every interface maps to a zone"),
    ];

    private static readonly Dictionary<string, ClauseEntry> ById = All.ToDictionary(e => e.Id, StringComparer.Ordinal);

    public static ClauseEntry? Find(string id) => ById.GetValueOrDefault(id);

    /// <summary>The clause text of a finding id in the language (the id itself when the table does not know it).</summary>
    public static string Text(string id, string lang) => ById.TryGetValue(id, out var e) ? e.Text(lang) : id;

}
