using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Cli.Tests;

/// <summary>The CLI packs as a .NET tool: dotnet pack, dotnet tool install from that folder, segverify --version.</summary>
public class ToolPackageTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Dotnet_pack_gives_a_tool_that_installs_and_prints_its_version()
    {
        if (Environment.GetEnvironmentVariable("SEGVERIFY_SKIP_NATIVE") == "1")
            ExternalTools.Require(null, "SEGVERIFY_SKIP_NATIVE=1 (packing builds the CLI again in Release)");
        var dir = Directory.CreateTempSubdirectory("segverify-tool-");
        try
        {
            string packages = Path.Combine(dir.FullName, "packages"), tools = Path.Combine(dir.FullName, "tools");
            var pack = ExternalTools.Run("dotnet", ["pack", "src/SegVerify.Cli", "-c", "Release", "-o", packages, "-nologo", "-v", "q"],
                TimeSpan.FromMinutes(15), TestPaths.RepoRoot);
            Assert.True(pack.Exit == 0, $"dotnet pack failed:\n{pack.Out}\n{pack.Err}");
            var nupkg = Assert.Single(Directory.GetFiles(packages, "SegVerify.*.nupkg"));
            output.WriteLine(Path.GetFileName(nupkg));
            var install = ExternalTools.Run("dotnet", ["tool", "install", "SegVerify", "--tool-path", tools, "--add-source", packages, "--version", "*-*"],
                TimeSpan.FromMinutes(5), dir.FullName);
            if (install.Exit != 0 && (install.Out + install.Err).Contains("Unable to load the service index", StringComparison.OrdinalIgnoreCase))
                ExternalTools.Require(null, "dotnet tool install could not reach a package source (offline): " + install.Err.Trim());
            Assert.True(install.Exit == 0, $"dotnet tool install failed:\n{install.Out}\n{install.Err}");
            var version = ExternalTools.Run(Path.Combine(tools, "segverify"), ["--version"], TimeSpan.FromMinutes(1));
            Assert.Equal(0, version.Exit);
            Assert.Equal(SegVerify.Core.Output.ToolInfo.Version.Split('+')[0], version.Out.Trim().Split('+')[0]);
            var help = ExternalTools.Run(Path.Combine(tools, "segverify"), ["replay", "--help", "--lang", "ja"], TimeSpan.FromMinutes(1));
            Assert.Contains("トポロジーファイル（YAML、形式 v1）", help.Out);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
