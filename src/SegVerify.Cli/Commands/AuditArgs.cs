using System.CommandLine;
using SegVerify.Core.Audit;
using SegVerify.Core.Output;

namespace SegVerify.Cli.Commands;

/// <summary>
/// <c>--audit-log FILE</c> on replay, monitor and check-firewall: every finding also goes to a tamper-evident,
/// hash-chained log (docs/audit-log.md). The logic lives in SegVerify.Core.Audit; this only parses and wires.
/// </summary>
public sealed class AuditArgs
{
    public Option<string?> AuditLog { get; } = new("--audit-log")
    {
        Description = "Also append every finding to this tamper-evident log (hash-chained JSON Lines; check it with 'segverify audit verify')",
    };

    public void AddTo(Command c) => c.Options.Add(AuditLog);

    /// <summary>
    /// Opens the log when asked (null when not), before any work, so that an unusable log is exit 2 at once.
    /// False (message printed) when it cannot be opened or must not be extended.
    /// </summary>
    public bool TryOpen(ParseResult pr, string lang, TextWriter stderr, out AuditLogWriter? log)
    {
        log = null;
        if (pr.GetValue(AuditLog) is not { } path) return true;
        try
        {
            log = AuditLogWriter.Open(path, lang);
            return true;
        }
        catch (AuditLogException ex)
        {
            stderr.WriteLine("segverify: " + ex.Message);
            return false;
        }
    }

    /// <summary>The sink that records into <paramref name="log"/> as well, or <paramref name="sink"/> when there is no log.</summary>
    public static IFindingSink Wrap(IFindingSink sink, AuditLogWriter? log, AuditRunStart start) =>
        log is null ? sink : new AuditSink(sink, log, start);

    /// <summary>The command line as given (after the program name), for the run-start record.</summary>
    public static IReadOnlyList<string> Arguments(ParseResult pr) => pr.Tokens.Select(t => t.Value).ToList();
}
