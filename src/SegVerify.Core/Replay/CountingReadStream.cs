namespace SegVerify.Core.Replay;

/// <summary>A read-only pass-through stream that counts the bytes read (for progress; readable from another thread).</summary>
internal sealed class CountingReadStream(Stream inner) : PassThroughReadStream(inner)
{
    private long _count;

    /// <summary>Bytes read so far.</summary>
    public long Count => Volatile.Read(ref _count);

    protected override void OnRead(ReadOnlySpan<byte> data) => Volatile.Write(ref _count, _count + data.Length);
}
