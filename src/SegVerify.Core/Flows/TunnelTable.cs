using SegVerify.Core.Decoding;
using SegVerify.Core.Net;

namespace SegVerify.Core.Flows;

/// <summary>One encapsulation as findings report it (JSON Lines <c>tunnel</c> entries).</summary>
public sealed record TunnelInfo(string Type, IpAddr? SrcIp, IpAddr? DstIp, uint? Id)
{
    public static TunnelInfo From(in TunnelHop h) =>
        new(TunnelTypes.Name(h.Type), h.HasAddresses ? h.Src : null, h.HasAddresses ? h.Dst : null, h.HasId ? h.Id : null);

    public static TunnelInfo[] ListOf(ReadOnlySpan<TunnelHop> hops)
    {
        var a = new TunnelInfo[hops.Length];
        for (int i = 0; i < hops.Length; i++) a[i] = From(in hops[i]);
        return a;
    }

    public override string ToString() =>
        Type + (SrcIp is { } s ? $" {s}->{DstIp}" : "") + (Id is { } id ? $" id {id}" : "");
}

/// <summary>
/// The tunnel stacks of live flows, each distinct stack stored once and shared by reference count: a flow entry keeps
/// only a 4-byte reference (0 = not in a tunnel). Flows in one tunnel (the same endpoints and ids) share one stack,
/// so this grows with the distinct tunnels, and at most with the live flows; a stack is dropped with its last flow.
/// Touched only when a flow opens or ends, never per packet.
/// </summary>
public sealed class TunnelTable
{
    private struct Slot
    {
        public TunnelHop[]? Hops;
        public TunnelInfo[]? Info;
        public int Refs;
        public int Hash;
        public int NextSameHash;   // chain of slots with the same hash; free list link when free
    }

    private Slot[] _slots = new Slot[16];
    private int _used = 1;          // slot 0 is "no tunnel"
    private int _free;
    private readonly Dictionary<int, int> _byHash = new();

    /// <summary>Distinct stacks held.</summary>
    public int Count { get; private set; }

    /// <summary>A reference to <paramref name="hops"/> (stored if new); 0 for an empty stack. Pair with <see cref="Release"/>.</summary>
    public int Acquire(ReadOnlySpan<TunnelHop> hops)
    {
        if (hops.IsEmpty) return 0;
        int hash = Hash(hops);
        if (_byHash.TryGetValue(hash, out int i))
            for (; i != 0; i = _slots[i].NextSameHash)
                if (hops.SequenceEqual(_slots[i].Hops))
                {
                    _slots[i].Refs++;
                    return i;
                }
        int s;
        if (_free != 0) { s = _free; _free = _slots[s].NextSameHash; }
        else
        {
            if (_used == _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
            s = _used++;
        }
        _byHash.TryGetValue(hash, out int head);
        _slots[s] = new Slot { Hops = hops.ToArray(), Refs = 1, Hash = hash, NextSameHash = head };
        _byHash[hash] = s;
        Count++;
        return s;
    }

    /// <summary>Drops one reference taken by <see cref="Acquire"/>.</summary>
    public void Release(int reference)
    {
        if (reference == 0) return;
        ref var slot = ref _slots[reference];
        if (--slot.Refs > 0) return;
        int head = _byHash[slot.Hash];
        if (head == reference)
        {
            if (slot.NextSameHash == 0) _byHash.Remove(slot.Hash); else _byHash[slot.Hash] = slot.NextSameHash;
        }
        else
        {
            int p = head;
            while (_slots[p].NextSameHash != reference) p = _slots[p].NextSameHash;
            _slots[p].NextSameHash = slot.NextSameHash;
        }
        slot = new Slot { NextSameHash = _free };
        _free = reference;
        Count--;
    }

    /// <summary>The hops of a reference, outermost first (empty for 0).</summary>
    public ReadOnlySpan<TunnelHop> Hops(int reference) => reference == 0 ? default : _slots[reference].Hops;

    /// <summary>The stack as findings carry it (built once per stack); null for 0.</summary>
    public IReadOnlyList<TunnelInfo>? Info(int reference)
    {
        if (reference == 0) return null;
        ref var slot = ref _slots[reference];
        return slot.Info ??= TunnelInfo.ListOf(slot.Hops);
    }

    private static int Hash(ReadOnlySpan<TunnelHop> hops)
    {
        var h = new HashCode();
        foreach (ref readonly var hop in hops) h.Add(hop);
        return h.ToHashCode();
    }
}
