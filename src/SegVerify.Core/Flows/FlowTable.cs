using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SegVerify.Core.Net;

namespace SegVerify.Core.Flows;

/// <summary>
/// A flow's identity: protocol, both endpoints in canonical order (A is the lower), outer VLAN, and the virtual network
/// (VXLAN/GENEVE VNI, GRE key) of the innermost tunnel around it that has one.
/// </summary>
public struct FlowKey : IEquatable<FlowKey>
{
    public IpAddr A, B;
    public ushort PortA, PortB;
    public ushort Vlan;
    public byte Proto;
    /// <summary><see cref="SegVerify.Core.Decoding.DecodedPacket.VirtualNetwork"/>: 0 outside tunnels that name one.</summary>
    public ulong VirtualNetwork;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(FlowKey o) =>
        A.Lo == o.A.Lo && B.Lo == o.B.Lo && A.Hi == o.A.Hi && B.Hi == o.B.Hi &&
        PortA == o.PortA && PortB == o.PortB && Vlan == o.Vlan && Proto == o.Proto && VirtualNetwork == o.VirtualNetwork;

    public override bool Equals(object? obj) => obj is FlowKey k && Equals(k);

    /// <summary>A symmetric-input hash (the key is already canonical) mixed with a multiply-xorshift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly override int GetHashCode()
    {
        ulong h = A.Lo * 0x9E3779B97F4A7C15UL ^ B.Lo;
        h ^= (A.Hi ^ (B.Hi << 1)) * 0xC2B2AE3D27D4EB4FUL;
        h ^= ((ulong)PortA << 32 | (ulong)PortB << 16 | Vlan) * 0x165667B19E3779F9UL ^ Proto ^ VirtualNetwork * 0x94D049BB133111EBUL;
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 32;
        return (int)h;
    }
}

[Flags]
public enum FlowFlags : ushort
{
    None = 0,
    FirstFromA = 1 << 0,
    SeenA = 1 << 1,
    SeenB = 1 << 2,
    FinA = 1 << 3,
    FinB = 1 << 4,
    Rst = 1 << 5,
    Closing = 1 << 6,
    Nanos = 1 << 7,
    HasMac = 1 << 8,
    /// <summary>The first frame seen from side A (B) carried a VLAN tag.</summary>
    TaggedA = 1 << 9,
    TaggedB = 1 << 10,
    /// <summary>A port protocol (TCP, UDP, SCTP, ICMP) whose packets had no header to take ports from (see <see cref="FlowKeys"/>).</summary>
    NoPorts = 1 << 11,
}

/// <summary>
/// Per-flow state kept in the table (a struct in one array: no object per flow). The fields a packet of an existing
/// flow touches (key and chain link for the lookup, flags, last activity, counters, the source MACs of the
/// frame-check shortcut, the flow id it returns) come first and fill bytes 0-127; what is read only when a flow opens
/// or is judged comes last. The entry is padded to <see cref="FlowTable.EntrySize"/> (three cache lines) and the
/// table keeps its entries 64-byte aligned, so a packet touches exactly two lines of its flow's entry. The
/// activity-list links are not here but in the table's own small array.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = FlowTable.EntrySize)]
public struct FlowEntry
{
    // ---- touched by every packet ----
    public FlowKey Key;
    internal int HashNext;
    public FlowFlags Flags;
    internal byte List;
    /// <summary>Side (1 = A, 2 = B) that sent the first SYN without ACK, SYN+ACK, ICMP echo request and reply.</summary>
    public byte SynSide, SynAckSide, EchoRequestSide, EchoReplySide;
    internal bool InUse;
    public long LastTs;
    public long PacketsAB, PacketsBA, BytesAB, BytesBA;
    /// <summary>Source and destination MAC of the first frame in each direction.</summary>
    public MacAddr MacASrc, MacBSrc;
    // ---- read when the flow opens, closes or is judged ----
    public ulong FlowId;
    public long FirstTs, CloseTs;
    /// <summary>Byte offset of the flow's first record in the capture it came from, and which capture (a serial).</summary>
    public long FirstOffset;
    public int FirstCapture;
    public MacAddr MacADst, MacBDst;
    public byte FirstIcmpType, FirstIcmpCode;
    public ushort InnerVlan;
    /// <summary>The encapsulations around the flow (a <see cref="TunnelTable"/> reference; 0 when none).</summary>
    public int TunnelRef;
    /// <summary>
    /// The key's <see cref="FlowKey.GetHashCode"/>, kept in the table: removing an ended flow (cold by then) finds its
    /// bucket from this line while the key's line is still on its way, and growing rehashes without the keys.
    /// </summary>
    internal int Hash;
}

