namespace SegVerify.Core.Net;

/// <summary>An address prefix. For IPv4, <see cref="PrefixLength"/> counts IPv4 bits (0..32).</summary>
public readonly struct Cidr : IEquatable<Cidr>
{
    public readonly IpAddr Network;
    public readonly int PrefixLength;

    public Cidr(IpAddr network, int prefixLength)
    {
        PrefixLength = prefixLength;
        Network = Mask(network, prefixLength);
    }

    public bool IsV4 => Network.IsV4;
    /// <summary>Prefix length counted over the 128-bit (IPv4-mapped) space.</summary>
    public int PrefixLength128 => IsV4 ? PrefixLength + 96 : PrefixLength;

    public static IpAddr Mask(IpAddr a, int prefixLength)
    {
        int p = a.IsV4 ? prefixLength + 96 : prefixLength;
        ulong hi = p >= 64 ? a.Hi : (p == 0 ? 0 : a.Hi & (ulong.MaxValue << (64 - p)));
        ulong lo = p >= 128 ? a.Lo : (p <= 64 ? 0 : a.Lo & (ulong.MaxValue << (128 - p)));
        return new IpAddr(hi, lo);
    }

    public bool Contains(IpAddr a) => a.IsV4 == IsV4 && Mask(a, PrefixLength) == Network;

    /// <summary>The last address of the prefix (all host bits set).</summary>
    public IpAddr Last
    {
        get
        {
            int p = PrefixLength128;
            ulong hi = p >= 64 ? Network.Hi : Network.Hi | (p == 0 ? ulong.MaxValue : ulong.MaxValue >> p);
            ulong lo = p >= 128 ? Network.Lo : Network.Lo | (p <= 64 ? ulong.MaxValue : ulong.MaxValue >> (p - 64));
            return new IpAddr(hi, lo);
        }
    }

    public static bool TryParse(string s, out Cidr c)
    {
        c = default;
        int slash = s.IndexOf('/');
        var addrPart = slash < 0 ? s.AsSpan() : s.AsSpan(0, slash);
        if (!IpAddr.TryParse(addrPart, out var a)) return false;
        int max = a.IsV4 ? 32 : 128;
        int len = max;
        if (slash >= 0 && (!int.TryParse(s.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out len) || len > max))
            return false;
        c = new Cidr(a, len);
        return true;
    }

    public static Cidr Parse(string s) => TryParse(s, out var c) ? c : throw new FormatException($"not a CIDR: '{s}'");

    public override string ToString() => $"{Network}/{PrefixLength}";
    public bool Equals(Cidr o) => Network == o.Network && PrefixLength == o.PrefixLength;
    public override bool Equals(object? obj) => obj is Cidr o && Equals(o);
    public override int GetHashCode() => HashCode.Combine(Network, PrefixLength);
}
