using System.Runtime.InteropServices;

namespace SegVerify.Live.Capture;

/// <summary>
/// The Linux system calls and structures of an AF_PACKET socket with a TPACKET_V3 receive ring (linux/if_packet.h),
/// for <see cref="TpacketV3Source"/>. Offsets are those of x86-64 and arm64 (the layouts have no pointer-sized fields).
/// </summary>
internal static unsafe class LinuxPacketSocket
{
    public const int AfPacket = 17;
    public const int SockRaw = 3;
    public const int SolSocket = 1;
    public const int SolPacket = 263;
    public const int SoError = 4;
    public const int SoAttachFilter = 26;
    public const int PacketAddMembership = 1;
    public const int PacketRxRing = 5;
    public const int PacketStatistics = 6;
    public const int PacketVersion = 10;
    public const int TpacketV3 = 2;
    public const ushort PacketMrPromisc = 1;
    public const ushort EthPAllNetworkOrder = 0x0300; // htons(ETH_P_ALL)
    public const int ProtRead = 1, ProtWrite = 2, MapShared = 1;
    public const short PollIn = 0x1, PollErr = 0x8, PollHup = 0x10, PollNval = 0x20;
    public const int EIntr = 4, EPerm = 1, EAcces = 13, ENoDev = 19, ENetDown = 100;

    // struct tpacket_block_desc { u32 version; u32 offset_to_priv; struct tpacket_hdr_v1 h1; }
    public const int BlockStatus = 8;
    public const int BlockNumPkts = 12;
    public const int BlockOffsetToFirstPkt = 16;
    public const uint TpStatusKernel = 0;
    public const uint TpStatusUser = 1;

    // struct tpacket3_hdr
    public const int PktNextOffset = 0;
    public const int PktSec = 4;
    public const int PktNsec = 8;
    public const int PktSnaplen = 12;
    public const int PktLen = 16;
    public const int PktStatus = 20;
    public const int PktMac = 24;
    public const int PktVlanTci = 32;
    public const int PktVlanTpid = 36;
    /// <summary>sll_pkttype of the struct sockaddr_ll that follows the 48-byte tpacket3_hdr.</summary>
    public const int PktSllPktType = 48 + 10;
    public const uint TpStatusVlanValid = 0x10;
    public const uint TpStatusVlanTpidValid = 0x40;
    public const byte PacketOutgoing = 4;

    public const int ArphrdEther = 1;
    public const int ArphrdLoopback = 772;

    [StructLayout(LayoutKind.Sequential)]
    public struct TpacketReq3
    {
        public uint BlockSize;
        public uint BlockNr;
        public uint FrameSize;
        public uint FrameNr;
        public uint RetireBlkTov;
        public uint SizeofPriv;
        public uint FeatureReqWord;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrLl
    {
        public ushort Family;
        public ushort Protocol;
        public int IfIndex;
        public ushort HaType;
        public byte PktType;
        public byte HaLen;
        public ulong Addr;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PacketMreq
    {
        public int IfIndex;
        public ushort Type;
        public ushort ALen;
        public ulong Address;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TpacketStatsV3
    {
        public uint Packets;
        public uint Drops;
        public uint FreezeQueueCount;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct SockFprog
    {
        public ushort Len;
        public IntPtr Filter;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [DllImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static extern int Socket(int domain, int type, int protocol);

    [DllImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static extern int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [DllImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static extern int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    [DllImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static extern int Bind(int fd, SockaddrLl* address, uint length);

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static extern IntPtr Mmap(IntPtr address, nuint length, int prot, int flags, int fd, nint offset);

    [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static extern int Munmap(IntPtr address, nuint length);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static extern int Poll(PollFd* fds, ulong nfds, int timeoutMs);

    [DllImport("libc", EntryPoint = "if_nametoindex", SetLastError = true)]
    public static extern uint IfNameToIndex([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc", EntryPoint = "strerror")]
    private static extern IntPtr StrError(int errno);

    /// <summary>The C library's text for an errno value.</summary>
    public static string Describe(int errno) => Marshal.PtrToStringUTF8(StrError(errno)) ?? $"errno {errno}";
}
