namespace SegVerify.Firewall.Model;

/// <summary>
/// Something in a configuration that is read with a loss (reported as a <c>warning</c> with rule
/// <c>unsupported-syntax</c> at its position): the construct is not modelled exactly.
/// </summary>
public sealed record ParseWarning(ConfigPos Pos, string Message, string Text);

/// <summary>An error in a configuration that the device itself would refuse (exit 2), in English and Japanese.</summary>
public sealed record ConfigError(ConfigPos Pos, string English, string Japanese)
{
    public string Text(bool ja) => $"{Pos.Full}: {(ja ? Japanese : English)}";
    public override string ToString() => Text(false);
}

/// <summary>Thrown by a dialect or by <see cref="FwRuleset.Link"/> when a configuration cannot be analysed.</summary>
public sealed class FirewallConfigException(IReadOnlyList<ConfigError> errors)
    : Exception(string.Join("; ", errors.Select(e => e.ToString())))
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;

    public FirewallConfigException(ConfigError error) : this([error]) { }
}
