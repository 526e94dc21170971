namespace SegVerify.Core.Topology;

/// <summary>Loads and validates a topology file (format v1).</summary>
public static class TopologyLoader
{
    /// <summary>Loads a file; throws <see cref="TopologyException"/> with every error found.</summary>
    public static Topology Load(string path) => throw new NotImplementedException("topology loader: in progress");

    /// <summary>Loads from text; <paramref name="fileName"/> is used in error positions.</summary>
    public static Topology LoadFromText(string text, string fileName) => throw new NotImplementedException("topology loader: in progress");
}
