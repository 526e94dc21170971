using System.Diagnostics;
using Xunit;

namespace SegVerify.Tests.Common;

/// <summary>Programs some tests drive (tcpdump, Chromium, the SARIF multitool); a test skips with a printed reason without them.</summary>
public static class ExternalTools
{
    /// <summary>The first <paramref name="names"/> found on PATH, or null.</summary>
    public static string? Which(params string[] names)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var n in names)
            foreach (var d in dirs)
            {
                var p = Path.Combine(d, n);
                if (File.Exists(p)) return p;
            }
        return null;
    }

    /// <summary><paramref name="path"/>, or a skipped test that says why (<paramref name="reason"/>) when it is null.</summary>
    public static string Require(string? path, string reason)
    {
        if (path is null)
        {
            Console.WriteLine("SKIP: " + reason);
            Skip.If(true, reason);
        }
        return path!;
    }

    /// <summary>Runs a program to its end (at most <paramref name="timeout"/>): exit status, standard output and error.</summary>
    public static (int Exit, string Out, string Err) Run(string program, IEnumerable<string> args, TimeSpan? timeout = null, string? workDir = null)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (workDir is not null) psi.WorkingDirectory = workDir;
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish");
        }
        return (p.ExitCode, so.Result, se.Result);
    }
}
