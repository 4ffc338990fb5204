using System.Diagnostics.Metrics;
using Sigill.Api.Platform.Telemetry;

namespace Sigill.Api.Features.Templates;

/// <summary>
/// Template renders, exported at <c>/metrics</c>: <c>sigill_templates_renders_total{outcome, limit}</c> (outcome
/// <c>rendered</c>, <c>refused</c> or <c>cancelled</c>; <c>limit</c> names the limit a <c>template_too_expensive</c>
/// refusal hit) and <c>sigill_templates_renders_active</c>, the renders running now (<see cref="Active"/>) — which is
/// also how one sees that a render stopped when its client went away.
/// </summary>
internal sealed class TemplateMetrics
{
    private readonly Counter<long> _renders;
    private long _active;

    public TemplateMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(SigillMetrics.MeterName);
        _renders = meter.CreateCounter<long>("sigill.templates.renders", unit: "{render}",
            description: "Template renders by outcome (rendered, refused, cancelled) and, for template_too_expensive, the limit.");
        meter.CreateObservableUpDownCounter("sigill.templates.renders.active", () => Active, unit: "{render}", description: "Template renders running now.");
    }

    /// <summary>Renders running now on this API node.</summary>
    public long Active => Interlocked.Read(ref _active);

    /// <summary>Counts a render as running until the result is disposed.</summary>
    public IDisposable Started()
    {
        Interlocked.Increment(ref _active);
        return new Running(this);
    }

    public void Finished(string outcome, TemplateException? refusal = null) =>
        _renders.Add(1, new("outcome", outcome), new("limit", refusal?.Limit ?? "none"));

    private sealed class Running(TemplateMetrics metrics) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref metrics._active);
    }
}
