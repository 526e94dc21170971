using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace SegVerify.Core.Capture;

/// <summary>
/// A forward-only window over a capture, handing out each record as one contiguous span. Two backings:
/// <list type="bullet">
/// <item>a regular file mapped into memory a window at a time (<see cref="MappedWindow"/>): nothing is copied, and the
/// file is requested from memory a few KiB ahead of the reader so that its bytes arrive before they are parsed;</item>
/// <item>a stream (standard input, a pipe, a small file, a wrapped stream): large sequential reads into one reusable
/// pinned buffer.</item>
/// </list>
/// A record that straddles the end of the window is handled by moving the window (a mapping) or by moving the unread
/// tail to the front and refilling (a buffer, grown when one record is larger than it). Either way nothing is allocated
/// per record once the buffer has reached its working size.
/// </summary>
internal sealed unsafe class CaptureInput : IDisposable
{
    /// <summary>
    /// Initial buffer size: large sequential reads, few system calls, yet small enough that what read() just copied is
    /// still in the CPU's L2 cache when the records are parsed (256 KiB replays the 1 GB benchmark capture about 7 %
    /// faster than 1 MiB did: benchmarks/RESULTS.md).
    /// </summary>
    public const int DefaultBufferSize = 1 << 18;

    /// <summary>Largest record/block the readers accept (anything larger is treated as damage).</summary>
    public const int MaxRecordBytes = 256 << 20;

    /// <summary>
    /// How far ahead of the read position a mapped file is requested from memory, every cache line of it: the frames
    /// are read in order, but the next record's header is found only by reading this one's length, so without the
    /// request each record would wait for memory in turn (benchmarks/floor/mapwalk.c).
    /// </summary>
    private const int StreamPrefetchBytes = 4096;
    private const int CacheLine = 64;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private MappedWindow? _map;
    private byte[]? _buf;   // pinned; null when mapped
    private byte* _base;    // first byte of the window (the buffer's, or the mapping's)
    private int _capacity;  // bytes the window can hold
    private int _start;     // first unconsumed byte, from _base
    private int _end;       // one past the last valid byte, from _base
    private long _bufBase;  // input offset of _base[0]
    private bool _eof;
    /// <summary>Mapped: how far (from _base) the window has been requested from memory; int.MaxValue for a buffer.</summary>
    private int _prefetched = int.MaxValue;

