using System.Buffers;
using System.Text.Json;
using SegVerify.Core.Findings;
using SegVerify.Core.Output;

namespace SegVerify.Core.Siem;

/// <summary>
/// Passes every call to the run's own sink and also sends each finding (and each flow record, with --flows) to a
/// syslog server as one RFC 5424 message whose MSG is the finding's JSON Lines object. At the end it waits a bounded
/// time for the queue to empty and adds <c>"syslog": {target, sent, dropped, reconnects}</c> to the summary.
/// </summary>
public sealed class SyslogSink : IFindingSink
{
    private readonly IFindingSink _inner;
    private readonly SyslogSender _sender;
    private readonly TimeSpan _drainTimeout;
    private readonly string _hostname;
    private readonly int _procId = Environment.ProcessId;
    private readonly ArrayBufferWriter<byte> _json = new(1024);
    private readonly ArrayBufferWriter<byte> _framed = new(1536);
    private readonly Utf8JsonWriter _writer;
    private readonly List<KeyValuePair<string, string>> _sd = new(3);
    private bool _ended;

    /// <param name="inner">The run's sink (not owned).</param>
    /// <param name="sender">Owned: disposed with this sink.</param>
    /// <param name="hostname">HOSTNAME of the messages (the sensor's name); the machine's name when null.</param>
    public SyslogSink(IFindingSink inner, SyslogSender sender, TimeSpan drainTimeout, string? hostname = null)
    {
        _inner = inner;
        _sender = sender;
        _drainTimeout = drainTimeout;
        _hostname = hostname ?? Environment.MachineName;
        _writer = new Utf8JsonWriter(_json, JsonlSink.WriterOptions);
    }

    public SyslogSender Sender => _sender;

    /// <summary>Language of the messages' <c>message</c> and <c>clause</c>: the run's.</summary>
    private string _lang = "en";

    public void Begin(RunInfo info)
    {
        _lang = info.Language;
        _inner.Begin(info);
    }

    public void OnFinding(Finding finding)
    {
        _inner.OnFinding(finding);
        _sender.Enqueue(Frame(finding, DateTime.UtcNow));
    }

    public void OnFlow(FlowEvent flow)
    {
        _inner.OnFlow(flow);
        _sender.Enqueue(Frame(flow, DateTime.UtcNow));
    }

    /// <summary>The framed RFC 5424 message for one finding (public for tests).</summary>
    public byte[] Frame(Finding finding, DateTime nowUtc)
    {
        StartJson();
        FindingJson.WriteObject(_writer, finding, _lang);
        _sd.Add(new("rule", finding.Rule));
        _sd.Add(new("severity", finding.Severity == Severity.Violation ? "violation" : "warning"));
        return Framed(finding, nowUtc);
    }

    /// <summary>The framed RFC 5424 message for one flow event (public for tests).</summary>
    public byte[] Frame(FlowEvent flow, DateTime nowUtc)
    {
        StartJson();
        FindingJson.WriteObject(_writer, flow);
        _sd.Add(new("verdict", flow.Verdict));
        return Framed(flow, nowUtc);
    }

    private void StartJson()
    {
        _json.ResetWrittenCount();
        _writer.Reset(_json);
        _sd.Clear();
    }

    private byte[] Framed(OutputEvent e, DateTime nowUtc)
    {
        _writer.Flush();
        if (e.CommunityId is { Length: > 0 } cid) _sd.Add(new("community_id", cid));
        _framed.ResetWrittenCount();
        Rfc5424.Write(_framed, nowUtc, _hostname, _procId, e.Event, _sd, _json.WrittenSpan);
        return _framed.WrittenSpan.ToArray();
    }

    public void OnProbe(ProbeResult probe) => _inner.OnProbe(probe);

    public void End(RunSummary summary)
    {
        if (!_ended)
        {
            _ended = true;
            _sender.Drain(_drainTimeout);
            _sender.Dispose(); // what is still queued now is counted as dropped
            summary.Extra.Add(new("syslog", new Dictionary<string, object?>
            {
                ["target"] = _sender.Target.ToString(),
                ["sent"] = _sender.Sent,
                ["dropped"] = _sender.Dropped,
                ["reconnects"] = _sender.Reconnects,
            }));
        }
        _inner.End(summary);
    }

    public void Dispose()
    {
        _sender.Dispose();
        _writer.Dispose();
        _inner.Dispose();
    }
}