/// <summary>
/// A bounded bidirectional flow table: open hashing with chains in an index array, entries in one struct array,
/// and three doubly linked lists ordered by activity (TCP, other protocols, closing TCP) so idle expiry and eviction
/// look only at list heads. The lists' links are kept apart from the entries, two ints per slot in one array: moving a
/// flow to its list's tail on each of its packets writes to its neighbours, which are other flows, and their links
/// then share a few cache lines instead of each being in a different flow entry. Grows by doubling up to
/// <see cref="MaxFlows"/>; never allocates per packet.
/// <para>
/// The entries are in a pinned array of cache lines, from its first 64-byte aligned byte on (a pinned array does not
/// move, so the alignment holds), reached by interior references that keep the array alive. The array is not
/// zeroed: a slot is cleared when it is handed out, so the pages of slots never used are never touched, and growing
/// copies only the slots in use.
/// </para>
/// </summary>
public sealed class FlowTable
{
    public const byte ListTcp = 0, ListOther = 1, ListClosing = 2, ListCount = 3;

    /// <summary>Bytes per entry: three cache lines (<see cref="FlowEntry"/>'s hot fields are in its first two).</summary>
    public const int EntrySize = 3 * LineSize;
    private const int LineSize = 64;

    [StructLayout(LayoutKind.Sequential, Size = LineSize)]
    private struct CacheLine { }

    /// <summary>The entries' storage; entry 0 starts <see cref="_base"/> bytes into it.</summary>
    private CacheLine[] _store;
    private nint _base;
    private int _capacity;
    /// <summary>List links of slot i: previous at 2i, next at 2i+1 (-1 at the ends).</summary>
    private int[] _links;
    private int[] _buckets;
    private int _mask;
    private int _used;     // high-water mark of slots handed out
    private int _free = -1;
    private int _count;
    private readonly int[] _head = [-1, -1, -1];
    private readonly int[] _tail = [-1, -1, -1];

    /// <summary>
    /// Slots a table starts with (at most <see cref="MaxFlows"/>). Untouched slots cost address space only (the store is
    /// not zeroed), so starting large spares the copies and fresh pages of the doublings a busy network would need;
    /// what it takes at once is the hash buckets (8 bytes a slot, filled when made: 256 KiB).
    /// </summary>
    public const int DefaultInitialCapacity = 32768;

    public int MaxFlows { get; }
    public int Count => _count;
    public int Capacity => _capacity;

    public FlowTable(int maxFlows, int initialCapacity = DefaultInitialCapacity)
    {
        MaxFlows = Math.Max(16, maxFlows);
        int cap = Math.Min(MaxFlows, Math.Max(16, initialCapacity));
        _store = NewStore(cap, out _base);
        _capacity = cap;
        _links = new int[2 * cap];
        _buckets = NewBuckets(cap, out _mask);
    }

