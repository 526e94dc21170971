using System.Globalization;
using System.Text;
using SegVerify.Core.Findings;
using SegVerify.Core.Net;

namespace SegVerify.Core.Output;

/// <summary>
/// Text pieces the human-facing sinks (text, SARIF, JUnit, HTML) share: timestamps, endpoints, labels in ja/en,
/// and display-width padding for tables that hold CJK text.
/// </summary>
public static class FindingFormat
{
    /// <summary>RFC 3339 UTC, with microseconds, or nanoseconds when the capture gives them.</summary>
    public static string Timestamp(long ns, bool nanosecondResolution) => Rfc3339.Format(ns, nanosecondResolution);

    public static string Timestamp(Finding f) => Timestamp(f.TimestampNs, f.NanosecondResolution);

    /// <summary>The spec's proto text (tcp, udp, icmp, icmpv6, arp, or the number), or null when the finding has none.</summary>
    public static string? Proto(OutputEvent f) => f.ProtoText ?? (f.Protocol is byte p ? IpProto.Name(p) : null);

    /// <summary><c>ip</c>, <c>ip:port</c> or <c>[v6]:port</c>; null when there is no address.</summary>
    public static string? Address(IpAddr? ip, ushort? port)
    {
        if (ip is not IpAddr a) return null;
        var s = a.ToString();
        if (port is not ushort p) return s;
        return a.IsV4 ? s + ":" + p.ToString(CultureInfo.InvariantCulture) : "[" + s + "]:" + p.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>True for the findings judged per frame, where the source MAC is the point.</summary>
    public static bool IsFrameLevel(string rule) =>
        rule is RuleIds.MacBinding or RuleIds.UnregisteredDevice or RuleIds.VlanMismatch;

    /// <summary>
    /// One side of a finding for a person: <c>10.10.1.11:40007 (mn-office)</c>; the MAC is added for frame-level
    /// findings (or when there is no address); null when the side has nothing to show.
    /// </summary>
    public static string? Side(Finding f, bool source)
    {
        var ip = source ? f.SrcIp : f.DstIp;
        var port = source ? f.SrcPort : f.DstPort;
        var mac = source ? f.SrcMac : f.DstMac;
        var zone = source ? f.SrcZone : f.DstZone;
        var sb = new StringBuilder();
        var addr = Address(ip, port);
        if (addr is not null) sb.Append(addr);
        if (mac is MacAddr m && (addr is null || (source && IsFrameLevel(f.Rule))))
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(m.ToString());
        }
        if (zone is not null)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append('(').Append(zone).Append(')');
        }
        return sb.Length == 0 ? null : sb.ToString();
    }

    /// <summary><c>file:line:column</c> of the config rule behind a check-firewall finding, or null.</summary>
    public static string? ConfigLocation(Finding f) => f.Config?.ToString();

    /// <summary>
    /// The finding as one line (no colour): <c>[violation] rule ts proto src (zone) -> dst (zone): message</c>.
    /// </summary>
    public static string Line(Finding f, string lang) => Line(f, lang, null, null);

    internal static string Line(Finding f, string lang, string? sevOn, string? sevOff)
    {
        var sb = new StringBuilder(160);
        sb.Append(sevOn).Append('[').Append(SeverityLabel(f.Severity, lang)).Append(']').Append(sevOff);
        sb.Append(' ').Append(f.Rule);
        if (f.TimestampNs != 0) sb.Append(' ').Append(Timestamp(f));
        if (Proto(f) is { } proto) sb.Append(' ').Append(proto);
        var src = Side(f, true);
        var dst = Side(f, false);
        if (src is not null || dst is not null)
            sb.Append(' ').Append(src ?? "-").Append(" -> ").Append(dst ?? "-");
        if (f.Vlan is ushort v && IsFrameLevel(f.Rule)) sb.Append(" vlan ").Append(v.ToString(CultureInfo.InvariantCulture));
        if (f.Tunnel is { Count: > 0 } tunnel) sb.Append(IsJa(lang) ? " トンネル " : " via ").Append(string.Join(" / ", tunnel));
        sb.Append(": ").Append(Localization.Messages.Message(f, lang));
        if (ConfigLocation(f) is { } loc) sb.Append(" [").Append(loc).Append(']');
        else if (f.Capture is not null && f.Offset is long off)
            sb.Append(" [").Append(f.Capture).Append(" @").Append(off.ToString(CultureInfo.InvariantCulture)).Append(']');
        return sb.ToString();
    }

    public static bool IsJa(string lang) => string.Equals(lang, "ja", StringComparison.OrdinalIgnoreCase);

    public static string SeverityLabel(Severity s, string lang) =>
        IsJa(lang) ? (s == Severity.Violation ? "違反" : "警告") : (s == Severity.Violation ? "violation" : "warning");

    /// <summary>The severity as the JSON Lines contract spells it.</summary>
    public static string SeverityId(Severity s) => s == Severity.Violation ? "violation" : "warning";

    /// <summary>Seconds with a fixed number of decimals, invariant culture.</summary>
    public static string Seconds(double s) => s.ToString("0.000", CultureInfo.InvariantCulture);

    public static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    // ---- display width (East Asian Wide / Fullwidth characters take two columns) ----

    /// <summary>Columns the string takes on a terminal: CJK and fullwidth characters count two, combining marks zero.</summary>
    public static int DisplayWidth(string s)
    {
        int w = 0;
        foreach (var r in s.EnumerateRunes()) w += RuneWidth(r.Value);
        return w;
    }

    private static int RuneWidth(int cp)
    {
        if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return 0;
        if (cp < 0x300) return 1;
        if ((cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0xFE00 && cp <= 0xFE0F)
            || (cp >= 0x3099 && cp <= 0x309A)) return 0;
        if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) || (cp >= 0x3041 && cp <= 0x33FF)
            || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF)
            || (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F)
            || (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F)
            || (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
            return 2;
        return 1;
    }

    public static string PadRightDisplay(string s, int width)
    {
        int pad = width - DisplayWidth(s);
        return pad > 0 ? s + new string(' ', pad) : s;
    }

    public static string PadLeftDisplay(string s, int width)
    {
        int pad = width - DisplayWidth(s);
        return pad > 0 ? new string(' ', pad) + s : s;
    }
}
