using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;

namespace SegVerify.Core.Net;

/// <summary>
/// An IPv4 or IPv6 address as two 64-bit halves, so it can live in structs and hash keys without allocation.
/// IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d); <see cref="IsV4"/> tells them apart.
/// </summary>
public readonly struct IpAddr : IEquatable<IpAddr>, IComparable<IpAddr>
{
    public readonly ulong Hi;
    public readonly ulong Lo;

    private const ulong V4MappedTag = 0x0000_FFFF_0000_0000UL;

    public IpAddr(ulong hi, ulong lo) { Hi = hi; Lo = lo; }

    public static IpAddr FromV4(uint v4) => new(0, V4MappedTag | v4);

    /// <summary>Reads 4 network-order bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static IpAddr FromV4Bytes(ReadOnlySpan<byte> b) => FromV4(BinaryPrimitives.ReadUInt32BigEndian(b));

    /// <summary>Reads 16 network-order bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static IpAddr FromV6Bytes(ReadOnlySpan<byte> b) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b.Slice(8)));

    public bool IsV4 => Hi == 0 && (Lo & 0xFFFF_FFFF_0000_0000UL) == V4MappedTag;
    public uint V4 => (uint)Lo;

    /// <summary>Bit length of the address family (32 or 128).</summary>
    public int FamilyBits => IsV4 ? 32 : 128;

    public static IpAddr Parse(string s)
    {
        if (!TryParse(s, out var a)) throw new FormatException($"not an IP address: '{s}'");
        return a;
    }

    /// <summary>
    /// Parses an address strictly: IPv4 as four decimal octets 0-255 without leading zeros (no octal such as
    /// <c>010.010.000.000</c>, no hex, no short or bare-integer forms such as <c>167772160</c>, which the platform
    /// parser would accept and read as another address); IPv6 in RFC 4291 text form without a zone index or brackets,
    /// an embedded IPv4 tail held to the same rule.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> s, out IpAddr addr)
    {
        addr = default;
        if (s.IndexOf(':') < 0)
        {
            if (!TryParseDottedQuad(s, out uint v4)) return false;
            addr = FromV4(v4);
            return true;
        }
        if (s.IndexOfAny('%', '[', ']') >= 0 || s.IndexOfAny(' ', '/') >= 0) return false;
        int lastColon = s.LastIndexOf(':');
        if (s.Slice(lastColon + 1).IndexOf('.') >= 0 && !TryParseDottedQuad(s.Slice(lastColon + 1), out _)) return false;
        if (!IPAddress.TryParse(s, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return false;
        addr = FromIPAddress(ip);
        return true;
    }

    private static bool TryParseDottedQuad(ReadOnlySpan<char> s, out uint v4)
    {
        v4 = 0;
        int octets = 0, i = 0;
        while (true)
        {
            int start = i, value = 0;
            while (i < s.Length && s[i] is >= '0' and <= '9' && i - start < 3) value = value * 10 + (s[i++] - '0');
            int digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && s[start] == '0')) return false;
            v4 = (v4 << 8) | (uint)value;
            octets++;
            if (octets == 4) return i == s.Length;
            if (i >= s.Length || s[i] != '.') return false;
            i++;
        }
    }

    public static IpAddr FromIPAddress(IPAddress ip)
    {
        Span<byte> b = stackalloc byte[16];
        if (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            ip.TryWriteBytes(b, out _);
            return FromV4Bytes(b);
        }
        ip.TryWriteBytes(b, out _);
        return FromV6Bytes(b);
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[16];
        if (IsV4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(b, V4);
            return new IPAddress(b.Slice(0, 4));
        }
        BinaryPrimitives.WriteUInt64BigEndian(b, Hi);
        BinaryPrimitives.WriteUInt64BigEndian(b.Slice(8), Lo);
        return new IPAddress(b);
    }

    /// <summary>Canonical text: dotted quad, or compressed lowercase IPv6.</summary>
    public override string ToString() => ToIPAddress().ToString().ToLowerInvariant();

    public bool Equals(IpAddr o) => Hi == o.Hi && Lo == o.Lo;
    public override bool Equals(object? obj) => obj is IpAddr o && Equals(o);
    public override int GetHashCode() => HashCode.Combine(Hi, Lo);
    public int CompareTo(IpAddr o) => Hi != o.Hi ? Hi.CompareTo(o.Hi) : Lo.CompareTo(o.Lo);
    public static bool operator ==(IpAddr a, IpAddr b) => a.Equals(b);
    public static bool operator !=(IpAddr a, IpAddr b) => !a.Equals(b);
    public static bool operator <(IpAddr a, IpAddr b) => a.CompareTo(b) < 0;
    public static bool operator >(IpAddr a, IpAddr b) => a.CompareTo(b) > 0;
    public static bool operator <=(IpAddr a, IpAddr b) => a.CompareTo(b) <= 0;
    public static bool operator >=(IpAddr a, IpAddr b) => a.CompareTo(b) >= 0;
}
