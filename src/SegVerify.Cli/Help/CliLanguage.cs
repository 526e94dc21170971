namespace SegVerify.Cli.Help;

/// <summary>
/// The language of a command line, known before it is parsed (help and argument errors are written by the parser):
/// <c>--lang ja|en</c> (also <c>--lang=ja</c>) anywhere before a <c>--</c>, else the locale
/// (<see cref="Commands.CommonOptions.ResolveLanguage"/>).
/// </summary>
public static class CliLanguage
{
    public static string FromArgs(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--") break;
            if (a == "--lang" && i + 1 < args.Count && args[i + 1] is "ja" or "en") return args[i + 1];
            if (a.StartsWith("--lang=", StringComparison.Ordinal) || a.StartsWith("--lang:", StringComparison.Ordinal))
            {
                var v = a["--lang=".Length..];
                if (v is "ja" or "en") return v;
            }
        }
        return Commands.CommonOptions.ResolveLanguage(null);
    }
}
