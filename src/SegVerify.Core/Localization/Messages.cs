using System.Globalization;
using SegVerify.Core.Findings;
using SegVerify.Core.Net;

namespace SegVerify.Core.Localization;

/// <summary>
/// The one table of user-facing finding texts in Japanese and English: the clause broken and an actionable sentence.
/// The sinks call it with their language; findings carry only the finding id and <see cref="MessageArgs"/>.
/// </summary>
public static class Messages
{
    public static bool IsJapanese(string lang) => lang == "ja";

    /// <summary>The policy clause (三層の対策 ...) a finding id stands for.</summary>
    public static string Clause(string rule, string lang) => Policy.ClauseTable.Text(rule, lang);

    /// <summary>One sentence a person can act on, for a finding.</summary>
    public static string Message(Finding f, string lang) => Message(f.Rule, lang, f.Args);

    /// <summary>One sentence a person can act on: finding id <paramref name="rule"/> with the values <paramref name="a"/>.</summary>
    public static string Message(string rule, string lang, in MessageArgs a)
    {
        string text = Sentence(rule, IsJapanese(lang), in a);
        return a.Reason is null ? text : text + " (" + a.Reason + ")";
    }

    /// <summary>The service as messages write it: <c>tcp/445</c>, <c>icmp</c>, <c>arp</c>.</summary>
    private static string Service(in MessageArgs a) =>
        a.Arp ? "arp" : a.Port is { } port ? IpProto.Name(a.Protocol) + "/" + port.ToString(CultureInfo.InvariantCulture) : IpProto.Name(a.Protocol);

