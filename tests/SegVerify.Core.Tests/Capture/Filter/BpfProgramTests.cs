using SegVerify.Core.Capture.Filter;
using Xunit;

namespace SegVerify.Core.Tests.Capture.Filter;

/// <summary>The interpreter's edge cases, on hand-written programs (opcodes from pcap/bpf.h).</summary>
public class BpfProgramTests
{
    private const ushort LdWAbs = 0x20, LdHAbs = 0x28, LdBAbs = 0x30, LdWLen = 0x80, LdxMshB = 0xb1, LdBInd = 0x50,
        LdImm = 0x00, LdxImm = 0x01, St = 0x02, LdMem = 0x60, AluDivX = 0x3c, AluModX = 0x9c, AluLshX = 0x6c, AluNeg = 0x84,
        Tax = 0x07, JeqK = 0x15, JgtK = 0x25, JsetK = 0x45, Ja = 0x05, RetK = 0x06, RetA = 0x16, AluDivK = 0x34, AluLshK = 0x64;

    private static BpfInstruction I(ushort code, uint k = 0, byte jt = 0, byte jf = 0) => new(code, jt, jf, k);
    private static BpfProgram P(params BpfInstruction[] code) => new(code);

    [Fact]
    public void Len_is_the_wire_length_not_the_captured_length()
    {
        var prog = P(I(LdWLen), I(RetA));
        Assert.Equal(1514u, prog.Run(new byte[60], 1514));
        Assert.Equal(0u, prog.Run([], 0));
    }

    [Fact]
    public void A_load_past_the_captured_bytes_rejects_even_when_the_wire_packet_was_longer()
    {
        var word = P(I(LdWAbs, 12), I(RetK, 0xffff));
        Assert.Equal(0xffffu, word.Run(new byte[16], 16));
        Assert.Equal(0u, word.Run(new byte[15], 1500)); // snapped at 15 bytes: the word at 12..15 is not there
        var half = P(I(LdHAbs, 14), I(RetK, 1));
        Assert.Equal(1u, half.Run(new byte[16], 16));
        Assert.Equal(0u, half.Run(new byte[15], 16));
        var b = P(I(LdBAbs, 15), I(RetK, 1));
        Assert.Equal(1u, b.Run(new byte[16], 16));
        Assert.Equal(0u, b.Run(new byte[15], 16));
        var huge = P(I(LdWAbs, uint.MaxValue - 1), I(RetK, 1)); // no overflow in the bounds check
        Assert.Equal(0u, huge.Run(new byte[16], 16));
    }

    [Fact]
    public void Indirect_loads_and_msh_read_the_ip_header_length()
    {
        // x = 4 * (p[0] & 0xf); a = p[x + 1]
        var prog = P(I(LdxMshB, 0), I(LdBInd, 1), I(RetA));
        var pkt = new byte[32];
        pkt[0] = 0x45;
        pkt[21] = 0x99;
        Assert.Equal(0x99u, prog.Run(pkt, 32));
        pkt[0] = 0x4f; // x = 60: past the captured bytes
        Assert.Equal(0u, prog.Run(pkt, 32));
        var offsetOverflow = P(I(LdxImm, uint.MaxValue), I(LdBInd, 2), I(RetK, 1));
        Assert.Equal(0u, offsetOverflow.Run(pkt, 32));
    }

    [Fact]
    public void Division_by_a_zero_register_rejects_and_shifts_of_32_or_more_give_zero()
    {
        Assert.Equal(0u, P(I(LdImm, 10), I(LdxImm, 0), I(AluDivX), I(RetK, 1)).Run([], 0));
        Assert.Equal(0u, P(I(LdImm, 10), I(LdxImm, 0), I(AluModX), I(RetK, 1)).Run([], 0));
        Assert.Equal(5u, P(I(LdImm, 10), I(LdxImm, 2), I(AluDivX), I(RetA)).Run([], 0));
        Assert.Equal(0u, P(I(LdImm, 1), I(LdxImm, 32), I(AluLshX), I(RetA)).Run([], 0));
        Assert.Equal(8u, P(I(LdImm, 1), I(LdxImm, 3), I(AluLshX), I(RetA)).Run([], 0));
        Assert.Equal(uint.MaxValue, P(I(LdImm, 1), I(AluNeg), I(RetA)).Run([], 0));
    }

    [Fact]
    public void Jumps_scratch_memory_and_register_transfer()
    {
        // mem[3] = p[0]; if p[0] > 7 goto big; ret 1; big: a = mem[3]; x = a; if (a & 0x80) ret 0x80 else ret a
        var prog = P(
            I(LdBAbs, 0), I(St, 3), I(JgtK, 7, 1, 0), I(RetK, 1),
            I(LdMem, 3), I(Tax), I(JsetK, 0x80, 0, 1), I(RetK, 0x80), I(RetA));
        Assert.Equal(1u, prog.Run([5], 1));
        Assert.Equal(0x80u, prog.Run([0x81], 1));
        Assert.Equal(0x10u, prog.Run([0x10], 1));
        Assert.Equal(0u, prog.Run([], 0));
        Assert.Equal(7u, P(I(Ja, 1), I(RetK, 1), I(RetK, 7)).Run([], 0));
        Assert.True(P(I(LdBAbs, 0), I(JeqK, 6, 0, 1), I(RetK, 65535), I(RetK, 0)).Matches([6], 1));
    }

    [Fact]
    public void Programs_that_could_misbehave_are_refused()
    {
        Assert.Throws<ArgumentException>(() => P());
        Assert.Throws<ArgumentException>(() => P(I(LdImm, 1))); // no return at the end
        Assert.Throws<ArgumentException>(() => P(I(Ja, 5), I(RetK, 1))); // jump out of the program
        Assert.Throws<ArgumentException>(() => P(I(JeqK, 0, 3, 0), I(RetK, 1)));
        Assert.Throws<ArgumentException>(() => P(I(LdMem, 16), I(RetA))); // scratch memory has 16 words
        Assert.Throws<ArgumentException>(() => P(I(AluDivK, 0), I(RetA)));
        Assert.Throws<ArgumentException>(() => P(I(AluLshK, 32), I(RetA)));
        Assert.Throws<ArgumentException>(() => P(I(0xff), I(RetA))); // unknown opcode
    }

    [Fact]
    public void Running_a_program_allocates_nothing()
    {
        var prog = P(I(LdxMshB, 14), I(LdBInd, 14), I(JeqK, 0, 0, 1), I(LdWLen), I(RetA)); // p[34] == 0: the wire length
        var pkt = new byte[64];
        pkt[14] = 0x45;
        prog.Run(pkt, 64);
        long before = GC.GetAllocatedBytesForCurrentThread();
        uint sum = 0;
        for (int i = 0; i < 10_000; i++) sum += prog.Run(pkt, 64);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);
    }
}
