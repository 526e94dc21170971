using SharpPcap;

namespace SegVerify.Live.Capture;

/// <summary>Turns what libpcap and SharpPcap throw into messages a person can act on (ja and en).</summary>
public static class LiveErrors
{
    /// <summary>The libpcap package to install on Debian and Ubuntu.</summary>
    public const string LibpcapPackage = "libpcap0.8";

    /// <summary>True when the exception (or one inside it) says the libpcap shared library could not be loaded.</summary>
    public static bool IsLibpcapMissing(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is DllNotFoundException) return true;
            if (e is EntryPointNotFoundException) return false;
        }
        return false;
    }

    public static MonitorStartException LibpcapMissing(string lang, Exception ex) => new(Localized.Pick(lang,
        $"libpcap が見つかりません ({Inner(ex).Message})。パケットの取り込みには libpcap が必要です: Debian/Ubuntu では `apt-get install {LibpcapPackage}`、RHEL 系では `dnf install libpcap` でインストールしてください。",
        $"libpcap could not be loaded ({Inner(ex).Message}). Live capture needs libpcap: install it with `apt-get install {LibpcapPackage}` (Debian/Ubuntu) or `dnf install libpcap` (RHEL and derivatives)."),
        MonitorStartError.LibpcapMissing);

    public static MonitorStartException NoSuchInterface(string lang, string name, IEnumerable<string> available)
    {
        var list = string.Join(", ", available);
        if (list.Length == 0) list = Localized.Pick(lang, "(なし)", "(none)");
        return new(Localized.Pick(lang,
            $"インターフェース '{name}' がありません。使用できるインターフェース: {list}",
            $"no such interface '{name}'. Available interfaces: {list}"), MonitorStartError.NoSuchInterface);
    }

    public static MonitorStartException PermissionDenied(string lang, string name, string detail) => new(Localized.Pick(lang,
        $"インターフェース '{name}' でパケットを取り込む権限がありません ({detail})。CAP_NET_RAW (と CAP_NET_ADMIN) 権限か root が必要です: root で実行するか、実行ファイルに `sudo setcap cap_net_raw,cap_net_admin=eip <segverify の実行ファイル>` で権限を付けてください。",
        $"no permission to capture on '{name}' ({detail}). Capturing needs CAP_NET_RAW (and CAP_NET_ADMIN) or root: run as root, or give the binary the capabilities with `sudo setcap cap_net_raw,cap_net_admin=eip <path to the segverify binary>`."),
        MonitorStartError.PermissionDenied);

    public static MonitorStartException BadFilter(string lang, string filter, string detail) => new(Localized.Pick(lang,
        $"フィルタ式 '{filter}' が正しくありません: {detail}",
        $"bad filter expression '{filter}': {detail}"), MonitorStartError.BadFilter);

    public static MonitorStartException OpenFailed(string lang, string name, string detail) => new(Localized.Pick(lang,
        $"インターフェース '{name}' を開けません: {detail}",
        $"cannot open interface '{name}': {detail}"), MonitorStartError.OpenFailed);

    /// <summary>True when libpcap refused for lack of privilege.</summary>
    public static bool IsPermission(PcapException ex, string? lastError)
    {
        if (ex.Error is PcapError.PermissionDenied or PcapError.PromiscuousPermissionDenied) return true;
        var text = ex.Message + " " + lastError;
        return text.Contains("permitted", StringComparison.OrdinalIgnoreCase)
            || text.Contains("permission", StringComparison.OrdinalIgnoreCase);
    }

    private static Exception Inner(Exception ex)
    {
        var e = ex;
        while (e is TypeInitializationException && e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
