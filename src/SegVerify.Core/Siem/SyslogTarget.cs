namespace SegVerify.Core.Siem;

/// <summary>Where syslog messages go: <c>tcp://HOST:PORT</c> or <c>tls://HOST:PORT</c> (RFC 6587 / RFC 5425 transport).</summary>
public sealed record SyslogTarget(bool Tls, string Host, int Port)
{
    public override string ToString() => $"{(Tls ? "tls" : "tcp")}://{(Host.Contains(':') ? "[" + Host + "]" : Host)}:{Port}";

    /// <summary>Parses the --syslog value; null and an English/Japanese reason when it is not one.</summary>
    public static SyslogTarget? TryParse(string text, string lang, out string? error)
    {
        error = null;
        bool tls;
        string rest;
        if (text.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase)) { tls = false; rest = text[6..]; }
        else if (text.StartsWith("tls://", StringComparison.OrdinalIgnoreCase)) { tls = true; rest = text[6..]; }
        else
        {
            error = lang == "ja"
                ? $"--syslog は tcp://ホスト:ポート または tls://ホスト:ポート で指定してください: {text}"
                : $"--syslog must be tcp://HOST:PORT or tls://HOST:PORT: {text}";
            return null;
        }
        rest = rest.TrimEnd('/');
        string host;
        string portText;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']');
            if (close < 0 || close + 1 >= rest.Length || rest[close + 1] != ':') { error = BadHostPort(text, lang); return null; }
            host = rest[1..close];
            portText = rest[(close + 2)..];
        }
        else
        {
            int colon = rest.LastIndexOf(':');
            if (colon <= 0 || rest.IndexOf(':') != colon) { error = BadHostPort(text, lang); return null; }
            host = rest[..colon];
            portText = rest[(colon + 1)..];
        }
        if (host.Length == 0 || !int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            error = BadHostPort(text, lang);
            return null;
        }
        return new SyslogTarget(tls, host, port);
    }

    private static string BadHostPort(string text, string lang) => lang == "ja"
        ? $"--syslog のホストまたはポート (1〜65535) が正しくありません: {text}"
        : $"--syslog needs a host and a port from 1 to 65535: {text}";
}
