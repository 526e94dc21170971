using System.CommandLine;
using System.Net;
using SegVerify.Core.Capture;
using SegVerify.Core.Capture.Filter;

namespace SegVerify.Cli.Commands;

/// <summary>
/// replay's capture filter: <c>--bpf EXPR</c>, or tcpdump's way, the words after the capture paths
/// (<c>segverify replay cap.pcap -t city.yaml tcp port 445</c>). The positional words that name an existing file or
/// directory (or <c>-</c>) are captures; the first word that names none starts the expression, and every word after
/// it belongs to it. A first such word that looks like a capture path (a capture extension such as <c>.pcap</c>, or
/// a '/' that is not part of an address prefix) is reported as a missing capture, not compiled as a filter.
/// </summary>
public sealed class CaptureFilterArgs
{
    public Option<string?> Bpf { get; } = new("--bpf")
    {
        Description = "Analyse only the packets this tcpdump-style filter selects (e.g. 'tcp port 445'); the expression may also follow the captures, as with tcpdump",
    };

    public void AddTo(Command c) => c.Options.Add(Bpf);

    /// <summary>
    /// Splits the positional words into captures and a trailing expression, joins it with --bpf and compiles it.
    /// False (message written, exit 2) for a missing capture, both kinds of filter at once, or a bad expression.
    /// </summary>
    public bool TryResolve(ParseResult pr, IReadOnlyList<string> words, string lang, TextWriter stderr,
        out List<string> captures, out CaptureFilter? filter)
    {
        bool ja = lang == "ja";
        filter = null;
        captures = [];
        int i = 0;
        for (; i < words.Count; i++)
        {
            var w = words[i];
            if (w == CaptureOpener.StdinName || File.Exists(w) || Directory.Exists(w)) captures.Add(w);
            else break;
        }
        var trailing = words.Skip(i).ToList();
        if (trailing.Count > 0 && (captures.Count == 0 || LooksLikeCapturePath(trailing[0])))
        {
            stderr.WriteLine(ja
                ? $"segverify: キャプチャファイルまたはディレクトリが見つかりません: {trailing[0]}"
                : $"segverify: capture file or directory not found: {trailing[0]}");
            if (captures.Count == 0 && trailing.Count > 1)
                stderr.WriteLine(ja
                    ? "segverify: キャプチャファイルを先に、フィルタ式をその後に書いてください (例: segverify replay cap.pcap -t city.yaml tcp port 445)"
                    : "segverify: give the capture files first, then the filter expression (e.g. segverify replay cap.pcap -t city.yaml tcp port 445)");
            return false;
        }
        if (!TryJoin(pr, trailing, lang, stderr, out var expression)) return false;
        if (expression is null) return true;
        return TryCompile(expression, lang, stderr, fromTrailingWords: trailing.Count > 0, out filter);
    }

    /// <summary>
    /// The filter expression: --bpf, or the <paramref name="trailing"/> words joined by spaces; null for none (an
    /// empty expression selects every packet, as in tcpdump). False (message written) when both are given.
    /// </summary>
    public bool TryJoin(ParseResult pr, IReadOnlyList<string> trailing, string lang, TextWriter stderr, out string? expression)
    {
        string? bpf = pr.GetValue(Bpf);
        string? words = trailing.Count > 0 ? string.Join(' ', trailing) : null;
        expression = null;
        if (bpf is not null && words is not null)
        {
            stderr.WriteLine(lang == "ja"
                ? $"segverify: フィルタは --bpf か末尾の式のどちらか一方で指定してください (--bpf '{bpf}' と '{words}')"
                : $"segverify: give the filter either with --bpf or as the trailing expression, not both (--bpf '{bpf}' and '{words}')");
            return false;
        }
        expression = words ?? bpf;
        if (string.IsNullOrWhiteSpace(expression)) expression = null;
        return true;
    }

