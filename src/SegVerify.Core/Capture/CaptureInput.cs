using System.Runtime.CompilerServices;

namespace SegVerify.Core.Capture;

/// <summary>
/// A forward-only window over a stream: large sequential reads into one reusable byte buffer. A record that straddles
/// the end of the buffer is handled by moving the unread tail to the front and refilling (growing the buffer when
/// one record is larger than it), so the readers see every record as one contiguous span and nothing is allocated
/// per record once the buffer has reached its working size.
/// </summary>
internal sealed class CaptureInput : IDisposable
{
    /// <summary>
    /// Initial buffer size: large sequential reads, few system calls, yet small enough that what read() just copied is
    /// still in the CPU's L2 cache when the records are parsed (256 KiB replays the 1 GB benchmark capture about 7 %
    /// faster than 1 MiB did: benchmarks/RESULTS.md).
    /// </summary>
    public const int DefaultBufferSize = 1 << 18;

    /// <summary>Largest record/block the readers accept (anything larger is treated as damage).</summary>
    public const int MaxRecordBytes = 256 << 20;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private byte[] _buf;
    private int _start;   // first unconsumed byte
    private int _end;     // one past the last valid byte
    private long _bufBase; // stream offset of _buf[0]
    private bool _eof;

    public CaptureInput(Stream stream, bool ownsStream, int bufferSize = DefaultBufferSize)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        _buf = new byte[Math.Max(bufferSize, 64)];
    }

    /// <summary>Stream offset of the next unconsumed byte.</summary>
    public long Position => _bufBase + _start;

    /// <summary>Bytes buffered and not yet consumed.</summary>
    public int Buffered => _end - _start;

    /// <summary>
    /// Makes at least <paramref name="count"/> unconsumed bytes contiguous in the buffer, reading as needed.
    /// Returns false when the input ends first (then <see cref="Buffered"/> says how many there are).
    /// Spans handed out before this call become invalid.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Ensure(int count) => _end - _start >= count || Fill(count);

    /// <summary>The next <paramref name="count"/> unconsumed bytes (call <see cref="Ensure"/> first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Peek(int count) => new(_buf, _start, count);

    /// <summary>Every unconsumed byte buffered now (for a reader's fast path; see <see cref="Ensure"/> for the rest).</summary>
    public ReadOnlySpan<byte> Available
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_buf, _start, _end - _start);
    }

    /// <summary>Consumes <paramref name="count"/> bytes (after <see cref="Ensure"/>); the span stays valid until the next Ensure.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Take(int count)
    {
        var s = new ReadOnlySpan<byte>(_buf, _start, count);
        _start += count;
        return s;
    }

    /// <summary>Consumes <paramref name="count"/> buffered bytes (at most <see cref="Buffered"/>), like <see cref="Take"/> without the span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int count)
    {
        System.Diagnostics.Debug.Assert((uint)count <= (uint)(_end - _start));
        _start += count;
    }

    /// <summary>Skips <paramref name="count"/> bytes, reading through them when they are not buffered. False at end of input.</summary>
    public bool Skip(long count)
    {
        long have = _end - _start;
        if (count <= have)
        {
            _start += (int)count;
            return true;
        }
        count -= have;
        _bufBase += _end;
        _start = _end = 0;
        while (count > 0)
        {
            if (!Ensure((int)Math.Min(count, _buf.Length))) return false;
            int n = (int)Math.Min(count, _end - _start);
            _start += n;
            count -= n;
        }
        return true;
    }

    /// <summary>Bytes left from <see cref="Position"/> to the end of input when the stream can tell; else those buffered.</summary>
    public long KnownRemaining => _stream.CanSeek ? _stream.Length - Position : Buffered;

    private bool Fill(int count)
    {
        // A seekable input (a file) says up front whether the bytes exist: a damaged length field must not make the
        // buffer grow to hundreds of MiB only to find the end of the file.
        if (count > _buf.Length && _stream.CanSeek && _stream.Length - Position < count)
            return false;
        if (count > _buf.Length - _start)
        {
            // Move the unread tail to the front (or into a larger buffer when one record is bigger than the buffer).
            int tail = _end - _start;
            var target = _buf;
            if (count > _buf.Length)
            {
                int size = _buf.Length;
                while (size < count) size = size <= int.MaxValue / 2 ? size * 2 : int.MaxValue;
                target = new byte[size];
            }
            if (tail > 0) Buffer.BlockCopy(_buf, _start, target, 0, tail);
            _bufBase += _start;
            _buf = target;
            _start = 0;
            _end = tail;
        }
        while (!_eof && _end - _start < count)
        {
            int n = _stream.Read(_buf, _end, _buf.Length - _end);
            if (n <= 0) _eof = true;
            else _end += n;
        }
        return _end - _start >= count;
    }

    public void Dispose()
    {
        if (_ownsStream) _stream.Dispose();
    }
}
