using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace SegVerify.Cli.Tests.Siem;

/// <summary>Helpers shared by the syslog tests: free ports, octet-counted frame parsing, RFC 5424 header parsing.</summary>
internal static partial class SyslogTestSupport
{
    public static int FreeTcpPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Splits an RFC 6587 octet-counted byte stream into messages; throws on a bad frame.</summary>
    public static List<string> SplitFrames(byte[] data)
    {
        var list = new List<string>();
        int i = 0;
        while (i < data.Length)
        {
            int sp = Array.IndexOf(data, (byte)' ', i);
            if (sp < 0) throw new FormatException($"no SP after the length at {i}");
            int len = int.Parse(Encoding.ASCII.GetString(data, i, sp - i));
            if (sp + 1 + len > data.Length) throw new FormatException($"frame at {i} runs past the data");
            list.Add(Encoding.UTF8.GetString(data, sp + 1, len));
            i = sp + 1 + len;
        }
        return list;
    }

    public sealed record Parsed(int Pri, string Timestamp, string Host, string App, string ProcId, string MsgId, Dictionary<string, string> Sd, string Msg);

    [GeneratedRegex("""^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) \[segverify@32473((?: [a-z_]+="(?:[^"\\\]]|\\["\\\]])*")*)\] (.*)$""", RegexOptions.Singleline)]
    private static partial Regex Header();

    [GeneratedRegex(@"([a-z_]+)=""((?:[^""\\\]]|\\[""\\\]])*)""")]
    private static partial Regex Param();

    public static Parsed Parse(string message)
    {
        var m = Header().Match(message);
        if (!m.Success) throw new FormatException("not an RFC 5424 message with segverify structured data: " + message);
        var sd = new Dictionary<string, string>();
        foreach (Match p in Param().Matches(m.Groups[7].Value))
            sd[p.Groups[1].Value] = Regex.Replace(p.Groups[2].Value, """\\(["\\\]])""", "$1");
        return new Parsed(int.Parse(m.Groups[1].Value), m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value, m.Groups[5].Value, m.Groups[6].Value, sd, m.Groups[8].Value);
    }

    /// <summary>The JSON Lines of a run, less the summary (what is sent to syslog).</summary>
    public static List<string> FindingLines(string jsonl) =>
        jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("{\"event\":\"summary\"")).ToList();

    public static string SummaryLine(string jsonl) =>
        jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single(l => l.StartsWith("{\"event\":\"summary\""));
}
