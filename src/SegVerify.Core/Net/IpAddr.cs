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

    public static bool TryParse(ReadOnlySpan<char> s, out IpAddr addr)
    {
        addr = default;
        if (!IPAddress.TryParse(s, out var ip)) return false;
        addr = FromIPAddress(ip);
        return true;
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
