using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace SegVerify.Core.Net;

/// <summary>A 48-bit MAC address in the low bits of a ulong (first octet most significant).</summary>
public readonly struct MacAddr : IEquatable<MacAddr>
{
    public readonly ulong Value;
    public MacAddr(ulong v) { Value = v & 0xFFFF_FFFF_FFFFUL; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MacAddr FromBytes(ReadOnlySpan<byte> b) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(b) << 32) | BinaryPrimitives.ReadUInt32BigEndian(b.Slice(2)));

    public static bool TryParse(string s, out MacAddr mac)
    {
        mac = default;
        var parts = s.Split(':', '-');
        if (parts.Length != 6) return false;
        ulong v = 0;
        foreach (var p in parts)
        {
            if (p.Length is < 1 or > 2 || !byte.TryParse(p, NumberStyles.HexNumber, null, out var b)) return false;
            v = (v << 8) | b;
        }
        mac = new MacAddr(v);
        return true;
    }

    public static MacAddr Parse(string s) => TryParse(s, out var m) ? m : throw new FormatException($"not a MAC address: '{s}'");

    public bool IsZero => Value == 0;

    public override string ToString() => string.Create(17, Value, static (span, v) =>
    {
        const string hex = "0123456789abcdef";
        for (int i = 0; i < 6; i++)
        {
            byte b = (byte)(v >> (8 * (5 - i)));
            span[i * 3] = hex[b >> 4];
            span[i * 3 + 1] = hex[b & 0xF];
            if (i < 5) span[i * 3 + 2] = ':';
        }
    });

    public bool Equals(MacAddr o) => Value == o.Value;
    public override bool Equals(object? obj) => obj is MacAddr o && Equals(o);
    public override int GetHashCode() => Value.GetHashCode();
    public static bool operator ==(MacAddr a, MacAddr b) => a.Value == b.Value;
    public static bool operator !=(MacAddr a, MacAddr b) => a.Value != b.Value;
}
