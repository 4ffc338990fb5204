using System.Globalization;
using System.Text;

namespace Sigill.Api.Features.Templates;

/// <summary>
/// The text a render writes, with a ceiling: every write is judged before it is appended, counted in the render's
/// built total, and is a cancellation checkpoint. Fluid writes output through the TextWriter it is given and captures
/// into StringWriters of its own; Sigill renders into this writer and replaces <c>capture</c> and <c>ifchanged</c>
/// with nodes that use it too (<see cref="BoundedNodes"/>). Every Write overload ends in <see cref="Append"/>; the
/// async ones finish synchronously, as Fluid's StringWriter would.
/// </summary>
internal sealed class CappedWriter(RenderBudget budget, int capacity, Func<TemplateLimits, TemplateLimitException> exceeded)
    : TextWriter(CultureInfo.InvariantCulture)
{
    private readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.Unicode;

    public override void Write(char value) => Append([value]);

    public override void Write(char[] buffer, int index, int count) => Append(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer) => Append(buffer);

    public override void Write(string? value) => Append(value);

    public override void Write(StringBuilder? value)
    {
        if (value is null) return;
        foreach (var chunk in value.GetChunks()) Append(chunk.Span);
    }

    public override Task WriteAsync(char value) => Done(() => Write(value));

    public override Task WriteAsync(string? value) => Done(() => Write(value));

    public override Task WriteAsync(char[] buffer, int index, int count) => Done(() => Write(buffer, index, count));

    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) => Done(() => Append(buffer.Span));

    public override Task WriteAsync(StringBuilder? value, CancellationToken cancellationToken = default) => Done(() => Write(value));

    public override Task WriteLineAsync() => Done(WriteLine);

    public override Task WriteLineAsync(char value) => Done(() => WriteLine(value));

    public override Task WriteLineAsync(string? value) => Done(() => WriteLine(value));

    public override Task WriteLineAsync(char[] buffer, int index, int count) => Done(() => WriteLine(buffer, index, count));

    public override Task WriteLineAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) => Done(() => WriteLine(buffer.Span));

    public override Task FlushAsync() => Task.CompletedTask;

    public override string ToString() => _text.ToString();

    private void Append(ReadOnlySpan<char> text)
    {
        budget.Checkpoint();
        if (_text.Length + (long)text.Length > capacity) throw exceeded(budget.Limits);
        budget.Build(text.Length);
        _text.Append(text);
    }

    private static Task Done(Action write)
    {
        write();
        return Task.CompletedTask;
    }
}
