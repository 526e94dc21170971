using SegVerify.Core.Output;

namespace SegVerify.Cli.Commands;

/// <summary>Creates the output sink for --format/--output.</summary>
public static class SinkFactory
{
    public static IFindingSink Create(string format, string? outputFile, TextWriter stdout, string lang, IReadOnlyList<string>? ruleNames = null)
    {
        Stream stream = outputFile is null ? OpenStdout(stdout) : File.Create(outputFile);
        return format switch
        {
            "jsonl" => new JsonlSink(stream, ownsStream: outputFile is not null),
            _ => new JsonlSink(stream, ownsStream: outputFile is not null),
        };
    }

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
