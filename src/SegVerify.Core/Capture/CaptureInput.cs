using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SegVerify.Core.Capture;

/// <summary>
/// A forward-only window over a capture, handing out each record as one contiguous span. Two backings:
/// <list type="bullet">
/// <item>a file mapped into memory (<see cref="MappedFile"/>): the window is the whole file, nothing is copied;</item>
/// <item>a stream (standard input, a pipe, a small file): large sequential reads into one reusable pinned buffer. A
/// record that straddles the end of the buffer is handled by moving the unread tail to the front and refilling (growing
/// the buffer when one record is larger than it).</item>
/// </list>
/// Either way nothing is allocated per record once the buffer has reached its working size.
/// </summary>
internal sealed unsafe class CaptureInput : IDisposable
{
    /// <summary>Initial buffer size: large sequential reads, few system calls.</summary>
    public const int DefaultBufferSize = 1 << 20;

    /// <summary>Largest record/block the readers accept (anything larger is treated as damage).</summary>
    public const int MaxRecordBytes = 256 << 20;

    private readonly Stream? _stream;
    private readonly bool _ownsStream;
    private readonly MappedFile? _mapped;
    private byte[]? _buf;   // pinned; null when mapped
    private byte* _base;    // first byte of the window (the buffer's, or the file's)
    private long _start;    // first unconsumed byte, from _base
    private long _end;      // one past the last valid byte, from _base
    private long _bufBase;  // input offset of _base[0]
    private bool _eof;

    public CaptureInput(Stream stream, bool ownsStream, int bufferSize = DefaultBufferSize)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        SetBuffer(NewBuffer(Math.Max(bufferSize, 64)));
    }

    /// <summary>A window over a whole mapped file (owned: disposed with this input).</summary>
    public CaptureInput(MappedFile mapped)
    {
        _mapped = mapped;
        _base = mapped.Pointer;
        _end = mapped.Length;
        _eof = true;
        _dropAt = 2 * DropDistance;
    }

    /// <summary>True when the input is a mapped file (no copy).</summary>
    public bool IsMapped => _mapped is not null;

    private static byte[] NewBuffer(int size) => GC.AllocateUninitializedArray<byte>(size, pinned: true);

    private void SetBuffer(byte[] buf)
    {
        _buf = buf;
        _base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buf));
    }

    private long Capacity => _buf?.Length ?? _end;

    /// <summary>Input offset of the next unconsumed byte.</summary>
    public long Position => _bufBase + _start;

    /// <summary>Bytes available and not yet consumed (capped at <see cref="int.MaxValue"/>).</summary>
    public int Buffered => (int)Math.Min(_end - _start, int.MaxValue);

    /// <summary>
    /// Makes at least <paramref name="count"/> unconsumed bytes contiguous, reading as needed.
    /// Returns false when the input ends first (then <see cref="Buffered"/> says how many there are).
    /// Spans handed out before this call become invalid.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Ensure(int count) => _end - _start >= count || Fill(count);

    /// <summary>The next <paramref name="count"/> unconsumed bytes (call <see cref="Ensure"/> first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Peek(int count) => new(_base + _start, count);

    /// <summary>Consumes <paramref name="count"/> bytes (after <see cref="Ensure"/>); the span stays valid until the next Ensure.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Take(int count)
    {
        var s = new ReadOnlySpan<byte>(_base + _start, count);
        _start += count;
        if (_start >= _dropAt) DropBehind();
        return s;
    }

    /// <summary>Mapped input: where the next release of read pages is due (never, for a buffer).</summary>
    private long _dropAt = long.MaxValue;

    /// <summary>Pages of a mapped file are released this far behind the read position, so resident memory stays flat.</summary>
    private const long DropDistance = 8L << 20;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DropBehind()
    {
        // Records handed out earlier may still be in use (the decode-ahead ring holds a few): keep a margin.
        _mapped!.Release(_start - DropDistance);
        _dropAt = _start + DropDistance;
    }

    /// <summary>Skips <paramref name="count"/> bytes, reading through them when they are not buffered. False at end of input.</summary>
    public bool Skip(long count)
    {
        long have = _end - _start;
        if (count <= have)
        {
            _start += count;
            return true;
        }
        if (_stream is null)
        {
            _start = _end;
            return false;
        }
        count -= have;
        _bufBase += _end;
        _start = _end = 0;
        while (count > 0)
        {
            if (!Ensure((int)Math.Min(count, Capacity))) return false;
            long n = Math.Min(count, _end - _start);
            _start += n;
            count -= n;
        }
        return true;
    }

    /// <summary>Bytes left from <see cref="Position"/> to the end of input when the input can tell; else those buffered.</summary>
    public long KnownRemaining => _stream is null ? _end - _start : _stream.CanSeek ? _stream.Length - Position : Buffered;

    private bool Fill(int count)
    {
        if (_stream is null) return false; // a mapped file is all there at once
        // A seekable input (a file) says up front whether the bytes exist: a damaged length field must not make the
        // buffer grow to hundreds of MiB only to find the end of the file.
        if (count > Capacity && _stream.CanSeek && _stream.Length - Position < count)
            return false;
        var buf = _buf!;
        if (count > buf.Length - _start)
        {
            // Move the unread tail to the front (or into a larger buffer when one record is bigger than the buffer).
            int tail = (int)(_end - _start);
            var target = buf;
            if (count > buf.Length)
            {
                int size = buf.Length;
                while (size < count) size = size <= int.MaxValue / 2 ? size * 2 : int.MaxValue;
                target = NewBuffer(size);
            }
            if (tail > 0) Buffer.BlockCopy(buf, (int)_start, target, 0, tail);
            _bufBase += _start;
            SetBuffer(target);
            buf = target;
            _start = 0;
            _end = tail;
        }
        while (!_eof && _end - _start < count)
        {
            int n = _stream.Read(buf, (int)_end, buf.Length - (int)_end);
            if (n <= 0) _eof = true;
            else _end += n;
        }
        return _end - _start >= count;
    }

    public void Dispose()
    {
        _mapped?.Dispose();
        if (_ownsStream) _stream?.Dispose();
    }
}
