using SegVerify.Live.Capture;
using Xunit;

namespace SegVerify.Live.Tests;

public class WrappingCounterTests
{
    [Fact]
    public void Counts_from_zero_then_adds_deltas()
    {
        var c = new WrappingCounter();
        c.Sample(10);
        c.Sample(25);
        c.Sample(25);
        Assert.Equal(25, c.Total);
    }

    [Fact]
    public void A_32_bit_wrap_keeps_counting_past_four_billion()
    {
        var c = new WrappingCounter();
        c.Sample(uint.MaxValue - 5);        // 4294967290
        c.Sample(4);                        // wrapped: +10
        Assert.Equal((long)uint.MaxValue + 5, c.Total);
        c.Sample(uint.MaxValue);            // +4294967291
        c.Sample(0);                        // +1, wrapped again
        Assert.Equal(2 * ((long)uint.MaxValue + 1), c.Total);
    }

    [Fact]
    public void Rebase_after_reopen_keeps_the_total_and_counts_the_new_handle_from_zero()
    {
        var c = new WrappingCounter();
        c.Sample(1000);
        c.Rebase();
        c.Sample(7);                        // a new handle's counters start again at 0
        Assert.Equal(1007, c.Total);
        c.Sample(9);
        Assert.Equal(1009, c.Total);
    }
}

public class PacketRingTests
{
    private struct Collector : PacketRing.IHandler
    {
        public List<(byte[] Data, int Orig, long Ts)> Got;
        public void OnPacket(ReadOnlySpan<byte> data, int originalLength, long timestampNs) =>
            Got.Add((data.ToArray(), originalLength, timestampNs));
    }

    private static byte[] Packet(int i, int len)
    {
        var b = new byte[len];
        for (int k = 0; k < len; k++) b[k] = (byte)(i * 31 + k);
        return b;
    }

    [Fact]
    public void Packets_come_out_in_order_with_their_lengths_and_timestamps_across_many_wraps()
    {
        var ring = new PacketRing(4096);
        var c = new Collector { Got = [] };
        var sent = new List<byte[]>();
        for (int i = 0; i < 2000; i++)
        {
            var p = Packet(i, 1 + (i * 37) % 700);
            Assert.True(ring.TryWrite(p, p.Length + 4, 1_000_000_000L * i + i));
            sent.Add(p);
            if (i % 3 == 2) ring.Drain(ref c, int.MaxValue);
        }
        ring.Drain(ref c, int.MaxValue);
        Assert.Equal(sent.Count, c.Got.Count);
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.Equal(sent[i], c.Got[i].Data);
            Assert.Equal(sent[i].Length + 4, c.Got[i].Orig);
            Assert.Equal(1_000_000_000L * i + i, c.Got[i].Ts);
        }
        Assert.Equal(0, ring.Overflows);
        Assert.Equal(0, ring.Pending);
    }

    [Fact]
    public void A_full_queue_refuses_and_counts_each_packet_it_cannot_take()
    {
        var ring = new PacketRing(1024);
        var p = new byte[100];                       // 24 + 100 -> 128 bytes a record: 8 fit
        int accepted = 0;
        for (int i = 0; i < 10; i++) if (ring.TryWrite(p, 100, i)) accepted++;
        Assert.Equal(8, accepted);
        Assert.Equal(2, ring.Overflows);
        var c = new Collector { Got = [] };
        Assert.Equal(8, ring.Drain(ref c, int.MaxValue));
        Assert.True(ring.TryWrite(p, 100, 99));
        Assert.Equal(2, ring.Overflows);
    }

    [Fact]
    public void A_producer_and_a_consumer_on_two_threads_lose_nothing_when_the_producer_waits()
    {
        var ring = new PacketRing(16 * 1024);
        const int N = 200_000;
        var producer = new Thread(() =>
        {
            Span<byte> buf = stackalloc byte[64];
            for (int i = 0; i < N; i++)
            {
                BitConverter.TryWriteBytes(buf, i);
                int len = 4 + i % 60;
                while (!ring.TryWrite(buf[..len], len, i, countOverflow: false)) Thread.Yield();
            }
        });
        producer.Start();
        var check = new Checker();
        while (check.Next < N)
        {
            if (ring.Drain(ref check, 256) == 0) ring.WaitForData(10);
        }
        producer.Join();
        Assert.Equal(N, check.Next);
        Assert.False(check.Bad);
        Assert.Equal(0, ring.Overflows);
    }

    private struct Checker : PacketRing.IHandler
    {
        public int Next;
        public bool Bad;
        public void OnPacket(ReadOnlySpan<byte> data, int originalLength, long timestampNs)
        {
            if (BitConverter.ToInt32(data) != Next || timestampNs != Next || data.Length != 4 + Next % 60) Bad = true;
            Next++;
        }
    }
}
