using SegVerify.Core.Decoding;
using SegVerify.Core.Net;

namespace SegVerify.Core.Flows;

/// <summary>
/// Puts back together IP datagrams that may carry a tunnel (GRE, IP in IP, UDP such as VXLAN or GENEVE) when they
/// arrive in fragments, so that the packet inside is opened whole. Without this, a tunnel packet fragmented on the
/// path (a GRE or ERSPAN session over a link with a smaller MTU) would show its inner headers only when they happen to
/// fit the first fragment, and a fragment boundary inside them would hide the inner flow.
/// <list type="bullet">
/// <item>A datagram is keyed by source, destination, protocol and identification, plus the virtual network and depth
/// of the packet that was fragmented (fragments inside a tunnel are reassembled inside it).</item>
/// <item>Its bytes are kept until every byte from 0 to the end given by the last fragment is there, or until
/// <see cref="LifetimeNs"/> after its latest fragment (then what came from offset 0 on is opened, as far as it goes).</item>
/// <item>When its first fragment shows no tunnel (UDP to another port, GRE version 1...), it is dropped at once.</item>
/// <item>Overlapping fragments: the bytes that came first are kept.</item>
/// <item>Bounded: at most <see cref="MaxDatagrams"/> datagrams of at most 65,535 bytes each; when full, the one whose
/// latest fragment is oldest is handed back to be opened as far as it goes. Buffers are reused: nothing is allocated
/// per fragment once they exist.</item>
/// </list>
/// </summary>
public sealed class CarrierReassembler
{
    /// <summary>How long a datagram's fragments wait for each other (the spec's 30 seconds for fragments).</summary>
    public const long LifetimeNs = FragmentTable.LifetimeNs;
    public const int MaxDatagrams = 256;
    /// <summary>Largest IP payload a datagram can have (the IPv4 total length and IPv6 payload length are 16 bits).</summary>
    public const int MaxPayload = 65535;
    private const int BlockBytes = 8; // fragment offsets are in units of 8 bytes
    private const int BlockWords = (MaxPayload / BlockBytes + 64) / 64;

    /// <summary>What identifies a fragmented datagram.</summary>
    public readonly record struct Key(IpAddr Src, IpAddr Dst, byte Protocol, uint Id, ulong VirtualNetwork, byte Depth);

    /// <summary>One datagram being put together.</summary>
    public sealed class Datagram
    {
        internal readonly byte[] Buffer = new byte[MaxPayload];
        private readonly ulong[] _blocks = new ulong[BlockWords];
        public Key Key { get; internal set; }
        public byte IpVersion { get; internal set; }
        /// <summary>The tunnels around the fragmented packet (its first <see cref="Key.Depth"/> hops).</summary>
        public TunnelStack Tunnels;
        /// <summary>Payload length, known once the last fragment (more fragments clear) came; -1 before.</summary>
        public int Total { get; internal set; } = -1;
        public bool HasFirst { get; internal set; }
        /// <summary>The first fragment showed that the datagram carries no tunnel.</summary>
        public bool NotCarrier { get; internal set; }
        public long FirstTs { get; internal set; }
        public long LastTs { get; internal set; }
        public long FirstOffset { get; internal set; }
        /// <summary>Captured frame bytes of its fragments (what the packet inside counts in its flow).</summary>
        public long FrameBytes { get; internal set; }
        public int Fragments { get; internal set; }
        internal int Slot;

        /// <summary>The payload bytes gathered so far, from offset 0 to <paramref name="length"/>.</summary>
        public ReadOnlySpan<byte> Payload(int length) => Buffer.AsSpan(0, length);

        internal void Reset(in Key key, byte ipVersion, long ts, long offset)
        {
            Key = key;
            IpVersion = ipVersion;
            Tunnels = default;
            Total = -1;
            HasFirst = NotCarrier = false;
            FirstTs = LastTs = ts;
            FirstOffset = offset;
            FrameBytes = 0;
            Fragments = 0;
            Array.Clear(_blocks);
        }

        /// <summary>
        /// Copies a fragment's bytes in (bytes already there stay), and notes which 8-byte blocks they fill. A short
        /// block counts only at the end of the last fragment (<paramref name="more"/> clear).
        /// </summary>
        internal void Put(int offset, ReadOnlySpan<byte> data, bool more)
        {
            if (offset % BlockBytes != 0 || offset >= MaxPayload || data.IsEmpty) return;
            int end = Math.Min(MaxPayload, offset + data.Length);
            for (int from = offset; from < end; from += BlockBytes)
            {
                int b = from / BlockBytes, to = Math.Min(end, from + BlockBytes);
                if (IsSet(b)) continue;
                if (to - from < BlockBytes && more) break;
                data.Slice(from - offset, to - from).CopyTo(Buffer.AsSpan(from));
                _blocks[b >> 6] |= 1UL << (b & 63);
            }
        }

