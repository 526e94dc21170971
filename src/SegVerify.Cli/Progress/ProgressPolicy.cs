namespace SegVerify.Cli.Progress;

/// <summary>
/// Whether a run shows progress on standard error: with <c>--progress auto</c> (the default) only when standard
/// error is a terminal, the <c>CI</c> environment variable is unset or empty (CI systems set it; their logs are not
/// terminals even when they pretend to be), TERM is not <c>dumb</c>, and <c>--quiet</c> is not given.
/// <c>--progress always</c> shows it anyway (also in a pipe: one line redrawn with carriage returns), <c>never</c>
/// never.
/// </summary>
public static class ProgressPolicy
{
    public static readonly string[] Modes = ["auto", "always", "never"];

    public static bool Show(string? mode, bool quiet, bool stderrIsTerminal, Func<string, string?> env) => mode switch
    {
        "always" => true,
        "never" => false,
        _ => !quiet && stderrIsTerminal && string.IsNullOrEmpty(env("CI")) && env("TERM") != "dumb",
    };

    /// <summary>Whether <paramref name="stderr"/> is this process's standard error and that is a terminal.</summary>
    public static bool IsTerminal(TextWriter stderr) => ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
}