    /// <param name="stream">The input; a regular file (a <see cref="FileStream"/>) is mapped when
    /// <see cref="MappedWindow.TryCreate"/> allows, anything else is read.</param>
    /// <param name="ownsStream">Dispose the stream with this input.</param>
    /// <param name="bufferSize">Buffer size when read.</param>
    /// <param name="mapping">How a file is mapped (tests use small windows); null for the defaults.</param>
    public CaptureInput(Stream stream, bool ownsStream, int bufferSize = DefaultBufferSize, MappedWindow.Options? mapping = null)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        if (stream is FileStream file && MappedWindow.TryCreate(file, mapping ?? MappedWindow.Options.Default) is { } map)
        {
            _map = map;
            _bufBase = file.Position;
        }
        else
        {
            SetBuffer(GC.AllocateUninitializedArray<byte>(Math.Max(bufferSize, 64), pinned: true));
        }
    }

    /// <summary>True when the input is a file mapped into memory (no copy).</summary>
    public bool IsMapped => _map is not null;

    private void SetBuffer(byte[] buf)
    {
        _buf = buf;
        _base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buf));
        _capacity = buf.Length;
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
    public ReadOnlySpan<byte> Peek(int count) => new(_base + _start, count);

    /// <summary>Every unconsumed byte buffered now (for a reader's fast path; see <see cref="Ensure"/> for the rest).</summary>
    public ReadOnlySpan<byte> Available
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_base + _start, _end - _start);
    }

    /// <summary>Consumes <paramref name="count"/> bytes (after <see cref="Ensure"/>); the span stays valid until the next Ensure.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Take(int count)
    {
        var s = new ReadOnlySpan<byte>(_base + _start, count);
        _start += count;
        if (_start > _prefetched - StreamPrefetchBytes) PrefetchStream();
        return s;
    }

    /// <summary>Consumes <paramref name="count"/> buffered bytes (at most <see cref="Buffered"/>), like <see cref="Take"/> without the span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int count)
    {
        System.Diagnostics.Debug.Assert((uint)count <= (uint)(_end - _start));
        _start += count;
        if (_start > _prefetched - StreamPrefetchBytes) PrefetchStream();
    }

    /// <summary>Mapped: requests every cache line up to <see cref="StreamPrefetchBytes"/> past the read position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PrefetchStream()
    {
        int to = Math.Min(_start + StreamPrefetchBytes, _end);
        int at = Math.Max(_prefetched, _start);
        if (Sse.IsSupported)
            for (; at < to; at += CacheLine) Sse.Prefetch0(_base + at);
        _prefetched = Math.Max(at, to);
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
        if (_map is not null)
        {
            // past the window: the next Ensure maps the window there
            long target = Position + count;
            long length = _map.FileLength();
            _bufBase = Math.Min(target, length);
            _start = _end = 0;
            _prefetched = 0;
            return target <= length;
        }
        count -= have;
        _bufBase += _end;
        _start = _end = 0;
        while (count > 0)
        {
            if (!Ensure((int)Math.Min(count, _capacity))) return false;
            int n = (int)Math.Min(count, _end - _start);
            _start += n;
            count -= n;
        }
        return true;
    }

    /// <summary>Bytes left from <see cref="Position"/> to the end of input when the stream can tell; else those buffered.</summary>
    public long KnownRemaining =>
        _map is not null ? _map.FileLength() - Position : _stream.CanSeek ? _stream.Length - Position : Buffered;

    private bool Fill(int count) => _map is not null ? MoveWindow(count) : Refill(count);

    /// <summary>Mapped: maps the window that starts at the read position (false when fewer than count bytes are left).</summary>
    private bool MoveWindow(int count)
    {
        long position = Position;
        // another process wants to write or cut the file: read the rest of it, and give the lease back
        if (_map!.LeaseBroken) return FallBackToReading(position, count);
        byte* p = _map.Move(position, count, out long windowStart, out int windowLength);
        if (p is null)
        {
            if (position < _map.FileLength()) return FallBackToReading(position, count); // the mapping failed
            _bufBase = position;
            _start = _end = 0;
            return false;
        }
        _base = p;
        _bufBase = windowStart;
        _capacity = _end = windowLength;
        _start = (int)(position - windowStart);
        _prefetched = _start;
        PrefetchStream();
        return _end - _start >= count;
    }

    /// <summary>
    /// Mapped, and the kernel refused a mapping or wants the file's lease back: the rest of the file is read through a
    /// buffer from <paramref name="position"/> instead.
    /// </summary>
    private bool FallBackToReading(long position, int count)
    {
        _map!.Dispose();
        _map = null;
        _prefetched = int.MaxValue;
        SetBuffer(GC.AllocateUninitializedArray<byte>(DefaultBufferSize, pinned: true));
        _stream.Position = position;
        _bufBase = position;
        _start = _end = 0;
        return Refill(count);
    }

    private bool Refill(int count)
    {
        // A seekable input (a file) says up front whether the bytes exist: a damaged length field must not make the
        // buffer grow to hundreds of MiB only to find the end of the file.
        if (count > _capacity && _stream.CanSeek && _stream.Length - Position < count)
            return false;
        if (count > _capacity - _start)
        {
            // Move the unread tail to the front (or into a larger buffer when one record is bigger than the buffer).
            int tail = _end - _start;
            var target = _buf!;
            if (count > _capacity)
            {
                int size = _capacity;
                while (size < count) size = size <= int.MaxValue / 2 ? size * 2 : int.MaxValue;
                target = GC.AllocateUninitializedArray<byte>(size, pinned: true);
            }
            if (tail > 0) Buffer.BlockCopy(_buf!, _start, target, 0, tail);
            _bufBase += _start;
            if (!ReferenceEquals(target, _buf)) SetBuffer(target);
            _start = 0;
            _end = tail;
        }
        while (!_eof && _end - _start < count)
        {
            int n = _stream.Read(_buf!, _end, _capacity - _end);
            if (n <= 0) _eof = true;
            else _end += n;
        }
        return _end - _start >= count;
    }

    public void Dispose()
    {
        _map?.Dispose();
        _map = null;
        _start = _end = 0;
        if (_ownsStream) _stream.Dispose();
    }
}
