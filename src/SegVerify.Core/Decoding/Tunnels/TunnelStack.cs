using System.Runtime.CompilerServices;
using SegVerify.Core.Net;

namespace SegVerify.Core.Decoding;

/// <summary>The encapsulations of the spec's "Encapsulated traffic"; names as JSON Lines writes them.</summary>
public enum TunnelType : byte
{
    None = 0,
    Gre,
    Erspan,
    Vxlan,
    Geneve,
    Mpls,
    IpIp,
    Teredo,
}

public static class TunnelTypes
{
    private static readonly string[] Names = ["", "gre", "erspan", "vxlan", "geneve", "mpls", "ipip", "teredo"];

    /// <summary>The spec's <c>type</c> text: gre, erspan, vxlan, geneve, mpls, ipip, teredo.</summary>
    public static string Name(TunnelType t) => Names[(int)t];
}

/// <summary>
/// One encapsulation around a packet: its type, the carrying IP header's addresses (absent for MPLS, which has none)
/// and its id (VNI, GRE key, ERSPAN session id or MPLS label, when it has one).
/// </summary>
public readonly struct TunnelHop : IEquatable<TunnelHop>
{
    public readonly IpAddr Src, Dst;
    public readonly uint Id;
    public readonly TunnelType Type;
    public readonly bool HasAddresses;
    public readonly bool HasId;

    public TunnelHop(TunnelType type, bool hasAddresses, IpAddr src, IpAddr dst, bool hasId, uint id)
    {
        Type = type;
        HasAddresses = hasAddresses;
        Src = hasAddresses ? src : default;
        Dst = hasAddresses ? dst : default;
        HasId = hasId;
        Id = hasId ? id : 0;
    }

    public bool Equals(TunnelHop o) =>
        Type == o.Type && HasAddresses == o.HasAddresses && HasId == o.HasId && Id == o.Id && Src == o.Src && Dst == o.Dst;

    public override bool Equals(object? obj) => obj is TunnelHop h && Equals(h);

    public override int GetHashCode() => HashCode.Combine(Type, HasId, Id, Src, Dst);

    public override string ToString() =>
        TunnelTypes.Name(Type) + (HasAddresses ? $" {Src}->{Dst}" : "") + (HasId ? $" id {Id}" : "");
}

/// <summary>
/// The encapsulations around the packet being decoded, outermost first: a fixed buffer of
/// <see cref="MaxDepth"/> hops (no allocation). Entry <c>i</c> is written by <see cref="FrameDecoder.DecodeInner"/>
/// when it opens the packet at depth <c>i + 1</c>; a packet at <see cref="DecodedPacket.TunnelDepth"/> <c>d</c> is
/// surrounded by entries <c>0 .. d-1</c>.
/// </summary>
public struct TunnelStack
{
    /// <summary>How many encapsulations are followed (spec: "Nesting is followed up to 8 encapsulations").</summary>
    public const int MaxDepth = 8;

    [InlineArray(MaxDepth)]
    private struct Buffer
    {
        private TunnelHop _first;
    }

    private Buffer _hops;

    [System.Diagnostics.CodeAnalysis.UnscopedRef]
    public ref TunnelHop this[int index] => ref _hops[index];

    /// <summary>The hops around a packet at depth <paramref name="depth"/>, outermost first.</summary>
    [System.Diagnostics.CodeAnalysis.UnscopedRef]
    public ReadOnlySpan<TunnelHop> Around(int depth) => ((ReadOnlySpan<TunnelHop>)_hops).Slice(0, depth);

    /// <summary>Whether a tunnel type's id names a virtual network, and so separates flows (VXLAN/GENEVE VNI, GRE key).</summary>
    public static bool NamesVirtualNetwork(TunnelType t) => t is TunnelType.Vxlan or TunnelType.Geneve or TunnelType.Gre;

    /// <summary>The flow-key value for virtual network <paramref name="id"/> of a tunnel type (never 0).</summary>
    public static ulong VirtualNetworkOf(TunnelType t, uint id) => (ulong)(byte)t << 32 | id;
}
