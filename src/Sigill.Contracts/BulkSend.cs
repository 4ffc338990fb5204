namespace Sigill.Contracts;

/// <summary>A cell (or the row, when <see cref="Column"/> is null) that stops a bulk-send row; the message never repeats the cell's value.</summary>
public sealed record CellError(string? Column, string Message);

/// <summary>A column of a bulk-send file and what it feeds (<c>recipient 1 email</c>, <c>variable customer</c>, …).</summary>
public sealed record ColumnView(string Name, string Target);

/// <summary>A data row of the preview: its cells (in the sample only) and its problems.</summary>
public sealed record RowReport(int Row, string[]? Cells, CellError[] Errors);

/// <summary>What <c>POST /api/v1/bulk-sends/preview</c> answers: nothing of it is stored.</summary>
public sealed record PreviewView(ColumnView[] Columns, int Rows, int ValidRows, int InvalidRows, RowReport[] Sample, RowReport[] Errors);

public sealed record BulkSendView(string Id, string TemplateId, string Status, int TotalRows, int ValidRows, int Sent, int Skipped, int Pending,
    int ProgressPercent, DateTime CreatedAt, DateTime? FinishedAt);

/// <summary>What became of one row: <c>sent</c> with its document, or <c>skipped</c> with the reasons.</summary>
public sealed record RowView(int Row, string Status, string? DocumentId, string? Error);
