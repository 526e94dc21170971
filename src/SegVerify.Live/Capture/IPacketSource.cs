using System.Collections.Concurrent;
using SegVerify.Core.Capture;

namespace SegVerify.Live.Capture;

/// <summary>
/// Where monitor's packets come from, as the engine thread sees it: it calls <see cref="Read{THandler}"/> in a loop,
/// <see cref="WaitForData"/> when nothing is ready, and <see cref="StopAndDrain{THandler}"/> at the end. Two kinds:
/// <see cref="TpacketV3Source"/> (Linux: the kernel's TPACKET_V3 ring read in place on the engine thread) and
/// <see cref="PcapRingSource"/> (libpcap on a capture thread, copied into a <see cref="PacketRing"/>; everywhere).
/// </summary>
public interface IPacketSource : IDisposable
{
    /// <summary>How packets are captured: "tpacket-v3" or "libpcap" (in the summary as <c>capture</c>).</summary>
    string Method { get; }
    /// <summary>LINKTYPE_* of the packets.</summary>
    int LinkType { get; }
    bool NanosecondResolution { get; }
    /// <summary>The interface (or, in tests, the file) read.</summary>
    string Name { get; }
    bool IsFile { get; }
    int Snaplen { get; }
    /// <summary>True once a savefile has been read to its end and nothing is left to read (never for an interface).</summary>
    bool Ended { get; }
    /// <summary>Packets the kernel accepted for this capture (after the filter), dropped ones included; 64-bit.</summary>
    long Received { get; }
    /// <summary>Dropped by the kernel: no room in its capture buffer.</summary>
    long KernelDropped { get; }
    /// <summary>Dropped because the queue between a capture thread and the engine was full (0 without such a queue).</summary>
    long QueueDropped { get; }
    /// <summary>Dropped by the interface or its driver.</summary>
    long InterfaceDropped { get; }
    /// <summary>Received by the kernel, not dropped, and never read (left over at the end).</summary>
    long Unread { get; }
    /// <summary>Messages for standard error (interface down, capture resumed...), printed by the engine thread.</summary>
    ConcurrentQueue<string> Notices { get; }

    /// <summary>Starts capturing.</summary>
    void Start();
    /// <summary>Hands up to about <paramref name="max"/> ready packets to the handler (whole kernel blocks may exceed it); the count.</summary>
    int Read<THandler>(ref THandler handler, int max) where THandler : struct, IPacketHandler;
    /// <summary>Waits until packets may be ready or the timeout passes.</summary>
    void WaitForData(int timeoutMs);
    /// <summary>Stops capturing, hands what the kernel still holds to the handler (at most about 5 s), and takes the final counters.</summary>
    void StopAndDrain<THandler>(ref THandler handler) where THandler : struct, IPacketHandler;
}

/// <summary>
/// What a source hands packets to: one at a time (<see cref="PacketRing.IHandler.OnPacket"/>), or as a run of frames read
/// in place (<see cref="OnFrames"/>), which the engine decodes a few frames ahead of processing them so that the flow
/// table's memory is fetched early. A frame's bytes are valid only until the reader's next <c>TryRead</c>.
/// </summary>
public interface IPacketHandler : PacketRing.IHandler
{
    void OnFrames(ICaptureReader frames);
}
