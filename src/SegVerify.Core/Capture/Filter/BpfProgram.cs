using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SegVerify.Core.Capture.Filter;

/// <summary>
/// A checked classic BPF program and its interpreter: what libpcap's <c>pcap_offline_filter</c> (tcpdump -r) and the
/// kernel's socket filter run on each packet. Loads read the captured bytes; <c>len</c> is the packet's length on
/// the wire; a load past the captured bytes ends the program with 0 (no match), as both do. Nothing is allocated per
/// packet.
/// </summary>
public sealed class BpfProgram
{
    private readonly BpfInstruction[] _code;

    /// <summary>Checks <paramref name="code"/> as libpcap's <c>bpf_validate</c> does; throws <see cref="ArgumentException"/>.</summary>
    public BpfProgram(BpfInstruction[] code)
    {
        Validate(code);
        _code = code;
    }

    public ReadOnlySpan<BpfInstruction> Instructions => _code;

    /// <summary>True when the program accepts the packet (returns a non-zero length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Matches(ReadOnlySpan<byte> captured, int wireLength) => Run(captured, wireLength) != 0;

    /// <summary>Runs the program: the number of bytes to keep (0: reject).</summary>
    [SkipLocalsInit]
    public uint Run(ReadOnlySpan<byte> p, int wireLength)
    {
        ReadOnlySpan<BpfInstruction> code = _code;
        Span<uint> mem = stackalloc uint[Bpf.MemWords];
        mem.Clear();
        uint a = 0, x = 0;
        uint buflen = (uint)p.Length;
        uint wirelen = (uint)wireLength;
        int pc = 0;
        while (true)
        {
            ref readonly var i = ref code[pc++];
            uint k = i.K;
            switch (i.Code)
            {
                case Bpf.Ret | Bpf.K: return k;
                case Bpf.Ret | Bpf.RetA: return a;

                case Bpf.Ld | Bpf.W | Bpf.Abs:
                    if (k > buflen || 4 > buflen - k) return 0;
                    a = BinaryPrimitives.ReadUInt32BigEndian(p.Slice((int)k));
                    break;
                case Bpf.Ld | Bpf.H | Bpf.Abs:
                    if (k > buflen || 2 > buflen - k) return 0;
                    a = BinaryPrimitives.ReadUInt16BigEndian(p.Slice((int)k));
                    break;
                case Bpf.Ld | Bpf.B | Bpf.Abs:
                    if (k >= buflen) return 0;
                    a = p[(int)k];
                    break;
                case Bpf.Ld | Bpf.W | Bpf.Len: a = wirelen; break;
                case Bpf.Ldx | Bpf.W | Bpf.Len: x = wirelen; break;
                case Bpf.Ld | Bpf.W | Bpf.Ind:
                {
                    if (k > buflen || x > buflen - k) return 0;
                    uint o = x + k;
                    if (4 > buflen - o) return 0;
                    a = BinaryPrimitives.ReadUInt32BigEndian(p.Slice((int)o));
                    break;
                }
                case Bpf.Ld | Bpf.H | Bpf.Ind:
                {
                    if (k > buflen || x > buflen - k) return 0;
                    uint o = x + k;
                    if (2 > buflen - o) return 0;
                    a = BinaryPrimitives.ReadUInt16BigEndian(p.Slice((int)o));
                    break;
                }
                case Bpf.Ld | Bpf.B | Bpf.Ind:
                {
                    if (k >= buflen || x >= buflen - k) return 0;
                    a = p[(int)(x + k)];
                    break;
                }
                case Bpf.Ldx | Bpf.Msh | Bpf.B:
                    if (k >= buflen) return 0;
                    x = (uint)(p[(int)k] & 0xf) << 2;
                    break;
                case Bpf.Ld | Bpf.Imm: a = k; break;
                case Bpf.Ldx | Bpf.Imm: x = k; break;
                case Bpf.Ld | Bpf.Mem: a = mem[(int)k]; break;
                case Bpf.Ldx | Bpf.Mem: x = mem[(int)k]; break;
                case Bpf.St: mem[(int)k] = a; break;
                case Bpf.Stx: mem[(int)k] = x; break;

                case Bpf.Jmp | Bpf.Ja: pc += (int)k; break;
                case Bpf.Jmp | Bpf.Jgt | Bpf.K: pc += a > k ? i.JumpTrue : i.JumpFalse; break;
                case Bpf.Jmp | Bpf.Jge | Bpf.K: pc += a >= k ? i.JumpTrue : i.JumpFalse; break;
                case Bpf.Jmp | Bpf.Jeq | Bpf.K: pc += a == k ? i.JumpTrue : i.JumpFalse; break;
                case Bpf.Jmp | Bpf.Jset | Bpf.K: pc += (a & k) != 0 ? i.JumpTrue : i.JumpFalse; break;
                case Bpf.Jmp | Bpf.Jgt | Bpf.X: pc += a > x ? i.JumpTrue : i.JumpFalse; break;
                case Bpf.Jmp | Bpf.Jge | Bpf.X: pc += a >= x ? i.JumpTrue : i.JumpFalse; break;
                case Bpf.Jmp | Bpf.Jeq | Bpf.X: pc += a == x ? i.JumpTrue : i.JumpFalse; break;
                case Bpf.Jmp | Bpf.Jset | Bpf.X: pc += (a & x) != 0 ? i.JumpTrue : i.JumpFalse; break;

                case Bpf.Alu | Bpf.Add | Bpf.X: a += x; break;
                case Bpf.Alu | Bpf.Sub | Bpf.X: a -= x; break;
                case Bpf.Alu | Bpf.Mul | Bpf.X: a *= x; break;
                case Bpf.Alu | Bpf.Div | Bpf.X:
                    if (x == 0) return 0;
                    a /= x;
                    break;
                case Bpf.Alu | Bpf.Mod | Bpf.X:
                    if (x == 0) return 0;
                    a %= x;
                    break;
                case Bpf.Alu | Bpf.And | Bpf.X: a &= x; break;
                case Bpf.Alu | Bpf.Or | Bpf.X: a |= x; break;
                case Bpf.Alu | Bpf.Xor | Bpf.X: a ^= x; break;
                case Bpf.Alu | Bpf.Lsh | Bpf.X: a = x < 32 ? a << (int)x : 0; break;
                case Bpf.Alu | Bpf.Rsh | Bpf.X: a = x < 32 ? a >> (int)x : 0; break;
                case Bpf.Alu | Bpf.Add | Bpf.K: a += k; break;
                case Bpf.Alu | Bpf.Sub | Bpf.K: a -= k; break;
                case Bpf.Alu | Bpf.Mul | Bpf.K: a *= k; break;
                case Bpf.Alu | Bpf.Div | Bpf.K: a /= k; break;   // k != 0: checked by Validate
                case Bpf.Alu | Bpf.Mod | Bpf.K: a %= k; break;
                case Bpf.Alu | Bpf.And | Bpf.K: a &= k; break;
                case Bpf.Alu | Bpf.Or | Bpf.K: a |= k; break;
                case Bpf.Alu | Bpf.Xor | Bpf.K: a ^= k; break;
                case Bpf.Alu | Bpf.Lsh | Bpf.K: a <<= (int)k; break; // k < 32: checked by Validate
                case Bpf.Alu | Bpf.Rsh | Bpf.K: a >>= (int)k; break;
                case Bpf.Alu | Bpf.Neg: a = (uint)-(int)a; break;

                case Bpf.Misc | Bpf.Tax: x = a; break;
                case Bpf.Misc | Bpf.Txa: a = x; break;

                default: return 0; // unreachable: Validate accepts known opcodes only
            }
        }
    }

