using System.CommandLine;
using System.CommandLine.Help;
using SegVerify.Cli.Commands;
using SegVerify.Cli.Help;

namespace SegVerify.Cli;

public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Every command of the tool (English descriptions).</summary>
    internal static RootCommand CreateRoot(TextWriter stdout, TextWriter stderr) =>
        new RootCommand("SegVerify: network segmentation verifier for 三層の対策 / three-tier separation")
        {
            ReplayCommand.Create(stdout, stderr),
            MonitorCommand.Create(stdout, stderr),
            CheckFirewallCommand.Create(stdout, stderr),
            CollectCommand.Create(stdout, stderr),
            TopologyCommand.Create(stdout, stderr),
            AuditCommand.Create(stdout, stderr),
            ReportCommand.Create(stdout, stderr),
        };

    /// <summary>Entry point used by tests in-process.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var root = CreateRoot(stdout, stderr);
            // --help and argument errors are written by the parser, so their language is decided from the raw
            // arguments: --lang, else the locale.
            bool ja = CliLanguage.FromArgs(args) == "ja";
            foreach (var o in root.Options)
                if (o is VersionOption v) v.Action = new PrintVersion();
            if (ja) JapaneseText.Translate(root);
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                foreach (var e in parse.Errors) stderr.WriteLine($"segverify: {(ja ? JapaneseText.ParseError(e.Message) : e.Message)}");
                string help = parse.CommandResult.Command == root ? "segverify --help" : $"segverify {parse.CommandResult.Command.Name} --help";
                if (parse.CommandResult.Command.Parents.OfType<Command>().FirstOrDefault() is { } parent && parent != root)
                    help = $"segverify {parent.Name} {parse.CommandResult.Command.Name} --help";
                stderr.WriteLine(ja ? $"segverify: 使い方は '{help}' を参照してください" : $"segverify: see '{help}'");
                return ExitCodes.Usage;
            }
            if (ja && parse.Action is HelpAction)
            {
                // System.CommandLine's help layout, its own words (titles, "(REQUIRED)", "[default: ]") put into Japanese
                var help = new StringWriter();
                int status = parse.Invoke(new InvocationConfiguration { Output = help, Error = stderr, EnableDefaultExceptionHandler = false });
                stdout.Write(JapaneseText.HelpWords(help.ToString()));
                stdout.Flush();
                return status;
            }
            var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
            return parse.Invoke(config);
        }
        catch (SegVerify.Core.Output.OutputWriteException ex)
        {
            // A closed pipe (e.g. '| head -1') stops the run at once with its own status; any other write error
            // names the output and is bad usage or environment (exit 2), never an internal error.
            try { stderr.WriteLine("segverify: " + ex.Message); } catch (IOException) { }
            return ex.PipeClosed ? ExitCodes.PipeClosed : ExitCodes.Usage;
        }
        catch (SegVerify.Core.Audit.AuditLogException ex)
        {
            // The audit log became unwritable during the run (full disk, removed volume): bad environment, not a bug.
            stderr.WriteLine("segverify: " + ex.Message);
            return ExitCodes.Usage;
        }
        catch (Exception ex)
        {
            return ExitCodes.InternalError(ex, stderr, CliLanguage.FromArgs(args) == "ja");
        }
    }
}

/// <summary><c>segverify --version</c>: the tool version every report carries (<see cref="SegVerify.Core.Output.ToolInfo.Version"/>).</summary>
internal sealed class PrintVersion : System.CommandLine.Invocation.SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(SegVerify.Core.Output.ToolInfo.Version);
        return ExitCodes.Ok;
    }
}

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Violations = 1;
    public const int Usage = 2;
    public const int Internal = 3;
    /// <summary>Standard output's reader went away (EPIPE); as a shell reports a process ended by SIGPIPE (128 + 13).</summary>
    public const int PipeClosed = 141;
    /// <summary>Stopped by SIGINT after writing every finding and the summary (128 + 2).</summary>
    public const int Interrupted = 130;
    /// <summary>Stopped by SIGTERM after writing every finding and the summary (128 + 15).</summary>
    public const int Terminated = 143;

    public static int InternalError(Exception ex, TextWriter stderr, bool ja = false)
    {
        stderr.WriteLine(ja ? $"segverify: 内部エラー（不具合）: {ex.GetType().Name}: {ex.Message}"
                            : $"segverify: internal error (a bug): {ex.GetType().Name}: {ex.Message}");
        stderr.WriteLine(ex.StackTrace);
        stderr.WriteLine(ja ? "segverify: コマンドラインと、可能なら入力を添えて、プロジェクトの issue トラッカーに報告してください。"
                            : "segverify: please report this with the command line and, if you can, the input at the project's issue tracker.");
        return Internal;
    }
}
