using System.CommandLine;

namespace SegVerify.Cli.Commands;

public static class TopologyCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var cmd = new Command("topology", "(in progress)");
        cmd.SetAction(_ => { stderr.WriteLine("segverify topology: not built yet"); return ExitCodes.Internal; });
        return cmd;
    }
}
