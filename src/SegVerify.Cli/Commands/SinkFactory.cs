using SegVerify.Core.Findings;
using SegVerify.Core.Output;

namespace SegVerify.Cli.Commands;

/// <summary>Creates the output sink for --format/--output.</summary>
public static class SinkFactory
{
    /// <summary>
    /// A sink for --format writing to --output (or standard output). Text gets colour only on a terminal.
    /// <paramref name="ruleNames"/> are the topology's allow rules and sanitisation paths (JUnit test cases).
    /// </summary>
    public static IFindingSink Create(string format, string? outputFile, TextWriter stdout, string lang, IReadOnlyList<string>? ruleNames = null, SegVerify.Core.Topology.Topology? topology = null, IEnumerable<string>? inputs = null)
    {
        // --output: a temporary file beside the target, renamed over it when the run completes (refused when it is
        // one of the inputs). Standard output of the process: written through its file descriptor, so a closed pipe
        // is seen (the console stream ignores EPIPE) and every write error names the output.
        Stream? fileStream = outputFile is not null ? AtomicOutputFile.Open(outputFile, inputs ?? [], lang) : null;
        bool realStdout = outputFile is null && ReferenceEquals(stdout, Console.Out);
        if (format == "jsonl")
        {
            Stream stream = fileStream ?? (realStdout ? StdoutStream(lang) : new TextWriterStream(stdout));
            var jsonl = new JsonlSink(stream, ownsStream: true);
            return fileStream is null ? jsonl : new CompletingSink(jsonl, fileStream);
        }
        bool toTerminal = realStdout && !Console.IsOutputRedirected;
        TextWriter writer = fileStream is not null ? new StreamWriter(fileStream, new System.Text.UTF8Encoding(false))
            : realStdout && !toTerminal ? new StreamWriter(StdoutStream(lang), new System.Text.UTF8Encoding(false))
            : stdout;
        var sink = format == "junit" && topology is not null
            ? new JunitSink(writer, lang, topology)
            : ForWriter(format, writer, lang, ruleNames, color: toTerminal && Environment.GetEnvironmentVariable("NO_COLOR") is null);
        if (ReferenceEquals(writer, stdout)) return sink;
        var owning = new OwningSink(sink, writer);
        return fileStream is null ? owning : new CompletingSink(owning, fileStream);
    }

    private static Stream StdoutStream(string lang) =>
        new GuardedStream(new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1 << 16), "standard output", lang);

    /// <summary>A sink over a TextWriter (jsonl too), e.g. for monitor and tests.</summary>
    public static IFindingSink ForWriter(string format, TextWriter writer, string lang, IReadOnlyList<string>? ruleNames = null, bool color = false) =>
        format switch
        {
            "jsonl" => new JsonlSink(new TextWriterStream(writer)),
            "text" => new TextSink(writer, lang, color),
            "sarif" => new SarifSink(writer, lang),
            "junit" => new JunitSink(writer, lang, ruleNames),
            "html" => new HtmlSink(writer, lang),
            _ => throw new ArgumentException($"unknown format '{format}'"),
        };
}

/// <summary>Adapts a TextWriter to a UTF-8 byte stream (for in-process tests).</summary>
internal sealed class TextWriterStream(TextWriter writer) : Stream
{
    private readonly System.Text.Decoder _decoder = System.Text.Encoding.UTF8.GetDecoder();
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => writer.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Span<char> chars = stackalloc char[1024];
        while (!buffer.IsEmpty)
        {
            int take = Math.Min(buffer.Length, 512);
            int n = _decoder.GetChars(buffer.Slice(0, take), chars, flush: false);
            writer.Write(chars.Slice(0, n));
            buffer = buffer.Slice(take);
        }
    }
}

/// <summary>Marks an --output file complete once the run's summary is written, so disposing renames it into place.</summary>
internal sealed class CompletingSink(IFindingSink inner, Stream file) : IFindingSink
{
    public void Begin(RunInfo info) => inner.Begin(info);
    public void OnFinding(Finding finding) => inner.OnFinding(finding);
    public void OnFlow(FlowEvent flow) => inner.OnFlow(flow);
    public void OnProbe(ProbeResult probe) => inner.OnProbe(probe);
    public void End(RunSummary summary)
    {
        inner.End(summary);
        AtomicOutputFile.Complete(file);
    }
    public void Dispose() => inner.Dispose();
}

/// <summary>Disposes the file writer after the sink it feeds.</summary>
internal sealed class OwningSink(IFindingSink inner, TextWriter writer) : IFindingSink
{
    public void Begin(RunInfo info) => inner.Begin(info);
    public void OnFinding(Finding finding) => inner.OnFinding(finding);
    public void OnFlow(FlowEvent flow) => inner.OnFlow(flow);
    public void OnProbe(ProbeResult probe) => inner.OnProbe(probe);
    public void End(RunSummary summary) => inner.End(summary);
    public void Dispose()
    {
        inner.Dispose();
        writer.Dispose();
    }
}
