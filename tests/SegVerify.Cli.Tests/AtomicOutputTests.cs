using System.Text.Json;
using SegVerify.Tests.Common;
using Xunit;
using static SegVerify.Cli.Tests.InProcessCli;

namespace SegVerify.Cli.Tests;

/// <summary>
/// --output of check-firewall, collect and topology validate (replay's are in <see cref="InterruptionAndOutputTests"/>,
/// monitor's in the Live tests): written under a temporary name and renamed when complete, refused when it is an
/// input (the input kept byte for byte), every write error exit 2 naming the output, and no temporary file left.
/// </summary>
public sealed class AtomicOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segv-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Topo => TestPaths.InRepo("topologies", "sample-city.yaml");
    private static string Capture => TestPaths.InRepo("captures", "sample-city.pcap");
    private static string Ruleset => TestPaths.InRepo("topologies", "firewall", "fw-core-violating.iptables");

    private string Copy(string file)
    {
        var to = Path.Combine(_dir, Path.GetFileName(file));
        File.Copy(file, to, overwrite: true);
        return to;
    }

    /// <summary>The command line of each command writing to <paramref name="output"/>, and its status when it succeeds.</summary>
    private IEnumerable<(string Name, string[] Args, int Exit)> Commands(string output, string topo, string capture, string ruleset)
    {
        yield return ("check-firewall", ["check-firewall", "--topology", topo, "--config", ruleset, "--format", "jsonl", "--now", "2026-11-23T00:00:00Z", "-o", output], 1);
        yield return ("collect", ["collect", capture, "--topology", topo, "--format", "jsonl", "-o", output], 0);
        yield return ("topology validate", ["topology", "validate", topo, "--format", "jsonl", "-o", output], 0);
        yield return ("topology schema", ["topology", "schema", "-o", output], 0);
    }

    [Fact]
    public void The_output_appears_complete_under_its_name_and_no_temporary_file_is_left()
    {
        foreach (var (name, args, exit) in Commands(Path.Combine(_dir, "out.jsonl"), Topo, Capture, Ruleset))
        {
            var output = Path.Combine(_dir, "out.jsonl");
            File.WriteAllText(output, "previous\n");
            var r = Run(args);
            Assert.True(r.Exit == exit, $"{name}: exit {r.Exit}\n{r.Err}");
            var lines = File.ReadAllLines(output);
            Assert.NotEqual("previous", lines[0]);
            if (name == "topology schema") JsonDocument.Parse(File.ReadAllText(output)); // one JSON document
            else foreach (var l in lines) JsonDocument.Parse(l); // every line complete
            Assert.Equal(["out.jsonl"], Directory.GetFiles(_dir).Select(Path.GetFileName));
        }
    }

    [Fact]
    public void An_output_that_is_an_input_is_refused_and_the_input_kept()
    {
        var topo = Copy(Topo);
        var capture = Copy(Capture);
        var ruleset = Copy(Ruleset);
        var link = Path.Combine(_dir, "ruleset-link");
        File.CreateSymbolicLink(link, ruleset);
        var cases = new (string Name, string Target)[]
        {
            ("check-firewall", ruleset), ("check-firewall", link), ("check-firewall", topo),
            ("collect", capture), ("collect", topo),
            ("topology validate", topo),
        };
        foreach (var (name, target) in cases)
        {
            var (_, args, _) = Commands(target, topo, capture, ruleset).Single(c => c.Name == name);
            var r = Run([.. args, "--lang", "en"]);
            Assert.True(r.Exit == 2, $"{name} -o {target}: exit {r.Exit}\n{r.Err}");
            Assert.Contains($"the output {target} is the same file as the input", r.Err);
        }
        Assert.Equal(File.ReadAllBytes(Topo), File.ReadAllBytes(topo));
        Assert.Equal(File.ReadAllBytes(Capture), File.ReadAllBytes(capture));
        Assert.Equal(File.ReadAllBytes(Ruleset), File.ReadAllBytes(ruleset));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Every_write_error_is_exit_two_naming_the_output()
    {
        // a missing directory, a directory, a full device, and a directory no one can create files in (/proc: even root)
        var targets = new List<string> { Path.Combine(_dir, "missing", "out.jsonl"), _dir };
        if (File.Exists("/dev/full")) targets.Add("/dev/full");
        if (Directory.Exists("/proc/self")) targets.Add("/proc/segverify-out.jsonl");
        foreach (var target in targets)
            foreach (var (name, args, _) in Commands(target, Topo, Capture, Ruleset))
            {
                var r = Run(name == "topology schema" ? args : [.. args, "--lang", "en"]);
                Assert.True(r.Exit == 2, $"{name} -o {target}: exit {r.Exit}\n{r.Err}");
                Assert.Contains(target, r.Err);
                Assert.DoesNotContain("internal error", r.Err);
                Assert.DoesNotContain("   at ", r.Err); // no stack trace
            }
        Assert.Empty(Directory.GetFiles(_dir, ".*.tmp"));
    }
}