        private bool IsSet(int block) => (_blocks[block >> 6] & (1UL << (block & 63))) != 0;

        /// <summary>How many bytes from offset 0 are there without a gap (bounded by <see cref="Total"/> when known).</summary>
        public int ContiguousLength()
        {
            int limit = Total >= 0 ? Total : MaxPayload;
            int b = 0;
            while (b * BlockBytes < limit && IsSet(b)) b++;
            return Math.Min(limit, b * BlockBytes);
        }

        /// <summary>Every byte of the datagram is there.</summary>
        public bool Complete => Total >= 0 && HasFirst && ContiguousLength() >= Total;
    }

    private readonly Dictionary<Key, Datagram> _open = new();
    private readonly Datagram?[] _slots = new Datagram?[MaxDatagrams];
    private readonly Stack<Datagram> _free = new();
    private long _nextDeadline = long.MaxValue;

    /// <summary>Datagrams being put together.</summary>
    public int Count => _open.Count;

    /// <summary>The earliest time at which a datagram expires (<see cref="long.MaxValue"/> when none is open).</summary>
    public long NextDeadline => _nextDeadline;

    /// <summary>
    /// Adds one fragment. <paramref name="data"/> is its share of the datagram (bytes from
    /// <paramref name="offset"/>); <paramref name="carries"/> says, for the first fragment, whether it opened a
    /// tunnel. Returns the datagram when it is complete (hand it back with <see cref="Release"/> once opened).
    /// <paramref name="evicted"/> is a datagram pushed out because the table was full, to be opened as far as it goes
    /// and released.
    /// </summary>
    public Datagram? Add(in Key key, byte ipVersion, in TunnelStack tunnels, int offset, bool more, ReadOnlySpan<byte> data,
        bool carries, long ts, long fileOffset, int frameBytes, out Datagram? evicted)
    {
        evicted = null;
        if (!_open.TryGetValue(key, out var d))
        {
            if (_open.Count >= MaxDatagrams) evicted = TakeOldest();
            d = _free.Count > 0 ? _free.Pop() : new Datagram();
            d.Reset(in key, ipVersion, ts, fileOffset);
            d.Tunnels = tunnels;
            for (int i = 0; i < _slots.Length; i++)
                if (_slots[i] is null) { _slots[i] = d; d.Slot = i; break; }
            _open.Add(key, d);
        }
        d.LastTs = Math.Max(d.LastTs, ts);
        d.Fragments++;
        d.FrameBytes += frameBytes;
        if (offset == 0)
        {
            d.HasFirst = true;
            if (!carries) d.NotCarrier = true;
        }
        if (!d.NotCarrier)
        {
            d.Put(offset, data, more);
            if (!more) d.Total = Math.Min(MaxPayload, offset + data.Length);
        }
        else if (!more) d.Total = offset + data.Length;
        _nextDeadline = Math.Min(_nextDeadline, d.LastTs + LifetimeNs);
        if (d.NotCarrier && d.Total >= 0)
        {
            // nothing to open: forget it once its last fragment came
            Remove(d);
            _free.Push(d);
            return null;
        }
        if (!d.NotCarrier && d.Complete)
        {
            Remove(d);
            return d;
        }
        return null;
    }

    /// <summary>Takes a datagram whose latest fragment is older than <see cref="LifetimeNs"/> at <paramref name="now"/>.</summary>
    public bool TryTakeExpired(long now, out Datagram d)
    {
        d = null!;
        if (now < _nextDeadline) return false;
        long next = long.MaxValue;
        Datagram? found = null;
        foreach (var x in _slots)
        {
            if (x is null) continue;
            if (found is null && now - x.LastTs > LifetimeNs) found = x;
            else next = Math.Min(next, x.LastTs + LifetimeNs);
        }
        _nextDeadline = next;
        if (found is null) return false;
        Remove(found);
        d = found;
        return true;
    }

    /// <summary>Takes any open datagram (end of input).</summary>
    public bool TryTakeAny(out Datagram d)
    {
        foreach (var x in _slots)
            if (x is not null)
            {
                Remove(x);
                d = x;
                return true;
            }
        _nextDeadline = long.MaxValue;
        d = null!;
        return false;
    }

    /// <summary>Gives a datagram's buffer back for reuse.</summary>
    public void Release(Datagram d) => _free.Push(d);

    private Datagram TakeOldest()
    {
        Datagram? oldest = null;
        foreach (var x in _slots)
            if (x is not null && (oldest is null || x.LastTs < oldest.LastTs)) oldest = x;
        Remove(oldest!);
        return oldest!;
    }

    private void Remove(Datagram d)
    {
        _open.Remove(d.Key);
        _slots[d.Slot] = null;
        if (_open.Count == 0) _nextDeadline = long.MaxValue;
    }
}
