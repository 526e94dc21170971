namespace SegVerify.Cli.Tests;

/// <summary>Runs the command line in-process (as the process entry point does) and captures both output streams.</summary>
internal static class InProcessCli
{
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
