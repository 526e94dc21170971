using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SegVerify.Core.Engine;
using SegVerify.Core.Output;
using SegVerify.Core.Siem;

namespace SegVerify.Cli.Commands;

/// <summary>What --syslog asks for, checked before the run starts.</summary>
public sealed record SyslogSetup(SyslogTarget Target, X509Certificate2Collection? Ca, int QueueCapacity, TimeSpan DrainTimeout, TextWriter Stderr, string Lang);

/// <summary>
/// --syslog tcp://HOST:PORT | tls://HOST:PORT, --syslog-ca FILE, --syslog-queue N: SIEM delivery for replay, monitor,
/// collect and check-firewall (docs/syslog.md).
/// </summary>
public sealed class SyslogArgs
{
    public const int DefaultQueue = 10_000;

    public Option<string?> Target { get; } = new("--syslog") { Description = "Also send every finding to a syslog server (RFC 5424, octet-counted): tcp://HOST:PORT or tls://HOST:PORT" };
    public Option<string?> Ca { get; } = new("--syslog-ca") { Description = "PEM file of the CA certificates that the tls:// server's certificate must chain to (default: the system's)" };
    public Option<int> Queue { get; } = new("--syslog-queue") { Description = "Messages held while the syslog server is slow or away; more are dropped and counted", DefaultValueFactory = _ => DefaultQueue };
    public Option<double> Timeout { get; } = new("--syslog-timeout") { Description = "Seconds to wait at the end of the run for queued messages to be delivered", DefaultValueFactory = _ => 10 };

    public void AddTo(Command c)
    {
        c.Options.Add(Target);
        c.Options.Add(Ca);
        c.Options.Add(Queue);
        c.Options.Add(Timeout);
    }

    /// <summary>
    /// Checks the options: false (after a message on standard error) when they are wrong; <paramref name="setup"/> is
    /// null when --syslog is not given.
    /// </summary>
    public bool TryResolve(ParseResult pr, string lang, TextWriter stderr, out SyslogSetup? setup)
    {
        setup = null;
        bool ja = lang == "ja";
        string? text = pr.GetValue(Target);
        string? caPath = pr.GetValue(Ca);
        if (text is null)
        {
            if (caPath is null) return true;
            stderr.WriteLine(ja ? "segverify: --syslog-ca は --syslog tls://... と一緒に指定してください" : "segverify: --syslog-ca needs --syslog tls://...");
            return false;
        }
        var target = SyslogTarget.TryParse(text, lang, out var error);
        if (target is null) { stderr.WriteLine("segverify: " + error); return false; }
        if (caPath is not null && !target.Tls)
        {
            stderr.WriteLine(ja ? "segverify: --syslog-ca は tls:// の宛先にだけ使えます" : "segverify: --syslog-ca applies only to a tls:// target");
            return false;
        }
        int queue = pr.GetValue(Queue);
        if (queue < 1)
        {
            stderr.WriteLine(ja ? $"segverify: --syslog-queue は 1 以上で指定してください: {queue}" : $"segverify: --syslog-queue must be 1 or more: {queue}");
            return false;
        }
        double timeout = pr.GetValue(Timeout);
        if (!(timeout >= 0) || timeout > 86400)
        {
            stderr.WriteLine(ja ? $"segverify: --syslog-timeout は 0 から 86400 秒で指定してください: {timeout}" : $"segverify: --syslog-timeout must be 0 to 86400 seconds: {timeout}");
            return false;
        }
        X509Certificate2Collection? ca = null;
        if (caPath is not null)
        {
            try
            {
                ca = new X509Certificate2Collection();
                ca.ImportFromPemFile(caPath);
                if (ca.Count == 0) throw new CryptographicException(ja ? "証明書がありません" : "no certificate in the file");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
            {
                string why = ex is CryptographicException ? ex.Message : SegVerify.Core.Localization.Messages.IoError(ex, lang, caPath);
                stderr.WriteLine(ja ? $"segverify: --syslog-ca の PEM 証明書を読めません: {caPath}: {why}" : $"segverify: cannot read PEM certificates from --syslog-ca {caPath}: {why}");
                return false;
            }
        }
        setup = new SyslogSetup(target, ca, queue, TimeSpan.FromSeconds(timeout), stderr, lang);
        return true;
    }

    /// <summary><paramref name="inner"/> itself without --syslog; else a sink that also delivers to syslog (and owns <paramref name="inner"/>).</summary>
    public static IFindingSink Wrap(IFindingSink inner, SyslogSetup? setup, string? hostname = null)
    {
        if (setup is null) return inner;
        var stderr = setup.Stderr;
        var sender = new SyslogSender(setup.Target, setup.Ca, setup.QueueCapacity, msg =>
        {
            lock (stderr) stderr.WriteLine("segverify: " + msg);
        }, setup.Lang);
        return new SyslogSink(inner, sender, setup.DrainTimeout, hostname);
    }
}