    /// <summary>
    /// The checks of libpcap's <c>bpf_validate</c>: known opcodes only, scratch memory indices below 16, no constant
    /// division by zero or shift by 32 or more, every jump inside the program, and a return as the last instruction
    /// (so <see cref="Run"/> cannot run off the end).
    /// </summary>
    private static void Validate(BpfInstruction[] code)
    {
        if (code.Length == 0) throw new ArgumentException("empty BPF program");
        for (int pc = 0; pc < code.Length; pc++)
        {
            var i = code[pc];
            int c = i.Code;
            uint k = i.K;
            bool known = c switch
            {
                Bpf.Ret | Bpf.K or Bpf.Ret | Bpf.RetA => true,
                Bpf.Ld | Bpf.W | Bpf.Abs or Bpf.Ld | Bpf.H | Bpf.Abs or Bpf.Ld | Bpf.B | Bpf.Abs => true,
                Bpf.Ld | Bpf.W | Bpf.Ind or Bpf.Ld | Bpf.H | Bpf.Ind or Bpf.Ld | Bpf.B | Bpf.Ind => true,
                Bpf.Ld | Bpf.W | Bpf.Len or Bpf.Ldx | Bpf.W | Bpf.Len or Bpf.Ldx | Bpf.Msh | Bpf.B => true,
                Bpf.Ld | Bpf.Imm or Bpf.Ldx | Bpf.Imm => true,
                Bpf.Ld | Bpf.Mem or Bpf.Ldx | Bpf.Mem or Bpf.St or Bpf.Stx => k < Bpf.MemWords,
                Bpf.Jmp | Bpf.Ja => (ulong)pc + 1 + k < (ulong)code.Length,
                Bpf.Jmp | Bpf.Jgt | Bpf.K or Bpf.Jmp | Bpf.Jge | Bpf.K or Bpf.Jmp | Bpf.Jeq | Bpf.K or Bpf.Jmp | Bpf.Jset | Bpf.K
                    or Bpf.Jmp | Bpf.Jgt | Bpf.X or Bpf.Jmp | Bpf.Jge | Bpf.X or Bpf.Jmp | Bpf.Jeq | Bpf.X or Bpf.Jmp | Bpf.Jset | Bpf.X
                    => pc + 1 + i.JumpTrue < code.Length && pc + 1 + i.JumpFalse < code.Length,
                Bpf.Alu | Bpf.Div | Bpf.K or Bpf.Alu | Bpf.Mod | Bpf.K => k != 0,
                Bpf.Alu | Bpf.Lsh | Bpf.K or Bpf.Alu | Bpf.Rsh | Bpf.K => k < 32,
                Bpf.Alu | Bpf.Add | Bpf.K or Bpf.Alu | Bpf.Sub | Bpf.K or Bpf.Alu | Bpf.Mul | Bpf.K
                    or Bpf.Alu | Bpf.And | Bpf.K or Bpf.Alu | Bpf.Or | Bpf.K or Bpf.Alu | Bpf.Xor | Bpf.K => true,
                Bpf.Alu | Bpf.Add | Bpf.X or Bpf.Alu | Bpf.Sub | Bpf.X or Bpf.Alu | Bpf.Mul | Bpf.X or Bpf.Alu | Bpf.Div | Bpf.X
                    or Bpf.Alu | Bpf.Mod | Bpf.X or Bpf.Alu | Bpf.And | Bpf.X or Bpf.Alu | Bpf.Or | Bpf.X or Bpf.Alu | Bpf.Xor | Bpf.X
                    or Bpf.Alu | Bpf.Lsh | Bpf.X or Bpf.Alu | Bpf.Rsh | Bpf.X or Bpf.Alu | Bpf.Neg => true,
                Bpf.Misc | Bpf.Tax or Bpf.Misc | Bpf.Txa => true,
                _ => false,
            };
            if (!known) throw new ArgumentException($"invalid BPF instruction {pc}: {i}");
        }
        if (Bpf.Class(code[^1].Code) != Bpf.Ret) throw new ArgumentException("BPF program does not end with a return");
    }
}
