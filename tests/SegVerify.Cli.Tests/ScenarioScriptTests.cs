using System.Diagnostics;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Cli.Tests;

/// <summary>
/// The shared labelled scenarios checked exactly as the issue says: shared/tools/check_scenarios.py run on the built
/// segverify (tunnels, and sample-city still). Skipped with a printed reason without python3 or ../shared.
/// </summary>
public class ScenarioScriptTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData("tunnels")]
    [InlineData("sample-city")]
    public void CheckScenariosPasses(string scenario)
    {
        var shared = TestPaths.RequireShared();
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            const string reason = "the wrapper handed to check_scenarios.py is a shell script: skipped on this OS";
            Console.WriteLine("SKIP: " + reason);
            Skip.If(true, reason);
        }
        var python = FindOnPath("python3");
        if (python is null)
        {
            const string reason = "python3 is not on PATH: shared/tools/check_scenarios.py cannot run: skipped";
            Console.WriteLine("SKIP: " + reason);
            Skip.If(true, reason);
        }
        var dir = Path.Combine(shared, "scenarios", scenario);
        // check_scenarios.py takes one executable: a two-line wrapper around the segverify.dll built beside this test
        var wrapper = Path.Combine(Path.GetTempPath(), $"segverify-scn-{Guid.NewGuid():N}.sh");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec dotnet \"{Path.Combine(AppContext.BaseDirectory, "segverify.dll")}\" \"$@\"\n");
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var psi = new ProcessStartInfo(python!) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(shared, "tools", "check_scenarios.py"), wrapper, Path.Combine(dir, "topology.yaml"), dir })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(300_000), "check_scenarios.py did not finish in 5 minutes");
            output.WriteLine(stdout.Result);
            output.WriteLine(stderr.Result);
            Assert.Equal(0, p.ExitCode);
            Assert.Contains(" 0 unexpected, 0 runs failed", stdout.Result);
        }
        finally
        {
            File.Delete(wrapper);
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
