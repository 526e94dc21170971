using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using SegVerify.Cli;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Cli.Tests;

/// <summary>
/// The shipped executable is a Native AOT build (`dotnet publish src/SegVerify.Cli -c Release -r RID`), where trimming
/// or a reflection-only code path could behave differently from the JIT build the other tests run in-process. This
/// publishes it once and checks that replay, check-firewall and topology validate give byte-for-byte the output and
/// the exit status of the in-process run (apart from elapsed_s).
/// </summary>
public class NativeBuildTests(ITestOutputHelper output)
{
    private static readonly Lazy<string?> Published = new(Publish);
    private static string? _skipReason;

    private static string? Publish()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture is not (Architecture.X64 or Architecture.Arm64))
        {
            _skipReason = "Native AOT publishing is tested on Linux x64/arm64 only";
            return null;
        }
        if (!File.Exists("/usr/bin/gcc") && !File.Exists("/usr/bin/clang"))
        {
            _skipReason = "no C compiler (gcc or clang) to link the Native AOT build: apt-get install gcc";
            return null;
        }
        if (Environment.GetEnvironmentVariable("SEGVERIFY_SKIP_NATIVE") == "1")
        {
            _skipReason = "SEGVERIFY_SKIP_NATIVE=1";
            return null;
        }
        string rid = (RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64");
        string dir = Path.Combine(Path.GetTempPath(), "segverify-native-" + Guid.NewGuid().ToString("N"));
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepoRoot,
        };
        foreach (var a in new[] { "publish", "src/SegVerify.Cli", "-c", "Release", "-r", rid, "-o", dir, "-nologo", "-v", "q" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(20)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet publish of the Native AOT build took over 20 minutes");
        }
        string exe = Path.Combine(dir, "segverify");
        if (p.ExitCode != 0 || !File.Exists(exe))
            throw new InvalidOperationException($"dotnet publish -r {rid} failed ({p.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        return exe;
    }

    private string Native()
    {
        var exe = Published.Value;
        if (exe is null)
        {
            output.WriteLine("SKIP: " + _skipReason);
            Console.WriteLine("SKIP: " + _skipReason);
            Skip.If(true, _skipReason);
        }
        return exe!;
    }

    private static (int Exit, string Out) RunNative(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestPaths.RepoRoot };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, o.Result);
    }

    private static (int Exit, string Out) RunInProcess(params string[] args)
    {
        var o = new StringWriter();
        int code = Program.Run(args.Select(a => a.StartsWith("topologies/") || a.StartsWith("captures/") ? TestPaths.InRepo(a) : a).ToArray(), o, new StringWriter());
        return (code, o.ToString());
    }

    /// <summary>JSON Lines with elapsed_s removed and paths made relative to the repository.</summary>
    private static List<string> Normalise(string jsonl) =>
        jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l =>
        {
            var n = JsonNode.Parse(l)!.AsObject();
            n.Remove("elapsed_s");
            return n.ToJsonString().Replace(TestPaths.RepoRoot + "/", "");
        }).ToList();

    [SkippableTheory]
    [InlineData("replay", "captures/sample-city.pcap", "-t", "topologies/sample-city.yaml", "--format", "jsonl", "--flows", "--lang", "ja")]
    [InlineData("replay", "captures/sample-city.pcap", "-t", "topologies/sample-city.yaml", "--format", "jsonl", "--lang", "en")]
    [InlineData("check-firewall", "-t", "topologies/sample-city.yaml", "-c", "topologies/firewall/fw-core-violating.nft", "--format", "jsonl", "--required", "--lang", "en")]
    [InlineData("check-firewall", "-t", "topologies/sample-city.yaml", "-c", "topologies/firewall/fw-core-violating.iptables", "--format", "jsonl", "--lang", "ja")]
    [InlineData("topology", "validate", "topologies/beta-prime.yaml", "--format", "jsonl")]
    // the capture filter: libpcap through function pointers and fmemopen through LibraryImport
    [InlineData("replay", "captures/sample-city.pcap", "-t", "topologies/sample-city.yaml", "--format", "jsonl", "--lang", "ja", "vlan", "and", "tcp", "port", "445")]
    public void NativeExecutableMatchesTheInProcessRun(params string[] args)
    {
        var exe = Native();
        var native = RunNative(exe, args);
        var jit = RunInProcess(args);
        Assert.Equal(jit.Exit, native.Exit);
        Assert.Equal(Normalise(jit.Out), Normalise(native.Out));
        Assert.NotEmpty(Normalise(native.Out));
    }

    [SkippableFact]
    public void NativeExecutableHasTheVersionAndTheJapaneseHelpOfTheInProcessRun()
    {
        var exe = Native();
        var version = RunNative(exe, "--version");
        Assert.Equal(0, version.Exit);
        Assert.Equal(SegVerify.Core.Output.ToolInfo.Version, version.Out.Trim());
        var help = RunNative(exe, "replay", "--help", "--lang", "ja");
        Assert.Equal(0, help.Exit);
        var jit = RunInProcess("replay", "--help", "--lang", "ja");
        string root = Path.GetFileNameWithoutExtension(Environment.GetCommandLineArgs()[0]);
        Assert.Equal(jit.Out.Replace(root + " replay", "segverify replay"), help.Out);
        Assert.Contains("トポロジーファイル（YAML、形式 v1）", help.Out);
        var bad = RunNative(exe, "replay", "captures/sample-city.pcap", "-t", "topologies/sample-city.yaml", "--bpf", "tcp prot 445");
        Assert.Equal(2, bad.Exit);
    }

    [SkippableFact]
    public void NativeExecutableReportsUsageErrorsWithExitStatus2()
    {
        var exe = Native();
        Assert.Equal(2, RunNative(exe, "replay", "captures/sample-city.pcap", "-t", "no-such-topology.yaml").Exit);
        Assert.Equal(2, RunNative(exe, "replay", "no-such.pcap", "-t", "topologies/sample-city.yaml").Exit);
    }
}
