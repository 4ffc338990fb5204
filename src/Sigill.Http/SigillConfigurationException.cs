using Microsoft.Extensions.Options;

namespace Sigill.Http;

/// <summary>
/// A tier refused its configuration. Thrown from one place (<see cref="SigillOptions.ValidateConfiguration"/>) when an
/// options class fails its start check; the message is one line, <c>invalid &lt;tier&gt; configuration: &lt;problem&gt;</c>,
/// naming the setting, which the CLI prints as it is. It never carries a configured value that could be a secret:
/// validators name settings, not their contents.
/// </summary>
public sealed class SigillConfigurationException : InvalidOperationException
{
    public SigillConfigurationException()
    {
    }

    public SigillConfigurationException(string message)
        : base(message)
    {
    }

    public SigillConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The first failure only: one line is what an operator reads, and the next start shows the next problem.</summary>
    internal static SigillConfigurationException From(string tier, OptionsValidationException failure) =>
        new($"invalid {tier} configuration: {failure.Failures.FirstOrDefault() ?? failure.Message}", failure);
}
