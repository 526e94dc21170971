using System.Collections.Concurrent;

namespace SegVerify.Live.Capture;

/// <summary>
/// The libpcap path as an <see cref="IPacketSource"/>: <see cref="PcapSource"/>'s capture thread copies every packet into
/// a <see cref="PacketRing"/>, which the engine thread drains. Used off Linux, for savefiles, for link types the
/// TPACKET_V3 path does not handle, and with <c>--capture libpcap</c>.
/// </summary>
public sealed class PcapRingSource(PcapSource pcap, int queueBytes) : IPacketSource
{
    private readonly PacketRing _ring = new(queueBytes);

    public PcapSource Pcap => pcap;
    public string Method => "libpcap";
    public int LinkType => pcap.LinkType;
    public bool NanosecondResolution => pcap.NanosecondResolution;
    public string Name => pcap.Name;
    public bool IsFile => pcap.IsFile;
    public int Snaplen => pcap.Snaplen;
    public bool Ended => pcap.Ended && _ring.Pending == 0;
    public long Received => pcap.Received;
    public long KernelDropped => pcap.KernelDropped;
    public long QueueDropped => _ring.Overflows;
    public long InterfaceDropped => pcap.InterfaceDropped;
    public long Unread => pcap.Unread;
    public ConcurrentQueue<string> Notices => pcap.Notices;

    public void Start() => pcap.Start(_ring);

    public int Read<THandler>(ref THandler handler, int max) where THandler : struct, IPacketHandler =>
        _ring.Drain(ref handler, max);

    public void WaitForData(int timeoutMs) => _ring.WaitForData(timeoutMs);

    public void StopAndDrain<THandler>(ref THandler handler) where THandler : struct, IPacketHandler
    {
        pcap.Stop();
        while (_ring.Drain(ref handler, int.MaxValue) > 0) { }
    }

    public void Dispose() => pcap.Dispose();
}
