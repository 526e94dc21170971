using System.Runtime.InteropServices;

namespace SegVerify.Core.Capture.Filter;

/// <summary>
/// One classic BPF instruction, laid out as libpcap's <c>struct bpf_insn</c> (and Linux's <c>struct sock_filter</c>):
/// a 16-bit opcode, two 8-bit jump offsets and a 32-bit constant.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct BpfInstruction(ushort code, byte jumpTrue, byte jumpFalse, uint k)
{
    public readonly ushort Code = code;
    public readonly byte JumpTrue = jumpTrue;
    public readonly byte JumpFalse = jumpFalse;
    public readonly uint K = k;

    public override string ToString() => $"{{ 0x{Code:x}, {JumpTrue}, {JumpFalse}, 0x{K:x8} }}";
}

/// <summary>Opcode parts of classic BPF (pcap/bpf.h).</summary>
internal static class Bpf
{
    // instruction classes
    public const int Ld = 0x00, Ldx = 0x01, St = 0x02, Stx = 0x03, Alu = 0x04, Jmp = 0x05, Ret = 0x06, Misc = 0x07;
    // ld/ldx sizes
    public const int W = 0x00, H = 0x08, B = 0x10;
    // ld/ldx modes
    public const int Imm = 0x00, Abs = 0x20, Ind = 0x40, Mem = 0x60, Len = 0x80, Msh = 0xa0;
    // alu/jmp operations
    public const int Add = 0x00, Sub = 0x10, Mul = 0x20, Div = 0x30, Or = 0x40, And = 0x50, Lsh = 0x60, Rsh = 0x70,
        Neg = 0x80, Mod = 0x90, Xor = 0xa0;
    public const int Ja = 0x00, Jeq = 0x10, Jgt = 0x20, Jge = 0x30, Jset = 0x40;
    // sources
    public const int K = 0x00, X = 0x08;
    // ret sources
    public const int RetA = 0x10;
    // misc operations
    public const int Tax = 0x00, Txa = 0x80;
    /// <summary>Scratch memory words (BPF_MEMWORDS).</summary>
    public const int MemWords = 16;

    public static int Class(int code) => code & 0x07;
}
