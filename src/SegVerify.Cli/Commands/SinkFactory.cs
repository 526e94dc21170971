using SegVerify.Core.Engine;
using SegVerify.Core.Output;

namespace SegVerify.Cli.Commands;

/// <summary>Creates the output sink for --format/--output.</summary>
public static class SinkFactory
{
    /// <summary>
    /// A sink for --format writing to --output (or standard output). Text gets colour only on a terminal.
    /// <paramref name="ruleNames"/> are the topology's allow rules and sanitisation paths (JUnit test cases).
    /// </summary>
    public static IFindingSink Create(string format, string? outputFile, TextWriter stdout, string lang, IReadOnlyList<string>? ruleNames = null, SegVerify.Core.Topology.Topology? topology = null)
    {
        if (format == "jsonl")
        {
            Stream stream = outputFile is null ? OpenStdout(stdout) : File.Create(outputFile);
            return new JsonlSink(stream, ownsStream: outputFile is not null);
        }
        bool toTerminal = outputFile is null && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
        TextWriter writer = outputFile is null ? stdout : new StreamWriter(File.Create(outputFile), new System.Text.UTF8Encoding(false));
        var sink = format == "junit" && topology is not null
            ? new JunitSink(writer, lang, topology)
            : ForWriter(format, writer, lang, ruleNames, color: toTerminal && Environment.GetEnvironmentVariable("NO_COLOR") is null);
        return outputFile is null ? sink : new OwningSink(sink, writer);
    }

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

    /// <summary>The process's standard output as a stream, or a stream over the given writer (tests run in-process).</summary>
    private static Stream OpenStdout(TextWriter stdout) =>
        ReferenceEquals(stdout, Console.Out) ? Console.OpenStandardOutput() : new TextWriterStream(stdout);
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

/// <summary>Disposes the file writer after the sink it feeds.</summary>
internal sealed class OwningSink(IFindingSink inner, TextWriter writer) : IFindingSink
{
    public void Begin(RunInfo info) => inner.Begin(info);
    public void OnFinding(Finding finding) => inner.OnFinding(finding);
    public void OnProbe(ProbeResult probe) => inner.OnProbe(probe);
    public void End(RunSummary summary) => inner.End(summary);
    public void Dispose()
    {
        inner.Dispose();
        writer.Dispose();
    }
}
