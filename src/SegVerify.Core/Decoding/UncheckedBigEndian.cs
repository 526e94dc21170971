using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SegVerify.Core.Decoding;

/// <summary>
/// Reads of network-order header fields at an offset into a span, without a bounds check each: for a layer that has
/// checked once that its whole fixed header is in the span and then reads its fields. The caller guarantees
/// <c>offset + size &lt;= span.Length</c>; nothing outside the span is read.
/// </summary>
internal static class UncheckedBigEndian
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte U8(ReadOnlySpan<byte> b, int offset) => Unsafe.Add(ref MemoryMarshal.GetReference(b), offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort U16(ReadOnlySpan<byte> b, int offset)
    {
        ushort v = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref MemoryMarshal.GetReference(b), offset));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint U32(ReadOnlySpan<byte> b, int offset)
    {
        uint v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref MemoryMarshal.GetReference(b), offset));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong U64(ReadOnlySpan<byte> b, int offset)
    {
        ulong v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref MemoryMarshal.GetReference(b), offset));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    /// <summary>The 48-bit value (a MAC address) at <paramref name="offset"/>, first octet most significant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong U48(ReadOnlySpan<byte> b, int offset) => (ulong)U16(b, offset) << 32 | U32(b, offset + 2);
}