    private static string Num(long? n) => n?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string Sentence(string rule, bool ja, in MessageArgs a)
    {
        var c = new Texts(a.Src?.ToString() ?? "", a.Dst?.ToString() ?? "", a.SrcZone ?? "", a.DstZone ?? "", Service(in a),
            a.RuleName, a.Mac?.ToString());
        if (a.Kind == MessageKind.RulesetAccepts)
            return ja
                ? $"ファイアウォールが {a.SrcZone}（{a.InInterface}）から {a.DstZone}（{a.OutInterface}）への禁止された通信を許可しています：{a.Subject}（{a.Location}）"
                : $"the ruleset accepts forbidden NEW connections from {a.SrcZone} ({a.InInterface}) to {a.DstZone} ({a.OutInterface}): {a.Subject} ({a.Location})";
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
                ? $"{c.Src} のフレームが VLAN {Num(a.Number)} で観測されましたが、そのセグメントは別の VLAN に定義されています。スイッチのポート設定を確認してください。"
                : $"{c.Src} was seen on VLAN {Num(a.Number)}, but its segment is declared on another VLAN. Check the switch port configuration.",
            RuleIds.UnclassifiedAddress => ja
                ? $"アドレス {a.Address} はどのセグメントにも属しません。トポロジーに追加するか、機器を調査してください。"
                : $"Address {a.Address} is in no declared segment. Add it to the topology or investigate the device.",
            RuleIds.UndeclaredService => ja
                ? $"{to} が宣言されていないサービス {c.Service} で応答しています。ポートを閉じるか、ホストの services に追加してください。"
                : $"{to} served {c.Service}, which is not among its declared services. Close the port or declare the service.",
            RuleIds.LargeTransfer => ja
                ? $"領域間の大量転送: {from} → {to} {c.Service}、{Num(a.Number)} バイト。持ち出しでないか確認してください。"
                : $"Large transfer between zones: {from} -> {to} {c.Service}, {Num(a.Number)} bytes. Check that it is not exfiltration.",
            RuleIds.CaptureDamaged => ja
                ? $"キャプチャ {a.Subject} はバイト位置 {Num(a.Number)} 以降が破損しているため、そこまでを検査しました。"
                : $"Capture {a.Subject} is damaged from byte {Num(a.Number)}; it was checked up to there.",
            // check-firewall
            RuleIds.RequiredBlocked => ja
                ? $"ファイアウォールが許可ルール/無害化経路 '{c.RuleName}' の通信を{(a.Partial ? "一部" : "すべて")}遮断しています（{a.InInterface} → {a.OutInterface}）{(a.Location is null ? "" : $"：{a.Location}")}"
                : $"the ruleset blocks {(a.Partial ? "part" : "all")} of what '{c.RuleName}' permits ({a.InInterface} -> {a.OutInterface}){(a.Location is null ? "" : $", at {a.Location}")}",
            RuleIds.SpoofableInterface => ja
                ? $"{a.InInterface}（{a.SrcZone}）から入る、{a.SrcZone} に属さない送信元アドレス（例 {c.Src}）のパケットを遮断していません（なりすまし可能）"
                : $"packets entering {a.InInterface} ({a.SrcZone}) with a source address outside {a.SrcZone} (e.g. {c.Src}) are not dropped (spoofable)",
            RuleIds.ShadowedRule => ja
                ? $"このルールに一致するパケットはありません（前のルールで処理済み）：{a.Quote}"
                : $"rule can never match (every packet it matches is decided earlier): {a.Quote}",
            // the parsers' diagnostics are in English
            RuleIds.UnsupportedSyntax => $"{a.Subject}: {a.Quote}",
            RuleIds.UnmappedInterface => ja
                ? $"ポリシーが参照するインターフェース {a.InInterface}{(a.Subject is null ? "" : $"（ゾーン {a.Subject} のメンバー）")} はトポロジの firewalls: に対応付けられていません。ゾーンを割り当ててください（この経路は解析されません）"
                : $"interface {a.InInterface}{(a.Subject is null ? "" : $" (member of zone {a.Subject})")} named by a policy is not mapped to a zone in the topology's firewalls: entry; map it (traffic through it is not analysed)",
            _ => $"{rule}: {from} -> {to} {c.Service}",
        };
    }

    /// <summary>
    /// What an operating-system I/O error means, in the chosen language, without the OS's own (English) text: the
    /// class of error (no such file, permission denied, is a directory, disk full...) from the exception type and its
    /// errno (Unix: <see cref="Exception.HResult"/> holds it) or Win32 code. <paramref name="path"/>, when given, is
    /// looked at to tell a directory from a permission problem (.NET reports both as <see cref="UnauthorizedAccessException"/>).
    /// The caller says which file (e.g. <c>cannot read topology city.yaml: {this}</c>).
    /// </summary>
    public static string IoError(Exception ex, string lang, string? path = null)
    {
        bool ja = IsJapanese(lang);
        var kind = IoErrorKindOf(ex, path);
        return kind switch
        {
            IoErrorKind.NotFound => ja ? "ファイルまたはディレクトリがありません" : "no such file or directory",
            IoErrorKind.IsDirectory => ja ? "ディレクトリです（ファイルを指定してください）" : "it is a directory (a file is needed)",
            IoErrorKind.NotDirectory => ja ? "パスの途中がディレクトリではありません" : "a component of the path is not a directory",
            IoErrorKind.PermissionDenied => ja ? "アクセス権がありません" : "permission denied",
            IoErrorKind.ReadOnly => ja ? "読み取り専用のファイルシステムです" : "read-only file system",
            IoErrorKind.DiskFull => ja ? "ディスクの空き容量がありません" : "no space left on the device",
            IoErrorKind.QuotaExceeded => ja ? "ディスク使用量の上限（クォータ）を超えました" : "disk quota exceeded",
            IoErrorKind.TooLarge => ja ? "ファイルが大きすぎます" : "file too large",
            IoErrorKind.NameTooLong => ja ? "パスが長すぎます" : "file name too long",
            IoErrorKind.TooManyLinks => ja ? "シンボリックリンクが多すぎます（ループの可能性）" : "too many levels of symbolic links",
            IoErrorKind.TooManyOpenFiles => ja ? "開いているファイルが多すぎます" : "too many open files",
            IoErrorKind.InUse => ja ? "ファイルが使用中です" : "the file is in use",
            IoErrorKind.Exists => ja ? "ファイルが既に存在します" : "the file already exists",
            IoErrorKind.DeviceError => ja ? "入出力エラー（デバイスの障害）" : "input/output error (device failure)",
            IoErrorKind.InvalidPath => ja ? "パスが正しくありません" : "invalid path",
            _ => ja ? $"入出力エラー（コード {IoErrorCode(ex)}）" : $"input/output error (code {IoErrorCode(ex)})",
        };
    }

    /// <summary>The class of an I/O error (see <see cref="IoError"/>).</summary>
    public static IoErrorKind IoErrorKindOf(Exception ex, string? path = null)
    {
        switch (ex)
        {
            case FileNotFoundException or DirectoryNotFoundException: return IoErrorKind.NotFound;
            case PathTooLongException: return IoErrorKind.NameTooLong;
            case ArgumentException or NotSupportedException: return IoErrorKind.InvalidPath;
        }
        int code = IoErrorCode(ex);
        var kind = OperatingSystem.IsWindows() ? Win32Kind(code) : ErrnoKind(code);
        if (ex is UnauthorizedAccessException && kind is IoErrorKind.Other or IoErrorKind.PermissionDenied)
            kind = IoErrorKind.PermissionDenied;
        // .NET reports opening a directory as a file as "access denied" (EISDIR and EACCES alike)
        if (kind == IoErrorKind.PermissionDenied && path is not null && Directory.Exists(path)) kind = IoErrorKind.IsDirectory;
        return kind;
    }

    /// <summary>The errno (Unix) or Win32 error code in an I/O exception's HResult.</summary>
    private static int IoErrorCode(Exception ex) =>
        OperatingSystem.IsWindows() && (ex.HResult & 0xFFFF0000) == 0x80070000 ? ex.HResult & 0xFFFF : ex.HResult;

    private static IoErrorKind ErrnoKind(int errno) => errno switch
    {
        1 or 13 => IoErrorKind.PermissionDenied,   // EPERM, EACCES
        2 or 6 => IoErrorKind.NotFound,            // ENOENT, ENXIO
        5 => IoErrorKind.DeviceError,              // EIO
        16 or 26 => IoErrorKind.InUse,             // EBUSY, ETXTBSY
        17 => IoErrorKind.Exists,                  // EEXIST
        20 => IoErrorKind.NotDirectory,            // ENOTDIR
        21 => IoErrorKind.IsDirectory,             // EISDIR
        23 or 24 => IoErrorKind.TooManyOpenFiles,  // ENFILE, EMFILE
        27 => IoErrorKind.TooLarge,                // EFBIG
        28 => IoErrorKind.DiskFull,                // ENOSPC
        30 => IoErrorKind.ReadOnly,                // EROFS
        36 => IoErrorKind.NameTooLong,             // ENAMETOOLONG
        40 => IoErrorKind.TooManyLinks,            // ELOOP
        122 => IoErrorKind.QuotaExceeded,          // EDQUOT
        _ => IoErrorKind.Other,
    };

    private static IoErrorKind Win32Kind(int code) => code switch
    {
        2 or 3 or 15 => IoErrorKind.NotFound,          // FILE_NOT_FOUND, PATH_NOT_FOUND, INVALID_DRIVE
        5 => IoErrorKind.PermissionDenied,             // ACCESS_DENIED
        19 => IoErrorKind.ReadOnly,                    // WRITE_PROTECT
        32 or 33 => IoErrorKind.InUse,                 // SHARING_VIOLATION, LOCK_VIOLATION
        39 or 112 => IoErrorKind.DiskFull,             // HANDLE_DISK_FULL, DISK_FULL
        80 or 183 => IoErrorKind.Exists,               // FILE_EXISTS, ALREADY_EXISTS
        4 => IoErrorKind.TooManyOpenFiles,             // TOO_MANY_OPEN_FILES
        206 => IoErrorKind.NameTooLong,                // FILENAME_EXCED_RANGE
        267 => IoErrorKind.NotDirectory,               // DIRECTORY
        1117 => IoErrorKind.DeviceError,               // IO_DEVICE
        _ => IoErrorKind.Other,
    };

    /// <summary>The values of a sentence as text.</summary>
    private readonly record struct Texts(string Src, string Dst, string SrcZone, string DstZone, string Service, string? RuleName, string? Mac);
}
