using System.CommandLine;

namespace SegVerify.Cli.Commands;

/// <summary>Options every command takes: --format, --output, --lang, --quiet.</summary>
public sealed class CommonOptions
{
    public Option<string?> Format { get; } = new("--format")
    {
        Description = "Output format: text, jsonl, sarif, junit, html (default: from the --output file's extension, .txt .jsonl/.json .sarif .xml/.junit .html; else text on a terminal, jsonl in a pipe)",
    };
    public Option<string?> Output { get; } = new("--output", "-o") { Description = "Write output to this file (default: standard output)" };
    public Option<string?> Lang { get; } = new("--lang") { Description = "Message language: ja or en (default: from the locale)" };
    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Print only findings and the summary, no progress" };

    public CommonOptions()
    {
        Format.AcceptOnlyFromAmong("text", "jsonl", "sarif", "junit", "html");
        Lang.AcceptOnlyFromAmong("ja", "en");
    }

    public void AddTo(Command c)
    {
        c.Options.Add(Format);
        c.Options.Add(Output);
        c.Options.Add(Lang);
        c.Options.Add(Quiet);
    }

    /// <summary>ja when asked, or when the locale (LC_ALL, LC_MESSAGES, LANG) is Japanese; else en.</summary>
    public static string ResolveLanguage(string? lang)
    {
        if (lang is "ja" or "en") return lang;
        foreach (var v in new[] { "LC_ALL", "LC_MESSAGES", "LANG" })
        {
            var s = Environment.GetEnvironmentVariable(v);
            if (!string.IsNullOrEmpty(s)) return s.StartsWith("ja", StringComparison.OrdinalIgnoreCase) ? "ja" : "en";
        }
        return "en";
    }

    /// <summary>
    /// The format to write: --format when given; else the one the --output file's extension names
    /// (<see cref="FormatOfFile"/>); else text when standard output is a terminal, and <paramref name="otherwise"/>
    /// (JSON Lines for the commands whose output feeds programs) in a pipe, a redirection or a file of another name.
    /// </summary>
    public static string ResolveFormat(string? format, string? outputFile, string otherwise = "jsonl")
    {
        if (format is not null) return format;
        if (outputFile is not null) return FormatOfFile(outputFile) ?? otherwise;
        return Console.IsOutputRedirected ? otherwise : "text";
    }

    /// <summary>
    /// The format a file name asks for by its extension (case-insensitive): <c>.html</c>/<c>.htm</c>, <c>.sarif</c>
    /// (also <c>.sarif.json</c>), <c>.xml</c>/<c>.junit</c>, <c>.jsonl</c>/<c>.ndjson</c>/<c>.json</c>,
    /// <c>.txt</c>/<c>.text</c>; null for any other name.
    /// </summary>
    public static string? FormatOfFile(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".sarif.json", StringComparison.Ordinal)) return "sarif";
        return Path.GetExtension(name) switch
        {
            ".html" or ".htm" => "html",
            ".sarif" => "sarif",
            ".xml" or ".junit" => "junit",
            ".jsonl" or ".ndjson" or ".json" => "jsonl",
            ".txt" or ".text" => "text",
            _ => null,
        };
    }
}
