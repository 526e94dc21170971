using System.CommandLine;

namespace SegVerify.Cli.Commands;

public static class CheckFirewallCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var cmd = new Command("check-firewall", "(in progress)");
        cmd.SetAction(_ => { stderr.WriteLine("segverify check-firewall: not built yet"); return ExitCodes.Internal; });
        return cmd;
    }
}