    /// <summary>Storage for <paramref name="capacity"/> entries (not zeroed), and the offset of its first aligned byte.</summary>
    private static unsafe CacheLine[] NewStore(int capacity, out nint alignedBase)
    {
        // one line more than the entries need, for the alignment
        long lines = (long)capacity * (EntrySize / LineSize) + 1;
        if (lines > Array.MaxLength) throw new OutOfMemoryException($"a flow table of {capacity} entries is too large");
        var store = GC.AllocateUninitializedArray<CacheLine>((int)lines, pinned: true);
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(store));
        alignedBase = (LineSize - (start & (LineSize - 1))) & (LineSize - 1);
        return store;
    }

    /// <summary>The entry at <paramref name="index"/> of <paramref name="store"/> (<paramref name="alignedBase"/> from <see cref="NewStore"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref FlowEntry At(CacheLine[] store, nint alignedBase, int index) =>
        ref Unsafe.As<byte, FlowEntry>(ref Unsafe.AddByteOffset(
            ref Unsafe.As<CacheLine, byte>(ref MemoryMarshal.GetArrayDataReference(store)), alignedBase + (nint)index * EntrySize));

    private static int[] NewBuckets(int capacity, out int mask)
    {
        int n = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity * 2);
        mask = n - 1;
        var b = new int[n];
        Array.Fill(b, -1);
        return b;
    }

    /// <summary>The entry in slot <paramref name="index"/> (0 &lt;= index &lt; <see cref="Capacity"/>).</summary>
    public ref FlowEntry this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)_capacity) ThrowIndex();
            return ref At(_store, _base, index);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowIndex() => throw new IndexOutOfRangeException();

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public int Find(in FlowKey key) => Find(in key, key.GetHashCode());

    /// <summary><see cref="Find(in FlowKey)"/> with the key's <see cref="FlowKey.GetHashCode"/> already computed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public int Find(in FlowKey key, int hash)
    {
        int i = _buckets[hash & _mask];
        while (i >= 0)
        {
            ref var e = ref this[i];
            if (e.Key.Equals(key)) return i;
            i = e.HashNext;
        }
        return -1;
    }

    /// <summary>Starts fetching the hash bucket of a key with this hash into the cache (a hint; no effect on results).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void PrefetchBucket(int hash)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        fixed (int* b = &_buckets[hash & _mask]) System.Runtime.Intrinsics.X86.Sse.Prefetch0(b);
    }

    /// <summary>
    /// Starts fetching the first entry of the bucket of a key with this hash (the two cache lines of its fields that a
    /// packet touches) and its activity-list links (which the packet moves); call it once the bucket itself has had
    /// time to arrive (<see cref="PrefetchBucket"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void PrefetchEntry(int hash)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        int i = _buckets[hash & _mask];
        if ((uint)i >= (uint)_capacity) return;
        // the store is pinned: its address is stable
        byte* b = (byte*)Unsafe.AsPointer(ref Unsafe.As<FlowEntry, byte>(ref At(_store, _base, i)));
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(b);
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(b + LineSize);
        // the links array may move (it is not pinned): a stale address only makes the hint useless
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_links), 2 * i)));
    }

    /// <summary>
    /// Starts fetching all three lines of the entry in slot <paramref name="i"/> (a flow about to end: removing it reads
    /// its key, judging it reads the rest), so that they arrive together instead of one miss after another.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void PrefetchWhole(int i)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported || (uint)i >= (uint)_capacity) return;
        byte* b = (byte*)Unsafe.AsPointer(ref Unsafe.As<FlowEntry, byte>(ref At(_store, _base, i)));
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(b);
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(b + LineSize);
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(b + 2 * LineSize);
    }

    /// <summary>True when adding one more flow needs an eviction first.</summary>
    public bool IsFull => _count >= MaxFlows;

    /// <summary>Adds a new flow (the caller has checked it is absent and made room) and returns its slot.</summary>
    public int Add(in FlowKey key, byte list) => Add(in key, key.GetHashCode(), list);

    /// <summary><see cref="Add(in FlowKey, byte)"/> with the key's <see cref="FlowKey.GetHashCode"/> already computed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Add(in FlowKey key, int hash, byte list)
    {
        if (_count >= MaxFlows) ThrowFull();
        if (_free < 0 && _used == _capacity) Grow();
        int i;
        if (_free >= 0) { i = _free; _free = this[i].HashNext; }
        else i = _used++;
        ref var e = ref this[i];
        e = default;
        e.Key = key;
        e.InUse = true;
        e.Hash = hash;
        int b = hash & _mask;
        e.HashNext = _buckets[b];
        _buckets[b] = i;
        e.List = list;
        LinkTail(i, list);
        _count++;
        return i;
    }

    private void Grow()
    {
        // Called only when every slot is used and Count < MaxFlows, so the table really grows.
        int cap = (int)Math.Min(MaxFlows, 2L * _capacity);
        var store = NewStore(cap, out nint alignedBase);
        MemoryMarshal.CreateReadOnlySpan(ref At(_store, _base, 0), _used).CopyTo(MemoryMarshal.CreateSpan(ref At(store, alignedBase, 0), _used));
        _store = store;
        _base = alignedBase;
        _capacity = cap;
        Array.Resize(ref _links, 2 * cap);
        _buckets = NewBuckets(cap, out _mask);
        for (int i = 0; i < _used; i++)
        {
            ref var e = ref this[i];
            if (!e.InUse) continue;
            int b = e.Hash & _mask;
            e.HashNext = _buckets[b];
            _buckets[b] = i;
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowFull() => throw new InvalidOperationException("flow table is full: evict a flow before adding one");

    public void Remove(int i)
    {
        ref var e = ref this[i];
        int b = e.Hash & _mask;
        int p = -1, j = _buckets[b];
        while (j != i) { p = j; j = this[j].HashNext; }
        if (p < 0) _buckets[b] = e.HashNext; else this[p].HashNext = e.HashNext;
        Unlink(i);
        e.InUse = false;
        e.HashNext = _free;
        _free = i;
        _count--;
    }

    /// <summary>Marks activity: moves the flow to the tail of <paramref name="list"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public void Touch(int i, byte list) => Touch(ref this[i], i, list);

    /// <summary><see cref="Touch(int, byte)"/> for the caller that holds the entry of slot <paramref name="i"/> (<paramref name="e"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public void Touch(ref FlowEntry e, int i, byte list)
    {
        if (e.List == list && _tail[list] == i) return;
        MoveToTail(ref e, i, list);
    }

    /// <summary><see cref="Unlink"/> then <see cref="LinkTail"/> in one step (the per-packet case of <see cref="Touch"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void MoveToTail(ref FlowEntry e, int i, byte list)
    {
        var links = _links;
        var head = _head;
        var tails = _tail;
        byte old = e.List;
        int prev = links[2 * i], next = links[2 * i + 1];
        if (prev >= 0) links[2 * prev + 1] = next; else head[old] = next;
        if (next >= 0) links[2 * next] = prev; else tails[old] = prev;
        e.List = list;
        int tail = tails[list];
        links[2 * i] = tail;
        links[2 * i + 1] = -1;
        if (tail >= 0) links[2 * tail + 1] = i; else head[list] = i;
        tails[list] = i;
    }

    public int Head(byte list) => _head[list];

    /// <summary>The slot after <paramref name="i"/> in its activity list, or -1.</summary>
    public int Next(int i) => _links[2 * i + 1];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LinkTail(int i, byte list)
    {
        var links = _links;
        int tail = _tail[list];
        links[2 * i] = tail;
        links[2 * i + 1] = -1;
        if (tail >= 0) links[2 * tail + 1] = i; else _head[list] = i;
        _tail[list] = i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Unlink(int i)
    {
        var links = _links;
        byte l = this[i].List;
        int prev = links[2 * i], next = links[2 * i + 1];
        if (prev >= 0) links[2 * prev + 1] = next; else _head[l] = next;
        if (next >= 0) links[2 * next] = prev; else _tail[l] = prev;
        links[2 * i] = links[2 * i + 1] = -1;
    }

    /// <summary>Approximate bytes held per slot (for the memory figures).</summary>
    public static int BytesPerSlot => Unsafe.SizeOf<FlowEntry>() + 4 * sizeof(int);
}
