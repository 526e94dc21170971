using System.CommandLine;
using SegVerify.Archive;
using SegVerify.Core.Output;

namespace SegVerify.Cli.Commands;

/// <summary>
/// <c>--archive DIR</c> and <c>--sensor NAME</c> of replay, monitor and collect: every flow record also goes to a
/// Parquet archive partitioned by date and sensor (docs/archive.md).
/// </summary>
public sealed class ArchiveArgs
{
    public Option<string?> Archive { get; } = new("--archive")
    {
        Description = "Also write every flow record as Parquet files under DIR/date=YYYY-MM-DD/sensor=NAME/ (query with segverify report --archive)",
    };
    public Option<string?> Sensor { get; } = new("--sensor")
    {
        Description = "Sensor name for --archive (A-Z a-z 0-9 . _ -, at most 64; default: the host name)",
    };

    public void AddTo(Command c)
    {
        c.Options.Add(Archive);
        c.Options.Add(Sensor);
    }

    /// <summary>The archive writer, or null without --archive; false (message written) for a bad sensor name or directory.</summary>
    public bool TryResolve(ParseResult pr, string lang, TextWriter stderr, out ArchiveWriter? writer)
    {
        writer = null;
        string? dir = pr.GetValue(Archive);
        string? sensor = pr.GetValue(Sensor);
        if (dir is null)
        {
            if (sensor is null) return true;
            stderr.WriteLine(lang == "ja" ? "segverify: --sensor は --archive と一緒に指定してください" : "segverify: --sensor needs --archive");
            return false;
        }
        sensor ??= ArchiveWriter.DefaultSensor();
        if (!ArchiveWriter.IsValidSensor(sensor))
        {
            stderr.WriteLine(lang == "ja"
                ? $"segverify: --sensor の名前が不正です: '{sensor}' (英数字と . _ - の 64 文字以内、先頭は . 以外)"
                : $"segverify: invalid --sensor name '{sensor}' (expected 1 to 64 of A-Z a-z 0-9 . _ -, not starting with a dot)");
            return false;
        }
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            string why = SegVerify.Core.Localization.Messages.IoError(ex, lang, dir);
            stderr.WriteLine(lang == "ja" ? $"segverify: --archive のディレクトリを作成できません: {dir}: {why}" : $"segverify: cannot create the --archive directory {dir}: {why}");
            return false;
        }
        writer = new ArchiveWriter(dir, sensor);
        return true;
    }

    /// <summary><paramref name="inner"/> with the archive in front of it (flow events reach it only with --flows).</summary>
    public static IFindingSink Wrap(IFindingSink inner, ArchiveWriter? writer, bool flows) =>
        writer is null ? inner : new ArchiveSink(inner, writer, flows);
}
