using SegVerify.Core.Localization;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Cli.Tests;

/// <summary>
/// Operating-system I/O errors (no such file, a directory given as a file, permission denied, a full disk) are told in
/// the chosen language with the path, exit 2, and the OS's own English text does not leak through.
/// </summary>
public class IoErrorMessageTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "segverify-ioerr-" + Guid.NewGuid().ToString("N"));
    private static string Capture => TestPaths.InRepo("captures", "sample-city.pcap");
    private static string Topo => TestPaths.InRepo("topologies", "sample-city.yaml");

    /// <summary>Texts .NET and libc use for these errors (English), which must not reach the user.</summary>
    private static readonly string[] OsTexts =
        ["Could not find", "Access to the path", "is denied", "No space left on device", "Permission denied", "Is a directory", "   at "];

    public IoErrorMessageTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static void AssertLocalized(int exit, string err, string path, string expected)
    {
        Assert.True(exit == 2, $"exit {exit}: {err}");
        Assert.Contains(path, err);
        Assert.Contains(expected, err);
        foreach (var os in OsTexts) Assert.DoesNotContain(os, err);
    }

    public static TheoryData<string, string, string> Languages => new()
    {
        { "en", "no such file or directory", "it is a directory (a file is needed)" },
        { "ja", "ファイルまたはディレクトリがありません", "ディレクトリです（ファイルを指定してください）" },
    };

    [Theory]
    [MemberData(nameof(Languages))]
    public void A_missing_topology_config_or_probe_file_is_named_in_the_chosen_language(string lang, string notFound, string _)
    {
        var missing = Path.Combine(_dir, "nope.yaml");
        var r = InProcessCli.Run("replay", Capture, "--topology", missing, "--lang", lang);
        AssertLocalized(r.Exit, r.Err, missing, notFound);
        r = InProcessCli.Run("topology", "validate", missing, "--lang", lang);
        AssertLocalized(r.Exit, r.Err, missing, notFound);
        var cfg = Path.Combine(_dir, "missing.rules");
        r = InProcessCli.Run("check-firewall", "--topology", Topo, "--config", cfg, "--lang", lang);
        AssertLocalized(r.Exit, r.Err, cfg, notFound);
        var anyRuleset = TestPaths.InRepo("topologies", "firewall", "fw-core-compliant.nft");
        var probes = Path.Combine(_dir, "missing-probes.txt");
        r = InProcessCli.Run("check-firewall", "--topology", Topo, "--config", anyRuleset, "--probe-file", probes, "--lang", lang);
        AssertLocalized(r.Exit, r.Err, probes, notFound);
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public void Monitor_reading_a_missing_file_or_a_directory_is_exit_two_in_the_chosen_language(string lang, string notFound, string isDirectory)
    {
        // told before libpcap is asked (libpcap's own words are English; this was exit 3, "internal error")
        var missing = Path.Combine(_dir, "missing.pcap");
        var r = InProcessCli.Run("monitor", "--interface", "unused", "--read-file", missing, "--topology", Topo, "--lang", lang);
        AssertLocalized(r.Exit, r.Err, missing, notFound);
        var dir = Path.Combine(_dir, "a-directory.pcap");
        Directory.CreateDirectory(dir);
        r = InProcessCli.Run("monitor", "--interface", "unused", "--read-file", dir, "--topology", Topo, "--lang", lang);
        AssertLocalized(r.Exit, r.Err, dir, isDirectory);
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public void A_directory_given_as_a_file_is_said_to_be_one(string lang, string _, string isDirectory)
    {
        var dir = Path.Combine(_dir, "a-directory.yaml");
        Directory.CreateDirectory(dir);
        var r = InProcessCli.Run("topology", "validate", dir, "--lang", lang);
        AssertLocalized(r.Exit, r.Err, dir, isDirectory);
        r = InProcessCli.Run("check-firewall", "--topology", Topo, "--config", dir, "--lang", lang);
        AssertLocalized(r.Exit, r.Err, dir, isDirectory);
        r = InProcessCli.Run("replay", Capture, "--topology", Topo, "--format", "jsonl", "--output", dir, "--lang", lang);
        AssertLocalized(r.Exit, r.Err, dir, isDirectory);
    }

    [SkippableTheory]
    [InlineData("en", "no space left on the device")]
    [InlineData("ja", "ディスクの空き容量がありません")]
    public void A_full_disk_is_said_to_be_full(string lang, string expected)
    {
        const string full = "/dev/full"; // every write fails with ENOSPC, as on a full disk
        if (!File.Exists(full))
        {
            Console.WriteLine("SKIP: /dev/full is not available on this system");
            Skip.If(true, "/dev/full is not available on this system");
        }
        var r = InProcessCli.Run("replay", Capture, "--topology", Topo, "--format", "jsonl", "--output", full, "--lang", lang);
        AssertLocalized(r.Exit, r.Err, full, expected);
    }

    [SkippableTheory]
    [InlineData("en", "permission denied")]
    [InlineData("ja", "アクセス権がありません")]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void An_unreadable_file_is_said_to_be_so(string lang, string expected)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "file modes are tested on Linux");
        var secret = Path.Combine(_dir, "secret.yaml");
        File.Copy(Topo, secret);
        File.SetUnixFileMode(secret, UnixFileMode.None);
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        int exit;
        string err;
        if (Environment.UserName != "root" && GetEuid() != 0)
            (exit, _, err) = InProcessCli.Run("topology", "validate", secret, "--lang", lang);
        else
        {
            // root reads any file: run the command as user nobody (setpriv), out of process
            var setpriv = ExternalTools.Which("setpriv");
            if (setpriv is null)
            {
                const string reason = "running as root and setpriv (util-linux) is not installed to drop to another user: a mode-000 file is readable by root";
                Console.WriteLine("SKIP: " + reason);
                Skip.If(true, reason);
            }
            var dotnet = Environment.ProcessPath!;
            var dll = Path.Combine(AppContext.BaseDirectory, "segverify.dll");
            (exit, _, err) = ExternalTools.Run(setpriv!, ["--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=" + _dir,
                "DOTNET_CLI_TELEMETRY_OPTOUT=1", dotnet, dll, "topology", "validate", secret, "--lang", lang]);
            if (err.Contains("segverify.dll") || exit is not (0 or 1 or 2))
            {
                // the unprivileged user could not start the tool itself (e.g. the build directory is private)
                string reason = "the tool cannot be started as user nobody here: " + err.Split('\n')[0];
                Console.WriteLine("SKIP: " + reason);
                Skip.If(true, reason);
            }
        }
        AssertLocalized(exit, err, secret, expected);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();

    [SkippableTheory]
    [InlineData(2, IoErrorKind.NotFound)]
    [InlineData(13, IoErrorKind.PermissionDenied)]
    [InlineData(1, IoErrorKind.PermissionDenied)]
    [InlineData(21, IoErrorKind.IsDirectory)]
    [InlineData(20, IoErrorKind.NotDirectory)]
    [InlineData(28, IoErrorKind.DiskFull)]
    [InlineData(122, IoErrorKind.QuotaExceeded)]
    [InlineData(30, IoErrorKind.ReadOnly)]
    [InlineData(5, IoErrorKind.DeviceError)]
    [InlineData(36, IoErrorKind.NameTooLong)]
    [InlineData(24, IoErrorKind.TooManyOpenFiles)]
    [InlineData(9999, IoErrorKind.Other)]
    public void Errno_classes_map_to_their_kind(int errno, IoErrorKind kind)
    {
        Skip.If(OperatingSystem.IsWindows(), "errno values are Unix's");
        Assert.Equal(kind, Messages.IoErrorKindOf(new IOException("os text", errno)));
    }

    [Fact]
    public void Exception_types_map_to_their_kind_and_a_directory_is_told_from_a_permission_problem()
    {
        Assert.Equal(IoErrorKind.NotFound, Messages.IoErrorKindOf(new FileNotFoundException("x")));
        Assert.Equal(IoErrorKind.NotFound, Messages.IoErrorKindOf(new DirectoryNotFoundException("x")));
        Assert.Equal(IoErrorKind.NameTooLong, Messages.IoErrorKindOf(new PathTooLongException("x")));
        Assert.Equal(IoErrorKind.PermissionDenied, Messages.IoErrorKindOf(new UnauthorizedAccessException("x"), Path.Combine(_dir, "file")));
        Assert.Equal(IoErrorKind.IsDirectory, Messages.IoErrorKindOf(new UnauthorizedAccessException("x"), _dir));
        Assert.Equal("input/output error (code 9999)", Messages.IoError(new IOException("Some English OS text", 9999), "en"));
        Assert.Equal("入出力エラー（コード 9999）", Messages.IoError(new IOException("Some English OS text", 9999), "ja"));
        Assert.Equal("no space left on the device", Messages.IoError(new IOException("No space left on device", 28), "en"));
        Assert.Equal("ディスク使用量の上限（クォータ）を超えました", Messages.IoError(new IOException("Disk quota exceeded", 122), "ja"));
    }
}
