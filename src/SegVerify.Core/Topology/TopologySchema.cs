namespace SegVerify.Core.Topology;

/// <summary>
/// The JSON Schema (draft-07) of the topology file format v1, for editors (the yaml-language-server modeline of the
/// example topologies points at topologies/topology.schema.json, the file this text is embedded from). It describes
/// what the loader accepts key by key (required keys, enums, CIDR/MAC/port/date patterns, no unknown keys); what
/// only the whole file can tell (references, unique names, segments, the mynumber rules) stays with
/// <c>topology validate</c>.
/// </summary>
public static class TopologySchema
{
    /// <summary>The file name beside the example topologies.</summary>
    public const string FileName = "topology.schema.json";

    private const string ResourceName = "SegVerify.Core.Topology.topology.schema.json";

    /// <summary>The schema as UTF-8 JSON text, byte for byte the file in topologies/.</summary>
    public static string Text { get; } = Load();

    private static string Load()
    {
        using var s = typeof(TopologySchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var r = new StreamReader(s, System.Text.Encoding.UTF8);
        return r.ReadToEnd();
    }
}
