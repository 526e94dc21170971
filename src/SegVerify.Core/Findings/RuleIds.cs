namespace SegVerify.Core.Findings;

/// <summary>The finding ids of the spec (and those SegVerify adds), with their severities.</summary>
public static class RuleIds
{
    public const string MynumberInternet = "mynumber-internet";
    public const string MynumberIsolation = "mynumber-isolation";
    public const string LgwanInternetSeparation = "lgwan-internet-separation";
    public const string ZoneCrossing = "zone-crossing";
    public const string SanitizationMisuse = "sanitization-misuse";
    public const string MacBinding = "mac-binding";
    public const string UnregisteredDevice = "unregistered-device";
    public const string VlanMismatch = "vlan-mismatch";
    public const string UnclassifiedAddress = "unclassified-address";
    public const string UndeclaredService = "undeclared-service";
    public const string LargeTransfer = "large-transfer";
    public const string ExpiredException = "expired-exception";
    /// <summary>Added by SegVerify: a capture damaged part-way (warning with the byte offset).</summary>
    public const string CaptureDamaged = "capture-damaged";
    // check-firewall
    public const string RequiredBlocked = "required-blocked";
    public const string ShadowedRule = "shadowed-rule";
    public const string UnsupportedSyntax = "unsupported-syntax";
    public const string SpoofableInterface = "spoofable-interface";
    /// <summary>An interface a FortiOS policy names that the topology's firewalls: entry does not map (warning).</summary>
    public const string UnmappedInterface = "unmapped-interface";

    public static Severity SeverityOf(string rule) => rule switch
    {
        MynumberInternet or MynumberIsolation or LgwanInternetSeparation or ZoneCrossing or SanitizationMisuse
            or MacBinding or UnregisteredDevice or ExpiredException or RequiredBlocked => Severity.Violation,
        _ => Severity.Warning,
    };
}
