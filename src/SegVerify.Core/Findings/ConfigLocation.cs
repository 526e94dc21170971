namespace SegVerify.Core.Findings;

/// <summary>
/// Where a configuration statement is written (1-based line and column): the firewall rule behind a check-firewall
/// finding, written as <c>config_file</c>, <c>config_line</c>, <c>config_column</c>.
/// </summary>
public sealed record ConfigLocation(string File, int Line, int Column)
{
    /// <summary><c>file:line</c>, as a rule's place in a path.</summary>
    public string FileLine => File + ":" + Line.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary><c>file:line:column</c>.</summary>
    public override string ToString() => FileLine + ":" + Column.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
