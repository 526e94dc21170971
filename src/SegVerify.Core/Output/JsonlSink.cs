using System.Text.Json;
using SegVerify.Core.Findings;

namespace SegVerify.Core.Output;

/// <summary>
/// JSON Lines (spec: "JSON Lines (--format jsonl)"): one object per line, UTF-8, Japanese written as is.
/// Field names are the contract; absent values are omitted.
/// </summary>
public sealed class JsonlSink : IFindingSink
{
    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = FindingJson.Encoder,
        Indented = false,
        SkipValidation = false,
    };

    private static readonly byte[] Newline = "\n"u8.ToArray();

    private readonly Stream _out;
    private readonly bool _ownsStream;
    private readonly Utf8JsonWriter _w;

    /// <summary>Flush after every line (monitor: findings stream as they happen).</summary>
    public bool AutoFlush { get; set; }

    public JsonlSink(Stream output, bool ownsStream = false)
    {
        _out = output;
        _ownsStream = ownsStream;
        _w = new Utf8JsonWriter(_out, WriterOptions);
    }

    private RunInfo? _info;
    /// <summary>Language of <c>message</c> and <c>clause</c>: the run's.</summary>
    private string _lang = "en";

    public void Begin(RunInfo info)
    {
        _info = info;
        _lang = info.Language;
    }

    public void OnFinding(Finding f)
    {
        FindingJson.WriteObject(_w, f, _lang);
        EndLine();
    }

    public void OnFlow(FlowEvent flow)
    {
        FindingJson.WriteObject(_w, flow);
        EndLine();
    }

    /// <summary>Writes a probe trace as one <c>"event":"probe"</c> line.</summary>
    public void OnProbe(ProbeResult probe)
    {
        FindingJson.WriteProbe(_w, probe);
        EndLine();
    }

    private void EndLine()
    {
        _w.Flush();
        _w.Reset();
        _out.Write(Newline);
        if (AutoFlush) _out.Flush();
    }

    public void End(RunSummary s)
    {
        _w.WriteStartObject();
        _w.WriteString("event", "summary");
        _w.WriteStartArray("captures");
        foreach (var c in s.Captures)
        {
            _w.WriteStartObject();
            _w.WriteString("file", c.Name);
            if (c.Sha256 is not null) _w.WriteString("sha256", c.Sha256); else _w.WriteNull("sha256");
            _w.WriteEndObject();
        }
        _w.WriteEndArray();
        if (_info is not null) _w.WriteString("kind", _info.KindId);
        FindingJson.WriteSummaryFields(_w, s);
        _w.WriteEndObject();
        EndLine();
        _out.Flush();
    }

    public void Dispose()
    {
        _w.Dispose();
        if (_ownsStream) _out.Dispose();
        else _out.Flush();
    }
}
