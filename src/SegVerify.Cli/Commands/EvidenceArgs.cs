using System.CommandLine;
using SegVerify.Core.Evidence;

namespace SegVerify.Cli.Commands;

/// <summary>
/// <c>--evidence DIR</c> of replay and monitor (a pcap of each flow with a finding, named by its Community ID, and of each frame-level finding's frame) and its
/// bounds: packets per flow, bytes buffered, files per run (docs/monitor.md#evidence).
/// </summary>
public sealed class EvidenceArgs
{
    public Option<string?> Evidence { get; } = new("--evidence")
    {
        Description = "Directory for a pcap of each flow with a finding (named by its Community ID) and of each frame-level finding's frame",
    };
    public Option<int> MaxPackets { get; } = new("--evidence-max-packets")
    {
        Description = "Packets kept per flow for --evidence",
        DefaultValueFactory = _ => EvidenceOptions.DefaultMaxPacketsPerFlow,
    };
    public Option<int> MaxFiles { get; } = new("--evidence-max-files")
    {
        Description = "Evidence files written at most per run (the findings past it are counted in the summary)",
        DefaultValueFactory = _ => EvidenceOptions.DefaultMaxFiles,
    };
    public Option<int> MaxMegabytes { get; } = new("--evidence-max-mb")
    {
        Description = "MiB of packets buffered at most for --evidence over all open flows (the packets past it are counted in the summary)",
        DefaultValueFactory = _ => (int)(EvidenceOptions.DefaultMaxBufferedBytes >> 20),
    };

    public void AddTo(Command c)
    {
        c.Options.Add(Evidence);
        c.Options.Add(MaxPackets);
        c.Options.Add(MaxFiles);
        c.Options.Add(MaxMegabytes);
    }

    /// <summary>
    /// The evidence options, or null without --evidence; false (message written) for a value out of range or a
    /// directory that cannot be created.
    /// </summary>
    public bool TryResolve(ParseResult pr, string command, string lang, TextWriter stderr, out EvidenceOptions? options)
    {
        options = null;
        int packets = pr.GetValue(MaxPackets), files = pr.GetValue(MaxFiles), mb = pr.GetValue(MaxMegabytes);
        if (!OptionRange.Integer(command, "--evidence-max-packets", packets, 1, 1_000_000, lang, stderr)
            || !OptionRange.Integer(command, "--evidence-max-files", files, 1, 10_000_000, lang, stderr)
            || !OptionRange.Integer(command, "--evidence-max-mb", mb, 1, 1_048_576, lang, stderr))
            return false;
        string? dir = pr.GetValue(Evidence);
        if (dir is null) return true;
        return TryCreate(dir, packets, files, mb, command, lang, stderr, out options);
    }

    /// <summary>Creates the directory and the options; false (message written) when it cannot be created.</summary>
    public static bool TryCreate(string dir, int maxPackets, int maxFiles, int maxMegabytes, string command, string lang,
        TextWriter stderr, out EvidenceOptions? options)
    {
        options = null;
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            stderr.WriteLine(lang == "ja"
                ? $"segverify {command}: --evidence のディレクトリを作れません: {dir}: {SegVerify.Core.Localization.Messages.IoError(ex, lang, dir)}"
                : $"segverify {command}: cannot create the --evidence directory {dir}: {SegVerify.Core.Localization.Messages.IoError(ex, lang, dir)}");
            return false;
        }
        options = new EvidenceOptions
        {
            Directory = dir,
            MaxPacketsPerFlow = maxPackets,
            MaxFiles = maxFiles,
            MaxBufferedBytes = (long)maxMegabytes << 20,
        };
        return true;
    }
}
