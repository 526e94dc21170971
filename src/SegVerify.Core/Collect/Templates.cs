using SegVerify.Core.Net;

namespace SegVerify.Core.Collect;

/// <summary>One field of a template: Information Element id (or NetFlow v9 type), length (65535: variable), enterprise number.</summary>
public readonly record struct TemplateField(ushort Id, ushort Length, uint Enterprise)
{
    public const ushort VariableLength = 65535;
    public bool IsVariable => Length == VariableLength;
}

/// <summary>A (options) template as received: fields in order, the shortest record it can describe.</summary>
public sealed class Template(ushort id, TemplateField[] fields, int scopeFieldCount, long receivedNs)
{
    public ushort Id { get; } = id;
    public TemplateField[] Fields { get; } = fields;
    /// <summary>Options templates: the number of leading scope fields (0 for a data template).</summary>
    public int ScopeFieldCount { get; } = scopeFieldCount;
    public bool IsOptions => ScopeFieldCount > 0;
    /// <summary>Bytes of the smallest record (a variable-length field counts 1).</summary>
    public int MinRecordLength { get; } = fields.Sum(f => f.IsVariable ? 1 : f.Length);
    public long ReceivedNs { get; set; } = receivedNs;
}

/// <summary>
/// Templates and state of one exporter's observation domain (RFC 7011 section 8: templates are scoped to the
/// transport session and observation domain; NetFlow v9's source id plays the domain's part). Bounded: at most
/// <see cref="MaxTemplates"/> templates.
/// </summary>
public sealed class ExporterSession(IpAddr exporter, ushort port, uint domain, byte version)
{
    public const int MaxTemplates = 256;
    public const int MaxFieldsPerTemplate = 128;

    public IpAddr Exporter { get; } = exporter;
    public ushort Port { get; } = port;
    public uint ObservationDomain { get; } = domain;
    /// <summary>5, 9 or 10.</summary>
    public byte Version { get; } = version;
    public Dictionary<ushort, Template> Templates { get; } = new();
    /// <summary>Packet sampling interval announced (v5 header, options data, records); 0 when none was stated.</summary>
    public uint SamplingInterval { get; set; }
    /// <summary>IPFIX systemInitTimeMilliseconds from options data, for records timed in flowStart/EndSysUpTime.</summary>
    public long SystemInitMs { get; set; }
    public bool HasSystemInit { get; set; }
    public long Records;

    public string Source => Version == 10 ? "ipfix" : "netflow";
    public string ExporterText => Exporter.ToString();
}

/// <summary>The key of an exporter session: address, UDP port, domain, export version.</summary>
public readonly record struct SessionKey(IpAddr Exporter, ushort Port, uint Domain, byte Version);
