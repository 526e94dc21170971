using SegVerify.Core.Net;

namespace SegVerify.Core.Flows;

/// <summary>
/// Remembers the ports of first fragments so that later fragments (which carry no transport header) join the
/// flow their first fragment opened. Bounded in size and in time.
/// </summary>
internal sealed class FragmentTable
{
    private readonly record struct Key(IpAddr Src, IpAddr Dst, byte Proto, uint Id);

    private const int MaxEntries = 65536;
    private static readonly long LifetimeNs = 30L * 1_000_000_000;

    private readonly Dictionary<Key, (ushort Sport, ushort Dport)> _map = new();
    private readonly Queue<(Key Key, long Ts)> _order = new();

    public void Put(IpAddr src, IpAddr dst, byte proto, uint id, ushort sport, ushort dport, long ts)
    {
        var k = new Key(src, dst, proto, id);
        if (_map.Count >= MaxEntries && _order.TryDequeue(out var old)) _map.Remove(old.Key);
        if (_map.TryAdd(k, (sport, dport))) _order.Enqueue((k, ts));
    }

    public bool TryGet(IpAddr src, IpAddr dst, byte proto, uint id, out ushort sport, out ushort dport)
    {
        if (_map.TryGetValue(new Key(src, dst, proto, id), out var v)) { sport = v.Sport; dport = v.Dport; return true; }
        sport = dport = 0;
        return false;
    }

    public void Expire(long now)
    {
        while (_order.TryPeek(out var e) && now - e.Ts > LifetimeNs)
        {
            _order.Dequeue();
            _map.Remove(e.Key);
        }
    }
}
