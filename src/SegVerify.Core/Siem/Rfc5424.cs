using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace SegVerify.Core.Siem;

/// <summary>
/// Builds one RFC 5424 syslog message in RFC 6587 octet-counted framing (<c>LEN SP MSG</c>):
/// <c>&lt;PRI&gt;1 TIMESTAMP HOSTNAME segverify PROCID MSGID [segverify@32473 ...] JSON</c>.
/// The structured data carries the finding's rule (or a flow's verdict), severity and Community ID; MSG is the
/// finding's JSON Lines object, byte for byte, without a BOM so that a SIEM's JSON parser reads it as is.
/// </summary>
public static class Rfc5424
{
    /// <summary>The SD-ID: 32473 is the enterprise number RFC 5612 reserves for documentation and examples.</summary>
    public const string SdId = "segverify@32473";

    /// <summary>Facility local0 (16).</summary>
    public const int Facility = 16;

    public const string AppName = "segverify";

    /// <summary>Syslog severities: a violation is an error (3), a warning a warning (4), a flow record informational (6).</summary>
    public static int SeverityCode(string eventName) => eventName switch
    {
        "violation" => 3,
        "warning" => 4,
        _ => 6,
    };

    /// <summary>Appends one framed message to <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, DateTime nowUtc, string hostname, int procId, string eventName,
                             IReadOnlyList<KeyValuePair<string, string>> sdParams, ReadOnlySpan<byte> json)
    {
        var body = new ArrayBufferWriter<byte>(256 + json.Length);
        int pri = Facility * 8 + SeverityCode(eventName);
        Ascii(body, "<");
        Number(body, pri);
        Ascii(body, ">1 ");
        Ascii(body, nowUtc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        Ascii(body, " ");
        Ascii(body, HeaderField(hostname, 255));
        Ascii(body, " " + AppName + " ");
        Number(body, procId);
        Ascii(body, " ");
        Ascii(body, HeaderField(eventName, 32));
        Ascii(body, " [" + SdId);
        foreach (var (name, value) in sdParams)
        {
            Ascii(body, " " + name + "=\"");
            Utf8(body, EscapeParam(value));
            Ascii(body, "\"");
        }
        Ascii(body, "] ");
        body.Write(json);

        Number(output, body.WrittenCount);
        Ascii(output, " ");
        output.Write(body.WrittenSpan);
    }

    /// <summary>PARAM-VALUE escaping (RFC 5424 6.3.3): '"', '\' and ']' are preceded by '\'.</summary>
    public static string EscapeParam(string value)
    {
        if (value.AsSpan().IndexOfAny("\"\\]") < 0) return value;
        var sb = new StringBuilder(value.Length + 8);
        foreach (char c in value)
        {
            if (c is '"' or '\\' or ']') sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>A header field: printable US-ASCII without spaces, at most <paramref name="max"/> characters; "-" when empty.</summary>
    public static string HeaderField(string s, int max)
    {
        var sb = new StringBuilder(Math.Min(s.Length, max));
        foreach (char c in s)
        {
            if (sb.Length == max) break;
            if (c is > (char)32 and < (char)127) sb.Append(c);
        }
        return sb.Length == 0 ? "-" : sb.ToString();
    }

    private static void Ascii(IBufferWriter<byte> w, string s)
    {
        var span = w.GetSpan(s.Length);
        for (int i = 0; i < s.Length; i++) span[i] = (byte)s[i];
        w.Advance(s.Length);
    }

    private static void Utf8(IBufferWriter<byte> w, string s)
    {
        var span = w.GetSpan(Encoding.UTF8.GetMaxByteCount(s.Length));
        w.Advance(Encoding.UTF8.GetBytes(s, span));
    }

    private static void Number(IBufferWriter<byte> w, int n)
    {
        var span = w.GetSpan(11);
        Utf8Formatter.TryFormat(n, span, out int written);
        w.Advance(written);
    }
}
