using System.CommandLine;
using SegVerify.Core.Audit;

namespace SegVerify.Cli.Commands;

/// <summary><c>segverify audit verify FILE</c>: checks an audit log's hash chain (exit 0 intact, 1 tampered, 2 unreadable).</summary>
public static class AuditCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var cmd = new Command("audit", "Work with audit logs written by --audit-log / 監査ログの操作");
        var verify = new Command("verify", "Check that an audit log is intact: exit 0, or 1 naming the first altered, inserted or deleted record / 監査ログの改ざんを検査する");
        var file = new Argument<string>("file") { Description = "The audit log (written by --audit-log)" };
        var lang = new Option<string?>("--lang") { Description = "Message language: ja or en (default: from the locale)" };
        lang.AcceptOnlyFromAmong("ja", "en");
        verify.Arguments.Add(file);
        verify.Options.Add(lang);
        verify.SetAction(pr =>
        {
            string l = CommonOptions.ResolveLanguage(pr.GetValue(lang));
            string path = pr.GetValue(file)!;
            AuditVerifyResult result;
            try
            {
                result = AuditVerifier.Verify(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                string why = SegVerify.Core.Localization.Messages.IoError(ex, l, path);
                stderr.WriteLine(l == "ja" ? $"segverify: 監査ログ {path} を読めません: {why}" : $"segverify: cannot read the audit log {path}: {why}");
                return ExitCodes.Usage;
            }
            (result.Intact ? stdout : stderr).WriteLine(result.Describe(path, l));
            return result.Intact ? ExitCodes.Ok : ExitCodes.Violations;
        });
        cmd.Subcommands.Add(verify);
        return cmd;
    }
}