    /// <summary>Compiles <paramref name="expression"/>; false with libpcap's message (exit 2) when it is refused.</summary>
    public static bool TryCompile(string expression, string lang, TextWriter stderr, bool fromTrailingWords, out CaptureFilter? filter)
    {
        bool ja = lang == "ja";
        filter = null;
        try
        {
            filter = CaptureFilter.Create(expression);
            return true;
        }
        catch (CaptureFilterException ex)
        {
            stderr.WriteLine(ja
                ? $"segverify: フィルタ式 '{expression}' が正しくありません: {ex.Detail}"
                : $"segverify: bad filter expression '{expression}': {ex.Detail}");
            string first = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            if (fromTrailingWords && !IsFilterWord(first))
            {
                stderr.WriteLine(ja
                    ? $"segverify: (キャプチャの後の語はフィルタ式として読みます。'{first}' がキャプチャファイルのつもりなら、そのファイルはありません)"
                    : $"segverify: (the words after the captures are read as a filter expression; if '{first}' is meant as a capture file, it does not exist)");
            }
            return false;
        }
        catch (LibpcapMissingException)
        {
            stderr.WriteLine(ja
                ? "segverify: フィルタ式を使うには libpcap が必要です (Debian/Ubuntu: apt-get install libpcap0.8)"
                : "segverify: a filter expression needs libpcap (Debian/Ubuntu: apt-get install libpcap0.8)");
            return false;
        }
    }

    /// <summary>The words a tcpdump expression can start with (pcap-filter(7)); used only to word an error.</summary>
    private static readonly HashSet<string> FilterKeywords = new(StringComparer.Ordinal)
    {
        "dst", "src", "host", "net", "port", "portrange", "proto", "protochain", "gateway", "ether", "fddi", "tr", "wlan",
        "ip", "ip6", "arp", "rarp", "decnet", "tcp", "udp", "icmp", "icmp6", "sctp", "igmp", "igrp", "pim", "vrrp", "carp",
        "ah", "esp", "less", "greater", "broadcast", "multicast", "not", "no", "vlan", "mpls", "pppoed", "pppoes",
        "geneve", "vxlan", "iso", "clnp", "esis", "isis", "l1", "l2", "iih", "lsp", "snp", "csnp", "psnp", "atalk", "aarp",
        "lat", "moprc", "mopdl", "sca", "stp", "ipx", "netbeui", "link", "ppp", "slip", "inbound", "outbound", "ifindex",
        "llc", "type", "subtype", "dir", "radio", "len", "ra", "ta", "addr1", "addr2", "addr3", "addr4", "ifname", "on",
        "rnr", "rulenum", "reason", "rset", "srnr", "subrulenum", "action",
    };

    /// <summary>Whether <paramref name="word"/> can start a filter expression: a keyword, '(' or '!', a number or an address.</summary>
    private static bool IsFilterWord(string word) =>
        FilterKeywords.Contains(word.ToLowerInvariant())
        || word.Length > 0 && (word[0] is '(' or '!' || char.IsAsciiDigit(word[0]))
        || word.Contains(':') || word.Contains('[');

    /// <summary>
    /// Whether a word that names no file is more likely a mistyped capture than a filter word: a capture extension
    /// (.pcap, .pcapng, .cap, ...), or a '/' that is neither an address prefix's (10.0.0.0/8, 2001:db8::/32) nor a
    /// division in an expression (ip[2:2]/4).
    /// </summary>
    public static bool LooksLikeCapturePath(string word)
    {
        foreach (var ext in CaptureOpener.CaptureExtensions)
            if (word.EndsWith(ext, StringComparison.OrdinalIgnoreCase) || word.EndsWith(ext + ".gz", StringComparison.OrdinalIgnoreCase))
                return true;
        int slash = word.IndexOf('/');
        if (slash < 0 || word.AsSpan().IndexOfAny("[]()&|=<>!*+") >= 0) return false; // arithmetic: ip[2:2]/4

        return !(IPAddress.TryParse(word.AsSpan(0, slash), out _) && int.TryParse(word.AsSpan(slash + 1), out _));
    }
}
