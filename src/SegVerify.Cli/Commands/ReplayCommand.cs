using System.CommandLine;

namespace SegVerify.Cli.Commands;

public static class ReplayCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var cmd = new Command("replay", "(in progress)");
        cmd.SetAction(_ => { stderr.WriteLine("segverify replay: not built yet"); return ExitCodes.Internal; });
        return cmd;
    }
}
