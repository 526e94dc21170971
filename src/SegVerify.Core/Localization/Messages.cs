using SegVerify.Core.Engine;

namespace SegVerify.Core.Localization;

/// <summary>What a finding message says about the traffic (filled only when a finding is reported).</summary>
public readonly record struct MessageContext(
    string Src, string Dst, string SrcZone, string DstZone, string SrcTier, string DstTier, string Service,
    string? RuleName = null, string? Mac = null, string? Detail = null);

/// <summary>User-facing texts of findings in Japanese and English: the clause broken and an actionable sentence.</summary>
public static class Messages
{
    public static bool IsJapanese(string lang) => lang == "ja";

    /// <summary>The policy clause (三層の対策 ...) a finding id stands for.</summary>
    public static string Clause(string rule, string lang) => Policy.ClauseTable.Text(rule, lang);

    /// <summary>One sentence a person can act on.</summary>
    public static string Message(string rule, string lang, in MessageContext c)
    {
        bool ja = IsJapanese(lang);
        string from = $"{c.Src} ({c.SrcZone})", to = $"{c.Dst} ({c.DstZone})";
        return rule switch
        {
            RuleIds.MynumberInternet => ja
                ? $"マイナンバー利用事務系とインターネットの通信: {from} → {to} {c.Service}。境界で遮断し、端末を調査してください。"
                : $"My Number tier talked to the Internet: {from} -> {to} {c.Service}. Block it at the boundary and inspect the host.",
            RuleIds.MynumberIsolation => ja
                ? $"マイナンバー利用事務系の分離違反: {from} → {to} {c.Service}。必要な通信なら MAC・IP・ポートを限定した allow ルールを定義し、不要なら遮断してください。"
                : $"My Number isolation broken: {from} -> {to} {c.Service}. If needed, declare an allow rule pinned by MAC, IP and port; otherwise block it.",
            RuleIds.LgwanInternetSeparation => ja
                ? $"LGWAN接続系とインターネット接続系の直接通信: {from} → {to} {c.Service}。無害化経路（画面転送・メール無害化・ファイル無害化）経由にしてください。"
                : $"Direct LGWAN/Internet crossing: {from} -> {to} {c.Service}. Route it through a sanitisation path (screen transfer, mail text, file sanitiser).",
            RuleIds.ZoneCrossing => ja
                ? $"許可されていない領域間通信: {from} → {to} {c.Service}。必要なら allow ルールを追加し、不要ならフィルタで遮断してください。"
                : $"Zone crossing without a rule: {from} -> {to} {c.Service}. Add an allow rule if it is needed, otherwise filter it.",
            RuleIds.SanitizationMisuse => ja
                ? $"無害化経路 '{c.RuleName}' の誤用: {from} → {to} {c.Service}（逆方向または対象外のサービス）。経路の設定を確認してください。"
                : $"Sanitisation path '{c.RuleName}' misused: {from} -> {to} {c.Service} (reverse direction or another service). Check the path's configuration.",
            RuleIds.ExpiredException => ja
                ? $"期限切れの例外 '{c.RuleName}' による通信: {from} → {to} {c.Service}。例外を更新するか、通信を止めてください。"
                : $"Traffic allowed only by the expired exception '{c.RuleName}': {from} -> {to} {c.Service}. Renew the exception or stop the traffic.",
            RuleIds.MacBinding => ja
                ? $"{c.Src} が登録外の MAC アドレス {c.Mac} から送信されました（なりすまし・機器交換の疑い）。機器を確認し、正当ならトポロジーの mac を更新してください。"
                : $"{c.Src} sent from MAC {c.Mac}, not its registered MAC (spoofing or a swapped device). Check the device; if legitimate, update its mac in the topology.",
            RuleIds.UnregisteredDevice => ja
                ? $"未登録の端末 {c.Mac}（{c.Src}, {c.SrcZone}）が接続されています。登録するか、ポートを遮断してください。"
                : $"Unregistered device {c.Mac} ({c.Src}, {c.SrcZone}) on a registered-only segment. Register it or shut the port.",
            RuleIds.VlanMismatch => ja
                ? $"{c.Src} のフレームが VLAN {c.Detail} で観測されましたが、そのセグメントは別の VLAN に定義されています。スイッチのポート設定を確認してください。"
                : $"{c.Src} was seen on VLAN {c.Detail}, but its segment is declared on another VLAN. Check the switch port configuration.",
            RuleIds.UnclassifiedAddress => ja
                ? $"アドレス {c.Detail} はどのセグメントにも属しません。トポロジーに追加するか、機器を調査してください。"
                : $"Address {c.Detail} is in no declared segment. Add it to the topology or investigate the device.",
            RuleIds.UndeclaredService => ja
                ? $"{to} が宣言されていないサービス {c.Service} で応答しています。ポートを閉じるか、ホストの services に追加してください。"
                : $"{to} served {c.Service}, which is not among its declared services. Close the port or declare the service.",
            RuleIds.LargeTransfer => ja
                ? $"領域間の大量転送: {from} → {to} {c.Service}、{c.Detail} バイト。持ち出しでないか確認してください。"
                : $"Large transfer between zones: {from} -> {to} {c.Service}, {c.Detail} bytes. Check that it is not exfiltration.",
            RuleIds.CaptureDamaged => ja
                ? $"キャプチャ {c.Src} はバイト位置 {c.Detail} 以降が破損しているため、そこまでを検査しました。"
                : $"Capture {c.Src} is damaged from byte {c.Detail}; it was checked up to there.",
            _ => $"{rule}: {from} -> {to} {c.Service}",
        };
    }
}
