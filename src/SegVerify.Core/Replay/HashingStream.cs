using System.Security.Cryptography;

namespace SegVerify.Core.Replay;

/// <summary>A read-only pass-through stream that computes the SHA-256 of everything read (the capture's evidence hash).</summary>
internal sealed class HashingStream(Stream inner) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _done;

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
        if (n > 0) _hash.AppendData(buffer.Slice(0, n));
        return n;
    }

    /// <summary>Reads what the reader left unread (a damaged tail) so the hash covers the whole input, then returns it.</summary>
    public string Finish()
    {
        if (!_done)
        {
            var buf = new byte[1 << 20];
            while (Read(buf) > 0) { }
            _done = true;
        }
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) { inner.Dispose(); _hash.Dispose(); }
        base.Dispose(disposing);
    }
}
