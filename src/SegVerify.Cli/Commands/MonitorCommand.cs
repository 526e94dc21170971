using System.CommandLine;

namespace SegVerify.Cli.Commands;

public static class MonitorCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var cmd = new Command("monitor", "(in progress)");
        cmd.SetAction(_ => { stderr.WriteLine("segverify monitor: not built yet"); return ExitCodes.Internal; });
        return cmd;
    }
}
