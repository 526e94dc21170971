using System.Text.RegularExpressions;

namespace SegVerify.Firewall.Dialects.FortiOS;

/// <summary>Recognises FortiOS CLI text (<c>config ...</c> / <c>edit</c> / <c>set</c> / <c>next</c> / <c>end</c>).</summary>
public static partial class FortiOsDetect
{
    [GeneratedRegex(@"^[ \t]*config[ \t]+(system|firewall|vpn|router|user|log|vdom|global|webfilter|antivirus|ips|application|switch-controller|wireless-controller|dnsfilter|endpoint-control|report|wanopt|web-proxy|icap|voip|dlp|emailfilter|certificate|alertemail|ftp-proxy|waf|authentication|spamfilter|gui|extender-controller)\b", RegexOptions.Multiline)]
    private static partial Regex ConfigRx();

    [GeneratedRegex(@"^[ \t]*(edit[ \t]+\S|set[ \t]+[a-z0-9-]+|next[ \t]*\r?$|end[ \t]*\r?$)", RegexOptions.Multiline)]
    private static partial Regex BodyRx();

    /// <summary>0 when the text is not FortiOS; otherwise grows with the number of FortiOS lines.</summary>
    public static int Score(string text)
    {
        int cfg = ConfigRx().Count(text);
        if (cfg == 0) return 0;
        int body = BodyRx().Count(text);
        return body == 0 ? 0 : cfg * 10 + body;
    }
}
