using System.CommandLine;
using System.Text.RegularExpressions;

namespace SegVerify.Cli.Help;

/// <summary>
/// The Japanese of the command line itself: every command's, option's and argument's description (looked up by its
/// English text, so a new option without a translation is found by a test that walks the whole command tree), the
/// help layout's own words, and System.CommandLine's argument errors (its English message templates, matched).
/// </summary>
public static partial class JapaneseText
{
    /// <summary>English description to Japanese. Descriptions built at run time are matched by their pattern in <see cref="Patterns"/>.</summary>
    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        // root and built-in options
        ["SegVerify: network segmentation verifier for 三層の対策 / three-tier separation"] = "SegVerify: 三層の対策（ネットワーク分離）の検証ツール",
        ["Show help and usage information"] = "ヘルプと使い方を表示する",
        ["Show version information"] = "バージョン情報を表示する",
        // common options
        ["Output format: text, jsonl, sarif, junit, html (default: from the --output file's extension, .txt .jsonl/.json .sarif .xml/.junit .html; else text on a terminal, jsonl in a pipe)"]
            = "出力形式: text, jsonl, sarif, junit, html（既定: --output のファイルの拡張子 .txt .jsonl/.json .sarif .xml/.junit .html から。それ以外は端末なら text、パイプなら jsonl）",
        ["Write output to this file (default: standard output)"] = "出力をこのファイルに書く（既定: 標準出力）",
        ["Write the schema to this file, put in place only once complete (default: standard output)"] = "スキーマをこのファイルに書く。書き終えてから置き換える（既定: 標準出力）",
        ["Message language: ja or en (default: from the locale)"] = "メッセージの言語: ja または en（既定: ロケールから）",
        ["Print only findings and the summary, no progress"] = "検出結果と集計だけを表示し、進捗は表示しない",
        // replay
        ["Read pcap/pcapng captures and judge every flow against the topology"] = "pcap/pcapng キャプチャを読み、すべてのフローをトポロジーに照らして判定する",
        ["pcap or pcapng files, directories (every capture in them), or - for standard input; words after them that name no file form a tcpdump-style filter expression"]
            = "pcap/pcapng ファイル、ディレクトリ（中のすべてのキャプチャ）、または標準入力を表す -。その後のファイル名でない語は tcpdump 形式のフィルタ式になる",
        ["Topology file (YAML, format v1)"] = "トポロジーファイル（YAML、形式 v1）",
        ["Also write one \"flow\" event per flow"] = "フローごとに \"flow\" イベントも書く",
        ["Cap on live flows (oldest evicted and judged)"] = "同時に保持するフロー数の上限（超えると最も古いフローを判定して外す）",
        ["Seconds of silence that end a TCP flow"] = "TCP フローを終わりとみなす無通信の秒数",
        ["Seconds of silence that end a UDP/ICMP/other flow"] = "UDP/ICMP/その他のフローを終わりとみなす無通信の秒数",
        ["Do not compute the captures' SHA-256 (the summary then has \"sha256\": null); for throughput runs on captures whose hashes are already on record"]
            = "キャプチャの SHA-256 を計算しない（集計の \"sha256\" は null）。ハッシュが記録済みのキャプチャで処理速度を測るとき用",
        ["Progress on standard error: auto (only when it is a terminal, not in CI, not with --quiet), always or never"]
            = "標準エラーへの進捗表示: auto（端末のときだけ。CI と --quiet では出さない）、always、never",
        ["Analyse only the packets this tcpdump-style filter selects (e.g. 'tcp port 445'); the expression may also follow the captures, as with tcpdump"]
            = "この tcpdump 形式のフィルタが選ぶパケットだけを解析する（例: 'tcp port 445'）。tcpdump と同じく、式をキャプチャの後に書いてもよい",
        // monitor
        ["Capture live from an interface and report findings as they happen"] = "インターフェースから実時間で取り込み、検出をその場で報告する",
        ["Interface to capture from (the mirror/SPAN port)"] = "取り込むインターフェース（ミラー/SPAN ポート）",
        ["Topology file (YAML)"] = "トポロジーファイル（YAML）",
        ["Capture filter in tcpdump syntax after the options, as with tcpdump -i (e.g. tcp port 445); the same as --bpf"]
            = "オプションの後に書く tcpdump 形式のキャプチャフィルタ（tcpdump -i と同じ。例: tcp port 445）。--bpf と同じ",
        ["Bytes kept of each packet"] = "各パケットで保持するバイト数",
        ["Stop after this many seconds (default: until SIGINT/SIGTERM)"] = "この秒数で終了する（既定: SIGINT/SIGTERM まで）",
        ["Seconds between statistics lines on standard error (0: none)"] = "標準エラーに統計を出す間隔の秒数（0: 出さない）",
        ["Serve Prometheus metrics at ADDRESS:PORT (loopback, e.g. 127.0.0.1:9464)"] = "Prometheus のメトリクスを ADDRESS:PORT で公開する（ループバック。例: 127.0.0.1:9464）",
        ["Allow --metrics on a non-loopback address"] = "ループバック以外のアドレスでの --metrics を許可する",
        ["Also write an \"event\":\"flow\" record for every flow"] = "フローごとに \"event\":\"flow\" のレコードも書く",
        ["How to capture: auto (Linux: the kernel's TPACKET_V3 ring read in place; elsewhere libpcap), tpacket or libpcap"]
            = "取り込み方式: auto（Linux ではカーネルの TPACKET_V3 リングを直接読む。他では libpcap）、tpacket、libpcap",
        ["Read a capture file through the live pipeline instead of an interface (testing)"] = "インターフェースの代わりにキャプチャファイルを実時間の処理経路で読む（試験用）",
        // evidence
        ["Directory for a pcap of each flow with a finding (named by its Community ID) and of each frame-level finding's frame"] = "検出のあったフローごとの pcap（ファイル名は Community ID）とフレーム単位の検出のフレームの pcap を書くディレクトリ",
        ["Packets kept per flow for --evidence"] = "--evidence でフローごとに保持するパケット数",
        ["Evidence files written at most per run (the findings past it are counted in the summary)"] = "1 回の実行で書く証拠ファイルの上限（超えた検出は集計で数える）",
        ["MiB of packets buffered at most for --evidence over all open flows (the packets past it are counted in the summary)"]
            = "--evidence のため全フローで保持するパケットの上限 (MiB)（超えたパケットは集計で数える）",
        // check-firewall
        ["Report every packet class a firewall ruleset accepts and the policy forbids"] = "ファイアウォールのルールセットが許可し、ポリシーが禁じるパケットの種類をすべて報告する",
        ["Ruleset: iptables-save / ip6tables-save output, nft list ruleset text, or a FortiGate configuration (show full-configuration)"]
            = "ルールセット: iptables-save / ip6tables-save の出力、nft list ruleset の出力、または FortiGate の設定（show full-configuration）",
        ["Which firewalls: entry maps interfaces to zones (needed when there are several)"] = "インターフェースとゾーンの対応に使う firewalls: の項目（複数あるときは必須）",
        ["FortiOS: the VDOM whose policies are checked (default root)"] = "FortiOS: ポリシーを検査する VDOM（既定 root）",
        ["ipset save dump giving the contents of sets used by -m set"] = "-m set が使う集合の中身を与える ipset save の出力",
        ["Also report every allow rule and sanitisation path the ruleset blocks"] = "ルールセットが遮断している allow ルールと無害化経路もすべて報告する",
        ["Trace one packet: \"tcp 10.1.1.11:40000 -> 10.2.0.60:445 in eth0 out eth1 [mac MAC] [state new|established]\""]
            = "パケット 1 つの経路をたどる: \"tcp 10.1.1.11:40000 -> 10.2.0.60:445 in eth0 out eth1 [mac MAC] [state new|established]\"",
        ["Trace every probe in this file (one a line)"] = "このファイルのすべての probe（1 行に 1 つ）の経路をたどる",
        ["Skip the shadowed-rule analysis"] = "隠れたルール（shadowed rule）の解析を省く",
        ["Date-time (UTC, ISO 8601) used to decide whether allow rules have expired (default: now)"] = "allow ルールの期限切れを判断する日時（UTC、ISO 8601。既定: 現在）",
        // collect
        ["Receive NetFlow v5/v9 and IPFIX flow records and judge every flow against the topology"] = "NetFlow v5/v9 と IPFIX のフローレコードを受け取り、すべてのフローをトポロジーに照らして判定する",
        ["pcap/pcapng captures of export traffic (UDP NetFlow/IPFIX packets) to read instead of listening"] = "受信する代わりに読む、エクスポート通信（UDP の NetFlow/IPFIX パケット）の pcap/pcapng キャプチャ",
        ["Stop listening after this many seconds (default: until SIGINT/SIGTERM)"] = "この秒数で受信を終える（既定: SIGINT/SIGTERM まで）",
        ["Seconds a one-way record waits for the record of the other direction"] = "片方向のレコードが逆方向のレコードを待つ秒数",
        ["Seconds after which a template not refreshed is forgotten (0: never)"] = "更新されないテンプレートを破棄するまでの秒数（0: 破棄しない）",
        // archive, audit, syslog
        ["Also write every flow record as Parquet files under DIR/date=YYYY-MM-DD/sensor=NAME/ (query with segverify report --archive)"]
            = "すべてのフローを Parquet ファイルとして DIR/date=YYYY-MM-DD/sensor=NAME/ にも書く（segverify report --archive で集計）",
        ["Sensor name for --archive (A-Z a-z 0-9 . _ -, at most 64; default: the host name)"] = "--archive のセンサー名（A-Z a-z 0-9 . _ -、64 文字まで。既定: ホスト名）",
        ["Also append every finding to this tamper-evident log (hash-chained JSON Lines; check it with 'segverify audit verify')"]
            = "すべての検出を改ざん検知できるログ（ハッシュチェーンの JSON Lines）にも追記する（'segverify audit verify' で検査）",
        ["Work with audit logs written by --audit-log / 監査ログの操作"] = "--audit-log で書いた監査ログの操作",
        ["Check that an audit log is intact: exit 0, or 1 naming the first altered, inserted or deleted record / 監査ログの改ざんを検査する"]
            = "監査ログの改ざんを検査する: 無傷なら終了コード 0、改変・挿入・削除があれば最初のレコードを示して 1",
        ["The audit log (written by --audit-log)"] = "監査ログ（--audit-log で書いたもの）",
        ["Also send every finding to a syslog server (RFC 5424, octet-counted): tcp://HOST:PORT or tls://HOST:PORT"]
            = "すべての検出を syslog サーバーにも送る（RFC 5424、オクテットカウント）: tcp://HOST:PORT または tls://HOST:PORT",
        ["PEM file of the CA certificates that the tls:// server's certificate must chain to (default: the system's)"]
            = "tls:// サーバーの証明書を検証する CA 証明書の PEM ファイル（既定: システムのもの）",
        ["Messages held while the syslog server is slow or away; more are dropped and counted"] = "syslog サーバーが遅いか不在の間に保持するメッセージ数。超えた分は捨てて数える",
        ["Seconds to wait at the end of the run for queued messages to be delivered"] = "実行の終わりに、待ち行列のメッセージが届くのを待つ秒数",
        // report
        ["Query a flow archive (Parquet, written by --archive) with embedded DuckDB / フローアーカイブの集計"] = "フローアーカイブ（--archive で書いた Parquet）を組み込みの DuckDB で集計する",
        ["The archive directory written by replay/monitor/collect --archive"] = "replay/monitor/collect --archive で書いたアーカイブのディレクトリ",
        ["First date (UTC, YYYY-MM-DD) to include"] = "含める最初の日付（UTC、YYYY-MM-DD）",
        ["Last date (UTC, YYYY-MM-DD) to include"] = "含める最後の日付（UTC、YYYY-MM-DD）",
        ["Only this sensor"] = "このセンサーだけ",
        ["Rows of the top crossing talkers"] = "領域をまたぐ通信量上位の表示行数",
        ["Output format: text or jsonl (default: text on a terminal, jsonl in a pipe)"] = "出力形式: text または jsonl（既定: 端末なら text、パイプなら jsonl）",
        // topology
        ["Work with topology files / トポロジーファイルの操作"] = "トポロジーファイルの操作",
        ["Load a topology and print its zones and effective tier matrix, or every error (exit 2) / トポロジーを検証する"]
            = "トポロジーを読み込み、ゾーンと実効的な層間の許可表、またはすべての誤り（終了コード 2）を表示する",
        ["The topology file (YAML, format v1)"] = "トポロジーファイル（YAML、形式 v1）",
        ["Date-time (UTC, ISO 8601) from which allow rules count as expired or expiring within 30 days (default: now) / 期限判定の基準日時"]
            = "allow ルールが期限切れか 30 日以内に期限切れになるかを判断する基準日時（UTC、ISO 8601。既定: 現在）",
        ["Print the JSON Schema of the topology format v1 (for editors; also topologies/topology.schema.json) / トポロジー形式の JSON Schema を出力する"]
            = "トポロジー形式 v1 の JSON Schema を出力する（エディタ用。topologies/topology.schema.json と同じ）",
    };

    /// <summary>Descriptions with a part computed at run time: pattern and replacement.</summary>
    private static readonly (Regex Pattern, string Japanese)[] Patterns =
    [
        (new Regex(@"^(?<list>[a-z0-9, ]+) \(guessed from the file when omitted\)$"), "${list}（省略時はファイルから推定）"),
        (new Regex(@"^Receive export packets on udp://ADDRESS:PORT \(default (?<d>[^;]+); loopback unless an address is given\)$"),
            "udp://ADDRESS:PORT でエクスポートパケットを受信する（既定 ${d}。アドレスを指定しなければループバック）"),
    ];

    /// <summary>The Japanese of one description, or null when there is none.</summary>
    public static string? Description(string? english)
    {
        if (string.IsNullOrEmpty(english)) return null;
        if (Descriptions.TryGetValue(english, out var ja)) return ja;
        foreach (var (p, rep) in Patterns)
            if (p.IsMatch(english)) return p.Replace(english, rep);
        return null;
    }

    /// <summary>Puts every description of the command tree under <paramref name="root"/> into Japanese.</summary>
    public static void Translate(Command root)
    {
        foreach (var s in Symbols(root))
            if (Description(s.Description) is { } ja) s.Description = ja;
    }

    /// <summary>The descriptions in the tree that have no Japanese (for the test that keeps the table complete).</summary>
    public static IEnumerable<string> Missing(Command root) =>
        Symbols(root).Where(s => !string.IsNullOrEmpty(s.Description) && !s.Hidden && Description(s.Description) is null)
            .Select(s => $"{s.Name}: {s.Description}").Distinct();

    private static IEnumerable<Symbol> Symbols(Command c)
    {
        yield return c;
        foreach (var o in c.Options) yield return o;
        foreach (var a in c.Arguments) yield return a;
        foreach (var sub in c.Subcommands)
            foreach (var s in Symbols(sub))
                yield return s;
    }

    /// <summary>The help layout's own words (System.CommandLine's English resources) in Japanese.</summary>
    public static string HelpWords(string help)
    {
        var sb = new System.Text.StringBuilder(help.Length);
        foreach (var line in help.Split('\n'))
        {
            string l = line switch
            {
                "Description:" => "説明:",
                "Usage:" => "使い方:",
                "Arguments:" => "引数:",
                "Options:" => "オプション:",
                "Commands:" => "コマンド:",
                "Additional Arguments:" => "追加の引数:",
                _ => line,
            };
            // " (REQUIRED)" takes 11 columns, " （必須）" 9: two spaces keep the second column aligned
            l = l.Replace(" (REQUIRED)", " （必須）  ", StringComparison.Ordinal)
                .Replace("[default: ", "[既定値: ", StringComparison.Ordinal)
                .Replace(" [options]", " [オプション]", StringComparison.Ordinal)
                .Replace(" [command]", " [コマンド]", StringComparison.Ordinal);
            sb.Append(l).Append('\n');
        }
        sb.Length--; // the split added one newline too many
        return sb.ToString();
    }

    /// <summary>System.CommandLine's argument error messages (its English templates) in Japanese; others unchanged.</summary>
    public static string ParseError(string message)
    {
        foreach (var (p, ja) in Errors)
        {
            var m = p.Match(message);
            if (m.Success) return m.Result(ja);
        }
        return message;
    }

    private static readonly (Regex Pattern, string Japanese)[] Errors =
    [
        (new Regex(@"^Unrecognized command or argument '(.*)'\.$", RegexOptions.Singleline), "認識できないコマンドまたは引数です: '$1'"),
        (new Regex(@"^Option '(.*)' is required\.$", RegexOptions.Singleline), "オプション '$1' は必須です"),
        (new Regex(@"^Required argument missing for command: '(.*)'\.$", RegexOptions.Singleline), "コマンド '$1' に必要な引数がありません"),
        (new Regex(@"^Required argument missing for option: '(.*)'\.$", RegexOptions.Singleline), "オプション '$1' に値がありません"),
        (new Regex(@"^Required command was not provided\.$", RegexOptions.Singleline), "コマンドを指定してください"),
        (new Regex(@"^Argument '(.*)' not recognized\. Must be one of:(.*)$", RegexOptions.Singleline), "'$1' は指定できません。次のいずれかを指定してください:$2"),
        (new Regex(@"^Cannot parse argument '(.*)' for option '(.*)' as expected type '(.*)'\.(?: Did you mean one of the following\?(.*))?$", RegexOptions.Singleline),
            "オプション '$2' の値 '$1' を解釈できません（期待する型: $3）$4"),
        (new Regex(@"^Cannot parse argument '(.*)' for command '(.*)' as expected type '(.*)'\.(?: Did you mean one of the following\?(.*))?$", RegexOptions.Singleline),
            "コマンド '$2' の引数 '$1' を解釈できません（期待する型: $3）$4"),
        (new Regex(@"^Cannot parse argument '(.*)' as expected type '(.*)'\.$", RegexOptions.Singleline), "引数 '$1' を解釈できません（期待する型: $2）"),
        (new Regex(@"^Option '(.*)' expects a single argument but (\d+) were provided\.$", RegexOptions.Singleline), "オプション '$1' には値を 1 つだけ指定してください（$2 個指定されています）"),
        (new Regex(@"^'(.*)' was not matched\. Did you mean one of the following\?(.*)$", RegexOptions.Singleline), "'$1' は一致しません。次のいずれかのつもりですか?$2"),
        (new Regex(@"^Response file not found '(.*)'\.$", RegexOptions.Singleline), "応答ファイルが見つかりません: '$1'"),
        (new Regex(@"^Error reading response file '(.*)': (.*)$", RegexOptions.Singleline), "応答ファイル '$1' を読めません: $2"),
        (new Regex(@"^File does not exist: '(.*)'\.$", RegexOptions.Singleline), "ファイルがありません: '$1'"),
        (new Regex(@"^Directory does not exist: '(.*)'\.$", RegexOptions.Singleline), "ディレクトリがありません: '$1'"),
        (new Regex(@"^File or directory does not exist: '(.*)'\.$", RegexOptions.Singleline), "ファイルまたはディレクトリがありません: '$1'"),
        (new Regex(@"^(.*) option cannot be combined with other arguments\.$", RegexOptions.Singleline), "$1 オプションは他の引数と一緒に使えません"),
    ];
}
