using System.CommandLine;
using SegVerify.Cli.Commands;

namespace SegVerify.Cli;

public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Entry point used by tests in-process.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var root = new RootCommand("SegVerify: network segmentation verifier for 三層の対策 / three-tier separation")
            {
                ReplayCommand.Create(stdout, stderr),
                MonitorCommand.Create(stdout, stderr),
                CheckFirewallCommand.Create(stdout, stderr),
                CollectCommand.Create(stdout, stderr),
                TopologyCommand.Create(stdout, stderr),
                AuditCommand.Create(stdout, stderr),
            };
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                foreach (var e in parse.Errors) stderr.WriteLine($"segverify: {e.Message}");
                stderr.WriteLine("segverify: see 'segverify --help'");
                return ExitCodes.Usage;
            }
            var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
            return parse.Invoke(config);
        }
        catch (SegVerify.Core.Audit.AuditLogException ex)
        {
            // The audit log became unwritable during the run (full disk, removed volume): bad environment, not a bug.
            stderr.WriteLine("segverify: " + ex.Message);
            return ExitCodes.Usage;
        }
        catch (Exception ex)
        {
            return ExitCodes.InternalError(ex, stderr);
        }
    }
}

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Violations = 1;
    public const int Usage = 2;
    public const int Internal = 3;

    public static int InternalError(Exception ex, TextWriter stderr)
    {
        stderr.WriteLine($"segverify: internal error (a bug): {ex.GetType().Name}: {ex.Message}");
        stderr.WriteLine(ex.StackTrace);
        stderr.WriteLine("segverify: please report this with the command line and, if you can, the input at the project's issue tracker.");
        return Internal;
    }
}
