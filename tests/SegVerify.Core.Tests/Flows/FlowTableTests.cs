using System.Runtime.CompilerServices;
using SegVerify.Core.Flows;
using SegVerify.Core.Net;
using Xunit;

namespace SegVerify.Core.Tests.Flows;

/// <summary>The flow table's storage: entry layout, alignment, growth and slot reuse.</summary>
public class FlowTableTests
{
    private static FlowKey Key(int n) => new()
    {
        A = IpAddr.FromV4(0x0A000000u + (uint)n),
        B = IpAddr.FromV4(0xC0A80001u),
        PortA = (ushort)(1024 + n % 60000),
        PortB = 443,
        Proto = IpProto.Tcp,
    };

    private static long Offset<T>(ref FlowEntry e, ref T field) =>
        Unsafe.ByteOffset(ref Unsafe.As<FlowEntry, byte>(ref e), ref Unsafe.As<T, byte>(ref field));

    [Fact]
    public void EntryIsThreeLinesWithThePerPacketFieldsInTheFirstTwo()
    {
        Assert.Equal(192, Unsafe.SizeOf<FlowEntry>());
        var e = new FlowEntry();
        // every field a packet of an existing flow reads or writes ends within the first 128 bytes
        Assert.True(Offset(ref e, ref e.Key) + Unsafe.SizeOf<FlowKey>() <= 128);
        Assert.True(Offset(ref e, ref e.Flags) + sizeof(FlowFlags) <= 128);
        Assert.True(Offset(ref e, ref e.EchoReplySide) + 1 <= 128);
        Assert.True(Offset(ref e, ref e.LastTs) + 8 <= 128);
        Assert.True(Offset(ref e, ref e.BytesBA) + 8 <= 128);
        Assert.True(Offset(ref e, ref e.MacASrc) + 8 <= 128);
        Assert.True(Offset(ref e, ref e.MacBSrc) + 8 <= 128);
        Assert.True(Offset(ref e, ref e.FlowId) + 8 <= 128);
        // and what only opening or judging a flow reads is after them
        Assert.True(Offset(ref e, ref e.FirstTs) >= 128);
        Assert.True(Offset(ref e, ref e.TunnelRef) >= 128);
        Assert.True(Offset(ref e, ref e.Hash) >= 128);
    }

    [Fact]
    public unsafe void EntriesStay64ByteAlignedAndKeepTheirFieldsWhenTheTableGrows()
    {
        var t = new FlowTable(maxFlows: 5000, initialCapacity: 16);
        const int n = 3000;
        for (int i = 0; i < n; i++)
        {
            var k = Key(i);
            Assert.Equal(-1, t.Find(in k));
            int slot = t.Add(in k, FlowTable.ListTcp);
            ref var e = ref t[slot];
            e.FlowId = (ulong)i + 1;
            e.PacketsAB = i;
            e.BytesBA = 10L * i;
            e.TunnelRef = i;
        }
        Assert.Equal(n, t.Count);
        Assert.True(t.Capacity >= n);
        for (int i = 0; i < n; i++)
        {
            var k = Key(i);
            int slot = t.Find(in k);
            Assert.True(slot >= 0);
            ref var e = ref t[slot];
            Assert.Equal(0, (long)Unsafe.AsPointer(ref e) % 64);
            Assert.True(e.Key.Equals(k));
            Assert.Equal((ulong)i + 1, e.FlowId);
            Assert.Equal(i, e.PacketsAB);
            Assert.Equal(10L * i, e.BytesBA);
            Assert.Equal(i, e.TunnelRef);
        }
        // removing (which finds the bucket from the stored hash) after the rehashes of growing
        for (int i = 0; i < n; i += 2)
        {
            var k = Key(i);
            t.Remove(t.Find(in k));
        }
        Assert.Equal(n / 2, t.Count);
        for (int i = 0; i < n; i++)
        {
            var k = Key(i);
            int slot = t.Find(in k);
            if (i % 2 == 0) Assert.Equal(-1, slot);
            else Assert.Equal((ulong)i + 1, t[slot].FlowId);
        }
    }

    [Fact]
    public void ARemovedSlotKeepsItsFieldsUntilReusedAndIsClearedWhenReused()
    {
        var t = new FlowTable(maxFlows: 100, initialCapacity: 16);
        var k1 = Key(1);
        int slot = t.Add(in k1, FlowTable.ListOther);
        t[slot].FlowId = 7;
        t[slot].BytesAB = 1234;
        t.Remove(slot);
        Assert.Equal(-1, t.Find(in k1));
        Assert.Equal(0, t.Count);
        // the flow tracker hands the freed slot to the flow-end callback: it still holds the flow
        Assert.True(t[slot].Key.Equals(k1));
        Assert.Equal(7UL, t[slot].FlowId);
        Assert.Equal(1234, t[slot].BytesAB);

        var k2 = Key(2);
        int again = t.Add(in k2, FlowTable.ListOther);
        Assert.Equal(slot, again);
        Assert.True(t[again].Key.Equals(k2));
        Assert.Equal(0UL, t[again].FlowId);
        Assert.Equal(0, t[again].BytesAB);
        Assert.Throws<IndexOutOfRangeException>(() => t[t.Capacity].FlowId);
    }
}
