using System.Security.Cryptography;

namespace SegVerify.Core.Replay;

/// <summary>A read-only pass-through stream that computes the SHA-256 of everything read (the capture's evidence hash).</summary>
internal sealed class HashingStream(Stream inner) : PassThroughReadStream(inner)
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _done;

    protected override void OnRead(ReadOnlySpan<byte> data) => _hash.AppendData(data);

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

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
