using System.Diagnostics;
using SegVerify.Cli.Help;
using SegVerify.Tests.Common;
using Xunit;
using static SegVerify.Cli.Tests.InProcessCli;

namespace SegVerify.Cli.Tests;

/// <summary>--help and argument errors in Japanese under --lang ja or a ja locale.</summary>
public class JapaneseCommandLineTests
{
    [Fact]
    public void Every_command_option_and_argument_has_a_japanese_description()
    {
        var missing = JapaneseText.Missing(Program.CreateRoot(TextWriter.Null, TextWriter.Null)).ToList();
        Assert.True(missing.Count == 0, "descriptions without Japanese (add them to JapaneseText):\n" + string.Join("\n", missing));
    }

    [Theory]
    [InlineData("")]
    [InlineData("replay")]
    [InlineData("monitor")]
    [InlineData("check-firewall")]
    [InlineData("collect")]
    [InlineData("topology")]
    [InlineData("topology validate")]
    [InlineData("audit verify")]
    [InlineData("report")]
    public void Help_is_japanese_for_every_command(string command)
    {
        var (exit, stdout, stderr) = Run([.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help", "--lang", "ja"]);
        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
        Assert.Contains("説明:", stdout);
        Assert.Contains("使い方:", stdout);
        Assert.Contains("オプション:", stdout);
        Assert.Contains("ヘルプと使い方を表示する", stdout);
        foreach (var english in new[] { "Description:", "Usage:", "Options:", "Arguments:", "Commands:", "(REQUIRED)", "[default:", "Show help", "[options]" })
            Assert.DoesNotContain(english, stdout);
    }

    [Fact]
    public void Replay_help_in_japanese_says_what_each_option_does()
    {
        var (_, stdout, _) = Run("replay", "--help", "--lang", "ja");
        Assert.Contains("pcap/pcapng キャプチャを読み、すべてのフローをトポロジーに照らして判定する", stdout);
        Assert.Matches(@"-t, --topology <topology> （必須）\s+トポロジーファイル（YAML、形式 v1）", stdout);
        Assert.Matches(@"--max-flows <max-flows>\s+同時に保持するフロー数の上限（超えると最も古いフローを判定して外す） \[既定値: 1000000\]", stdout);
        Assert.Contains("この tcpdump 形式のフィルタが選ぶパケットだけを解析する", stdout);
        Assert.Matches(@" replay <capture>\.\.\. \[オプション\]", stdout);
        var (_, english, _) = Run("replay", "--help", "--lang", "en");
        Assert.Contains("Usage:", english);
        Assert.Contains("Topology file (YAML, format v1)", english);
    }

    [Fact]
    public void Argument_errors_are_japanese_and_exit_2()
    {
        var (exit, stdout, stderr) = Run("replay", "--lang", "ja");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("segverify: オプション '--topology' は必須です", stderr);
        Assert.Contains("segverify: コマンド 'replay' に必要な引数がありません", stderr);
        Assert.Contains("segverify: 使い方は 'segverify replay --help' を参照してください", stderr);

        (exit, _, stderr) = Run("replay", "x.pcap", "-t", "t.yaml", "--lang", "ja", "--max-flows", "many");
        Assert.Equal(2, exit);
        Assert.Contains("segverify: オプション '--max-flows' の値 'many' を解釈できません（期待する型: System.Int32）", stderr);

        (exit, _, stderr) = Run("replay", "x.pcap", "-t", "t.yaml", "--lang", "ja", "--format", "xml");
        Assert.Equal(2, exit);
        Assert.Contains("segverify: 'xml' は指定できません。次のいずれかを指定してください:", stderr);

        (exit, _, stderr) = Run("--lang", "ja", "replya");
        Assert.Equal(2, exit);
        Assert.Contains("segverify: 認識できないコマンドまたは引数です: 'replya'", stderr);
        Assert.Contains("segverify: 使い方は 'segverify --help' を参照してください", stderr);

        (exit, _, stderr) = Run("topology", "validate", "--lang=ja");
        Assert.Equal(2, exit);
        Assert.Contains("segverify: コマンド 'validate' に必要な引数がありません", stderr);
        Assert.Contains("'segverify topology validate --help'", stderr);

        foreach (var english in new[] { "Required", "Unrecognized", "Cannot parse", "is required", "see '" })
            Assert.DoesNotContain(english, stderr);
    }

    [Theory]
    [InlineData("Option '--topology' is required.", "オプション '--topology' は必須です")]
    [InlineData("Required argument missing for option: '--output'.", "オプション '--output' に値がありません")]
    [InlineData("Option '--lang' expects a single argument but 2 were provided.", "オプション '--lang' には値を 1 つだけ指定してください（2 個指定されています）")]
    [InlineData("Required command was not provided.", "コマンドを指定してください")]
    [InlineData("File does not exist: 'a'.", "ファイルがありません: 'a'")]
    [InlineData("some message of our own", "some message of our own")]
    public void The_parsers_messages_map_to_japanese(string english, string japanese) =>
        Assert.Equal(japanese, JapaneseText.ParseError(english));

    [Theory]
    [InlineData("replay --lang ja", "ja")]
    [InlineData("--lang=en replay", "en")]
    [InlineData("replay --lang:ja", "ja")]
    [InlineData("replay -- --lang ja", null)]
    public void The_language_is_taken_from_the_arguments_before_parsing(string args, string? lang)
    {
        var got = CliLanguage.FromArgs(args.Split(' '));
        Assert.Equal(lang ?? SegVerify.Cli.Commands.CommonOptions.ResolveLanguage(null), got);
    }

    [Fact]
    public void A_japanese_locale_gives_japanese_help_and_errors_without_lang()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "segverify.dll");
        (int, string, string) RunWith(string lang, params string[] args)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(dll);
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment.Remove("LC_ALL");
            psi.Environment.Remove("LC_MESSAGES");
            psi.Environment["LANG"] = lang;
            using var p = Process.Start(psi)!;
            var so = p.StandardOutput.ReadToEndAsync();
            var se = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, so.Result, se);
        }
        var (exit, stdout, _) = RunWith("ja_JP.UTF-8", "replay", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("使い方:", stdout);
        Assert.Contains("トポロジーファイル（YAML、形式 v1）", stdout);
        var (exit2, _, stderr) = RunWith("ja_JP.UTF-8", "replay");
        Assert.Equal(2, exit2);
        Assert.Contains("オプション '--topology' は必須です", stderr);
        var (_, english, _) = RunWith("C.UTF-8", "replay", "--help");
        Assert.Contains("Usage:", english);
    }
}
