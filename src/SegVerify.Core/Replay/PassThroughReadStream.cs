namespace SegVerify.Core.Replay;

/// <summary>
/// A read-only stream over another that sees every byte read (<see cref="OnRead"/>) and owns the inner stream: the
/// base of the streams replay puts between a capture and its reader (progress count, evidence hash).
/// </summary>
internal abstract class PassThroughReadStream(Stream inner) : Stream
{
    /// <summary>Called with the bytes of every read that returned some.</summary>
    protected abstract void OnRead(ReadOnlySpan<byte> data);

    public override bool CanRead => true;
    /// <summary>As the inner stream, so that a reader can ask a file's length (it never seeks).</summary>
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        if (n > 0) OnRead(buffer[..n]);
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
