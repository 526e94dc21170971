using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SegVerify.Live.Capture;

/// <summary>
/// A bounded single-producer single-consumer queue of packets in one preallocated byte arena: the capture thread
/// copies each packet in, the engine thread reads it in place and releases it. Nothing is allocated per packet.
/// A packet that does not fit is refused and counted (<see cref="Overflows"/>): never lost silently.
/// </summary>
/// <remarks>
/// Records are contiguous and 8-byte aligned: a header (<see cref="HeaderSize"/> bytes: record length, captured length,
/// original length, reserved, timestamp in ns) then the data. Positions are monotonic byte counts; the arena index is
/// the position modulo its size. When the space left before the arena's end cannot hold a record, the producer skips
/// to the start: a skip header (record length = bytes to the end) when at least a header fits, else an implicit skip
/// that both sides apply.
/// </remarks>
public sealed class PacketRing
{
    public const int HeaderSize = 24;
    private const int Alignment = 8;
    private const int OffRecordLength = 0;
    private const int OffCapturedLength = 4;
    private const int OffOriginalLength = 8;
    private const int OffTimestamp = 16;
    private const int SkipMarker = -1;

    private readonly byte[] _arena;
    private readonly int _size;
    private long _head;                 // written by the producer only
    private long _tail;                 // written by the consumer only
    private long _overflows;
    private int _consumerWaiting;
    private readonly ManualResetEventSlim _signal = new(false);

    /// <param name="capacityBytes">Arena size; rounded up to a multiple of 8.</param>
    public PacketRing(int capacityBytes)
    {
        if (capacityBytes < 4 * HeaderSize) throw new ArgumentOutOfRangeException(nameof(capacityBytes));
        _size = (capacityBytes + Alignment - 1) & ~(Alignment - 1);
        _arena = GC.AllocateUninitializedArray<byte>(_size, pinned: false);
    }

    public int Capacity => _size;

    /// <summary>Packets refused because the queue was full (the engine fell behind).</summary>
    public long Overflows => Volatile.Read(ref _overflows);

    /// <summary>Bytes queued and not yet released.</summary>
    public long Pending => Volatile.Read(ref _head) - Volatile.Read(ref _tail);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Align(int n) => (n + Alignment - 1) & ~(Alignment - 1);

    /// <summary>Producer: copies one packet in. False (and counted, unless told not to) when the queue is full or the packet too large.</summary>
    public bool TryWrite(ReadOnlySpan<byte> data, int originalLength, long timestampNs, bool countOverflow = true)
    {
        int need = Align(HeaderSize + data.Length);
        long head = _head;
        int index = (int)(head % _size);
        int toEnd = _size - index;
        int skip = toEnd < need ? toEnd : 0;
        long free = _size - (head - Volatile.Read(ref _tail));
        if (need + skip > free || need > _size / 2)
        {
            if (countOverflow) Interlocked.Increment(ref _overflows);
            return false;
        }
        if (skip > 0)
        {
            if (skip >= HeaderSize)
                BinaryPrimitives.WriteInt32LittleEndian(_arena.AsSpan(index + OffRecordLength), SkipMarker);
            head += skip;
            index = 0;
        }
        var rec = _arena.AsSpan(index, need);
        BinaryPrimitives.WriteInt32LittleEndian(rec[OffRecordLength..], need);
        BinaryPrimitives.WriteInt32LittleEndian(rec[OffCapturedLength..], data.Length);
        BinaryPrimitives.WriteInt32LittleEndian(rec[OffOriginalLength..], originalLength);
        BinaryPrimitives.WriteInt64LittleEndian(rec[OffTimestamp..], timestampNs);
        data.CopyTo(rec[HeaderSize..]);
        Volatile.Write(ref _head, head + need);
        if (Volatile.Read(ref _consumerWaiting) != 0) _signal.Set();
        return true;
    }

    /// <summary>Consumer: the handler of <see cref="Drain"/>.</summary>
    public interface IHandler
    {
        void OnPacket(ReadOnlySpan<byte> data, int originalLength, long timestampNs);
    }

    /// <summary>Consumer: hands up to <paramref name="max"/> queued packets to the handler, then releases them.</summary>
    public int Drain<THandler>(ref THandler handler, int max) where THandler : IHandler
    {
        long head = Volatile.Read(ref _head);
        long tail = _tail;
        int n = 0;
        while (tail < head && n < max)
        {
            int index = (int)(tail % _size);
            int toEnd = _size - index;
            if (toEnd < HeaderSize) { tail += toEnd; continue; }
            var span = _arena.AsSpan(index);
            int len = BinaryPrimitives.ReadInt32LittleEndian(span[OffRecordLength..]);
            if (len == SkipMarker) { tail += toEnd; continue; }
            int cap = BinaryPrimitives.ReadInt32LittleEndian(span[OffCapturedLength..]);
            int orig = BinaryPrimitives.ReadInt32LittleEndian(span[OffOriginalLength..]);
            long ts = BinaryPrimitives.ReadInt64LittleEndian(span[OffTimestamp..]);
            handler.OnPacket(span.Slice(HeaderSize, cap), orig, ts);
            tail += len;
            n++;
            // Release as we go so that a slow batch frees space early.
            Volatile.Write(ref _tail, tail);
        }
        return n;
    }

    /// <summary>Consumer: waits until a packet may be queued or the timeout passes.</summary>
    public void WaitForData(int timeoutMs)
    {
        _signal.Reset();
        Interlocked.Exchange(ref _consumerWaiting, 1);
        if (Volatile.Read(ref _head) == _tail) _signal.Wait(timeoutMs);
        Interlocked.Exchange(ref _consumerWaiting, 0);
    }

    /// <summary>Wakes a waiting consumer (at shutdown).</summary>
    public void Wake() => _signal.Set();
}
