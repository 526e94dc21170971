using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SegVerify.Core.Engine;

/// <summary>
/// A single-producer/single-consumer queue of copied capture records in one preallocated byte ring. Positions are
/// published in batches (every <see cref="PublishEvery"/> entries, and whenever a side is about to wait), so the two
/// threads touch shared cache lines rarely; a side that finds nothing to do spins briefly, then sleeps on a monitor.
/// Nothing is allocated per entry, except a copy of a record larger than a quarter of the ring (passed beside it).
/// <para>Entry layout (8-byte aligned): a 48-byte header, then the captured bytes.</para>
/// </summary>
internal sealed class ShardQueue
{
    public const int DefaultCapacity = 4 << 20;
    public const int PublishEvery = 64;
    private const int HeaderSize = 48;
    private const int SpinLimit = 40;

    public enum Kind : byte { Record = 1, LargeRecord = 2, Tick = 3, Capture = 4, End = 5, Wrap = 6 }

    /// <summary>One entry as seen by the consumer (Data is valid until the next <see cref="TryRead"/>).</summary>
    public ref struct Entry
    {
        public Kind Kind;
        public bool Nanos;
        /// <summary>Captured length, or the capture name's index for <see cref="Kind.Capture"/>.</summary>
        public int Value;
        public long Index;
        public long Clock;
        public long Timestamp;
        public long FileOffset;
        public int OriginalLength;
        public int LinkType;
        public ReadOnlySpan<byte> Data;
    }

    private readonly byte[] _ring;
    private readonly int _capacity;
    private readonly int _mask;
    private readonly ConcurrentQueue<byte[]> _large = new();
    private readonly object _gate = new();

    // producer side
    private long _write;
    private long _cachedRead;
    private int _unpublishedWrites;

    // consumer side
    private long _read;
    private long _cachedWrite;
    private int _unpublishedReads;

    private Shared _shared;

    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct Shared
    {
        [FieldOffset(64)] public long PublishedWrite;
        [FieldOffset(128)] public long PublishedRead;
        [FieldOffset(192)] public int ConsumerWaiting;
        [FieldOffset(196)] public int ProducerWaiting;
        [FieldOffset(200)] public int Aborted;
    }

