using System.Diagnostics.Metrics;
using Sigill.Api.Telemetry;

namespace Sigill.Api.Features.Templates;

/// <summary>
/// Template renders, exported at <c>/metrics</c>: <c>sigill_templates_renders_total{outcome, limit}</c> (outcome
/// <c>rendered</c>, <c>refused</c> or <c>cancelled</c>; <c>limit</c> names the limit a <c>template_too_expensive</c>
/// refusal hit) and <c>sigill_templates_renders_active</c>, the renders running now — which is also how one sees that a
/// render stopped when its client went away.
/// </summary>
internal sealed class TemplateMetrics
{
    private readonly Counter<long> _renders;
    private readonly UpDownCounter<long> _active;

    public TemplateMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(SigillMetrics.MeterName);
        _renders = meter.CreateCounter<long>("sigill.templates.renders", unit: "{render}",
            description: "Template renders by outcome (rendered, refused, cancelled) and, for template_too_expensive, the limit.");
        _active = meter.CreateUpDownCounter<long>("sigill.templates.renders.active", unit: "{render}", description: "Template renders running now.");
    }

    /// <summary>Counts a render as running until the result is disposed.</summary>
    public IDisposable Started()
    {
        _active.Add(1);
        return new Running(_active);
    }

    public void Finished(string outcome, TemplateException? refusal = null) =>
        _renders.Add(1, new("outcome", outcome), new("limit", refusal?.Limit ?? "none"));

    private sealed class Running(UpDownCounter<long> active) : IDisposable
    {
        public void Dispose() => active.Add(-1);
    }
}
