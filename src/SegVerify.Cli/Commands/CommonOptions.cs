using System.CommandLine;

namespace SegVerify.Cli.Commands;

/// <summary>Options every command takes: --format, --output, --lang, --quiet.</summary>
public sealed class CommonOptions
{
    public Option<string?> Format { get; } = new("--format")
    {
        Description = "Output format: text, jsonl, sarif, junit, html (default: text on a terminal, else jsonl)",
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

    public static string ResolveFormat(string? format, string? outputFile) =>
        format ?? (outputFile is null && !Console.IsOutputRedirected ? "text" : "jsonl");
}
