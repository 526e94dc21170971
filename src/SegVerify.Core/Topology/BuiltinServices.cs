using SegVerify.Core.Net;

namespace SegVerify.Core.Topology;

/// <summary>The services every topology knows without declaring them (format v1).</summary>
public static class BuiltinServices
{
    public static readonly IReadOnlyDictionary<string, string[]> Definitions = new Dictionary<string, string[]>
    {
        ["dns"] = ["udp/53", "tcp/53"],
        ["ntp"] = ["udp/123"],
        ["http"] = ["tcp/80"],
        ["https"] = ["tcp/443"],
        ["http-proxy"] = ["tcp/8080", "tcp/3128"],
        ["smtp"] = ["tcp/25"],
        ["submission"] = ["tcp/587"],
        ["smtps"] = ["tcp/465"],
        ["imap"] = ["tcp/143", "tcp/993"],
        ["pop3"] = ["tcp/110", "tcp/995"],
        ["smb"] = ["tcp/445", "tcp/139"],
        ["rdp"] = ["tcp/3389", "udp/3389"],
        ["ica"] = ["tcp/1494", "tcp/2598", "udp/1494", "udp/2598"],
        ["blast"] = ["tcp/8443", "udp/8443", "tcp/22443", "udp/22443"],
        ["pcoip"] = ["tcp/4172", "udp/4172"],
        ["ssh"] = ["tcp/22"],
        ["telnet"] = ["tcp/23"],
        ["ftp"] = ["tcp/21"],
        ["ldap"] = ["tcp/389", "tcp/636"],
        ["kerberos"] = ["tcp/88", "udp/88"],
        ["syslog"] = ["udp/514", "tcp/514", "tcp/6514"],
        ["snmp"] = ["udp/161", "udp/162"],
        ["icmp"] = ["icmp"],
    };

    /// <summary>
    /// Parses one service entry: <c>tcp/443</c>, <c>udp/1000-2000</c>, <c>icmp</c>, <c>icmpv6</c>, <c>sctp/9</c>.
    /// Returns null and an explanation when the text is not an entry.
    /// </summary>
    public static ServiceEntry? TryParseEntry(string text, out string? error)
    {
        error = null;
        var s = text.Trim().ToLowerInvariant();
        if (s is "icmp" or "icmpv6" or "icmp6") return new ServiceEntry(IpProto.Icmp, 0, 0);
        int slash = s.IndexOf('/');
        if (slash < 0)
        {
            error = "expected proto/port, proto/low-high or icmp (e.g. tcp/443, udp/1000-2000)";
            return null;
        }
        byte proto;
        switch (s[..slash])
        {
            case "tcp": proto = IpProto.Tcp; break;
            case "udp": proto = IpProto.Udp; break;
            case "sctp": proto = IpProto.Sctp; break;
            default: error = $"unknown protocol '{s[..slash]}' (expected tcp, udp, sctp or icmp)"; return null;
        }
        var ports = s[(slash + 1)..];
        int dash = ports.IndexOf('-');
        if (dash < 0)
        {
            if (!ushort.TryParse(ports, out var p)) { error = $"port '{ports}' is not a number 0-65535"; return null; }
            return new ServiceEntry(proto, p, p);
        }
        if (!ushort.TryParse(ports[..dash], out var lo) || !ushort.TryParse(ports[(dash + 1)..], out var hi))
        {
            error = $"port range '{ports}' is not low-high with numbers 0-65535";
            return null;
        }
        if (lo > hi) { error = $"port range '{ports}' has low > high"; return null; }
        return new ServiceEntry(proto, lo, hi);
    }

    /// <summary>All built-ins as parsed sets.</summary>
    public static Dictionary<string, ServiceSet> Create()
    {
        var d = new Dictionary<string, ServiceSet>(StringComparer.Ordinal);
        foreach (var (name, entries) in Definitions)
            d[name] = new ServiceSet(name, entries.Select(e => TryParseEntry(e, out _)!.Value).ToArray());
        return d;
    }
}