    public ShardQueue(int capacity = DefaultCapacity)
    {
        if (capacity < 4096 || (capacity & (capacity - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(capacity));
        _ring = GC.AllocateUninitializedArray<byte>(capacity, pinned: false);
        _capacity = capacity;
        _mask = capacity - 1;
    }

    /// <summary>Set by either side when the other must stop waiting (a shard failed, or the run is cancelled).</summary>
    public void Abort()
    {
        Volatile.Write(ref _shared.Aborted, 1);
        lock (_gate) Monitor.PulseAll(_gate);
    }

    public bool IsAborted => Volatile.Read(ref _shared.Aborted) != 0;

    // ---------------------------------------------------------------- producer

    /// <summary>Appends one record (copied).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteRecord(long index, long clock, long ts, int origLen, int linkType, bool nanos, long fileOffset, ReadOnlySpan<byte> data)
    {
        if (data.Length > _capacity / 4)
        {
            _large.Enqueue(data.ToArray());
            var h = Reserve(HeaderSize);
            WriteHeader(h, Kind.LargeRecord, nanos, data.Length, index, clock, ts, fileOffset, origLen, linkType);
        }
        else
        {
            var h = Reserve(HeaderSize + Align8(data.Length));
            WriteHeader(h, Kind.Record, nanos, data.Length, index, clock, ts, fileOffset, origLen, linkType);
            data.CopyTo(h.Slice(HeaderSize));
        }
        Committed();
    }

    /// <summary>Appends a control entry (clock tick, capture switch, end).</summary>
    public void WriteControl(Kind kind, int value, long index, long clock)
    {
        var h = Reserve(HeaderSize);
        WriteHeader(h, kind, false, value, index, clock, 0, 0, 0, 0);
        Committed();
        if (kind == Kind.End) Publish();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Align8(int n) => (n + 7) & ~7;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteHeader(Span<byte> h, Kind kind, bool nanos, int value, long index, long clock, long ts, long fileOffset, int origLen, int linkType)
    {
        ref byte b = ref MemoryMarshal.GetReference(h);
        b = (byte)kind;
        Unsafe.Add(ref b, 1) = nanos ? (byte)1 : (byte)0;
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref b, 4), value);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref b, 8), index);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref b, 16), clock);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref b, 24), ts);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref b, 32), fileOffset);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref b, 40), origLen);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref b, 44), linkType);
    }

    /// <summary>Returns a contiguous span of <paramref name="size"/> bytes at the write position, waiting for room.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Reserve(int size)
    {
        int at = (int)(_write & _mask);
        int toEnd = _capacity - at;
        int need = size <= toEnd ? size : size + toEnd; // an entry never wraps: skip the tail of the ring
        if (_capacity - (_write - _cachedRead) < need) WaitForRoom(need);
        if (size > toEnd)
        {
            _ring[at] = (byte)Kind.Wrap;
            _write += toEnd;
            at = 0;
        }
        _write += size;
        return new Span<byte>(_ring, at, size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Committed()
    {
        if (++_unpublishedWrites >= PublishEvery) Publish();
    }

    /// <summary>Makes everything written so far visible to the consumer and wakes it if it sleeps.</summary>
    public void Publish()
    {
        _unpublishedWrites = 0;
        Volatile.Write(ref _shared.PublishedWrite, _write);
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _shared.ConsumerWaiting) != 0)
            lock (_gate) Monitor.PulseAll(_gate);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WaitForRoom(int need)
    {
        Publish(); // the consumer may be waiting for what is already written
        var spin = new SpinWait();
        while (true)
        {
            _cachedRead = Volatile.Read(ref _shared.PublishedRead);
            if (_capacity - (_write - _cachedRead) >= need) return;
            if (IsAborted) throw new OperationCanceledException("shard stopped");
            if (spin.Count < SpinLimit) { spin.SpinOnce(sleep1Threshold: -1); continue; }
            lock (_gate)
            {
                Volatile.Write(ref _shared.ProducerWaiting, 1);
                Interlocked.MemoryBarrier();
                _cachedRead = Volatile.Read(ref _shared.PublishedRead);
                if (_capacity - (_write - _cachedRead) < need && !IsAborted) Monitor.Wait(_gate, 50);
                Volatile.Write(ref _shared.ProducerWaiting, 0);
            }
        }
    }

    // ---------------------------------------------------------------- consumer

    /// <summary>Reads the next entry, waiting for one. The entry's data is valid until the next call.</summary>
    public void Read(out Entry e)
    {
        if (_pendingRelease) ReleaseReads(); // the previous entry has been handled
        while (true)
        {
            if (_read == _cachedWrite)
            {
                ReleaseReads();
                _cachedWrite = Volatile.Read(ref _shared.PublishedWrite);
                if (_read == _cachedWrite) WaitForData();
                continue;
            }
            int at = (int)(_read & _mask);
            ref byte b = ref _ring[at];
            var kind = (Kind)b;
            if (kind == Kind.Wrap)
            {
                _read += _capacity - at;
                continue;
            }
            e = default;
            e.Kind = kind;
            e.Nanos = Unsafe.Add(ref b, 1) != 0;
            e.Value = Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref b, 4));
            e.Index = Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref b, 8));
            e.Clock = Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref b, 16));
            e.Timestamp = Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref b, 24));
            e.FileOffset = Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref b, 32));
            e.OriginalLength = Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref b, 40));
            e.LinkType = Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref b, 44));
            int size = HeaderSize;
            if (kind == Kind.Record)
            {
                e.Data = new ReadOnlySpan<byte>(_ring, at + HeaderSize, e.Value);
                size += Align8(e.Value);
            }
            else if (kind == Kind.LargeRecord)
            {
                _large.TryDequeue(out var copy);
                e.Data = copy;
                e.Kind = Kind.Record;
            }
            // The entry's bytes stay reserved until the next call: the position is published then at the earliest.
            _read += size;
            if (++_unpublishedReads >= PublishEvery) _pendingRelease = true;
            return;
        }
    }

    private bool _pendingRelease;

    private void ReleaseReads()
    {
        _pendingRelease = false;
        _unpublishedReads = 0;
        Volatile.Write(ref _shared.PublishedRead, _read);
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _shared.ProducerWaiting) != 0)
            lock (_gate) Monitor.PulseAll(_gate);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WaitForData()
    {
        var spin = new SpinWait();
        while (true)
        {
            _cachedWrite = Volatile.Read(ref _shared.PublishedWrite);
            if (_read != _cachedWrite) return;
            if (IsAborted) throw new OperationCanceledException("run stopped");
            if (spin.Count < SpinLimit) { spin.SpinOnce(sleep1Threshold: -1); continue; }
            lock (_gate)
            {
                Volatile.Write(ref _shared.ConsumerWaiting, 1);
                Interlocked.MemoryBarrier();
                _cachedWrite = Volatile.Read(ref _shared.PublishedWrite);
                if (_read == _cachedWrite && !IsAborted) Monitor.Wait(_gate, 50);
                Volatile.Write(ref _shared.ConsumerWaiting, 0);
            }
        }
    }
}
