using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using SegVerify.Archive;

namespace SegVerify.Cli.Commands;

/// <summary>
/// <c>segverify report --archive DIR [--from DATE --to DATE --sensor NAME]</c>: the questions asked across many sensors
/// (zone-to-zone matrix, violations by rule and sensor, top crossing talkers, first and last seen per flow class),
/// answered by embedded DuckDB over the Parquet archive that --archive writes.
/// </summary>
public static class ReportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var archive = new Option<string>("--archive") { Description = "The archive directory written by replay/monitor/collect --archive", Required = true };
        var from = new Option<string?>("--from") { Description = "First date (UTC, YYYY-MM-DD) to include" };
        var to = new Option<string?>("--to") { Description = "Last date (UTC, YYYY-MM-DD) to include" };
        var sensor = new Option<string?>("--sensor") { Description = "Only this sensor" };
        var top = new Option<int>("--top") { Description = "Rows of the top crossing talkers", DefaultValueFactory = _ => 20 };
        var format = new Option<string?>("--format") { Description = "Output format: text or jsonl (default: text on a terminal, jsonl in a pipe)" };
        format.AcceptOnlyFromAmong("text", "jsonl");
        var output = new Option<string?>("--output", "-o") { Description = "Write output to this file (default: standard output)" };
        var lang = new Option<string?>("--lang") { Description = "Message language: ja or en (default: from the locale)" };
        lang.AcceptOnlyFromAmong("ja", "en");

        var cmd = new Command("report", "Query a flow archive (Parquet, written by --archive) with embedded DuckDB / フローアーカイブの集計")
        {
            archive, from, to, sensor, top, format, output, lang,
        };
        cmd.SetAction(pr =>
        {
            string l = CommonOptions.ResolveLanguage(pr.GetValue(lang));
            bool ja = l == "ja";
            string dir = pr.GetValue(archive)!;
            string? outFile = pr.GetValue(output);
            string fmt = CommonOptions.ResolveFormat(pr.GetValue(format), outFile);
            if (fmt is not ("text" or "jsonl")) fmt = "jsonl";
            if (!TryDate(pr.GetValue(from), "--from", l, stderr, out var fromDate) || !TryDate(pr.GetValue(to), "--to", l, stderr, out var toDate))
                return ExitCodes.Usage;
            string? s = pr.GetValue(sensor);
            if (s is not null && !ArchiveWriter.IsValidSensor(s))
            {
                stderr.WriteLine(ja ? $"segverify report: --sensor の名前が不正です: '{s}'" : $"segverify report: invalid --sensor name '{s}'");
                return ExitCodes.Usage;
            }
            int n = pr.GetValue(top);
            if (!OptionRange.Integer("report", "--top", n, 1, 100_000, l, stderr)) return ExitCodes.Usage;
            if (!Directory.Exists(dir))
            {
                stderr.WriteLine(ja ? $"segverify report: アーカイブのディレクトリがありません: {dir}" : $"segverify report: no such archive directory: {dir}");
                return ExitCodes.Usage;
            }

            ArchiveReportData data;
            try
            {
                data = ArchiveQuery.Run(dir, new ArchiveFilter(fromDate, toDate, s), n);
            }
            catch (DuckDB.NET.Data.DuckDBException ex)
            {
                stderr.WriteLine(ja ? $"segverify report: アーカイブを読めません: {ex.Message}" : $"segverify report: cannot read the archive: {ex.Message}");
                return ExitCodes.Usage;
            }
            catch (Exception ex) when (!RuntimeFeature.IsDynamicCodeSupported && ex is DllNotFoundException or TypeInitializationException or NotSupportedException or EntryPointNotFoundException)
            {
                // The native (AOT) executable: embedded DuckDB did not load. The JIT build (dotnet segverify.dll) has it.
                stderr.WriteLine(ja
                    ? $"segverify report: このネイティブ (AOT) 版では組み込み DuckDB を使えません ({ex.GetType().Name})。JIT 版 (dotnet publish -p:PublishAot=false、README 参照) で実行するか、DuckDB/Spark/Trino で docs/archive.md のクエリを実行してください"
                    : $"segverify report: embedded DuckDB is not available in this native (AOT) executable ({ex.GetType().Name}); run the JIT build (see README) or run the queries of docs/archive.md in DuckDB, Spark or Trino");
                return ExitCodes.Usage;
            }

            try
            {
                if (fmt == "jsonl")
                {
                    using Stream st = outFile is null ? (ReferenceEquals(stdout, Console.Out) ? Console.OpenStandardOutput() : new TextWriterStream(stdout)) : File.Create(outFile);
                    ArchiveReportWriter.WriteJsonl(st, data);
                }
                else if (outFile is null) ArchiveReportWriter.WriteText(stdout, data, l);
                else
                {
                    using var w = new StreamWriter(outFile, false, new System.Text.UTF8Encoding(false));
                    ArchiveReportWriter.WriteText(w, data, l);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                string why = SegVerify.Core.Localization.Messages.IoError(ex, l, outFile);
                stderr.WriteLine(ja ? $"segverify report: 出力ファイルを書けません: {outFile}: {why}" : $"segverify report: cannot write {outFile}: {why}");
                return ExitCodes.Usage;
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static bool TryDate(string? text, string option, string lang, TextWriter stderr, out DateOnly? date)
    {
        date = null;
        if (text is null) return true;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) { date = d; return true; }
        stderr.WriteLine(lang == "ja" ? $"segverify report: {option} は YYYY-MM-DD で指定してください: {text}" : $"segverify report: {option} must be a date YYYY-MM-DD: {text}");
        return false;
    }
}
