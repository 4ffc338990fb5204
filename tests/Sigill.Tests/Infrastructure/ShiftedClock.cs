namespace Sigill.Tests.Infrastructure;

/// <summary>
/// The real clock moved forward by <see cref="Advance"/>: "now" jumps, while timers and delays stay real (unlike a
/// <c>FakeTimeProvider</c>, under which an app's background loops would stop). For apps whose tests travel in time.
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}
