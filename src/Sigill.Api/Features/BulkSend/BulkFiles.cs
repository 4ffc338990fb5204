using System.IO.Pipelines;
using System.Text;

namespace Sigill.Api.Features.BulkSend;

/// <summary>The kinds of file a bulk send takes.</summary>
public enum BulkFileFormat
{
    Csv,
    Xlsx,
}

/// <summary>
/// Which reader a bulk-send file gets, told from its first bytes rather than its name or media type: <c>PK\x03\x04</c> (a
/// ZIP) is an .xlsx; <c>D0 CF 11 E0</c> (an OLE compound file) is an encrypted workbook or an old .xls, both refused;
/// anything else is read as CSV. And the CSV an .xlsx is kept as, so the job reads one format.
/// </summary>
public static class BulkFiles
{
    private static readonly byte[] Zip = [0x50, 0x4B, 0x03, 0x04], Ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

    /// <summary>The file's format from its first bytes (the stream is rewound); an OLE file is refused here.</summary>
    public static BulkFileFormat Sniff(Stream seekable)
    {
        Span<byte> head = stackalloc byte[8];
        seekable.Position = 0;
        var n = seekable.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        seekable.Position = 0;
        if (n >= 4 && head[..4].SequenceEqual(Zip)) return BulkFileFormat.Xlsx;
        if (n == 8 && head.SequenceEqual(Ole))
        {
            throw new SpreadsheetRejectedException(IsEncryptedPackage(seekable)
                ? "The file is a password-protected workbook: encrypted workbooks cannot be read; save it without a password (or as CSV UTF-8)."
                : "The file is an old Excel workbook (.xls) or another Office binary file: save it as .xlsx or as CSV UTF-8.");
        }
        return BulkFileFormat.Csv;
    }

    /// <summary>A reader for the file's format (a seekable stream: an .xlsx is read from its end).</summary>
    public static IRecordReader OpenReader(Stream seekable, CsvLimits limits, XlsxLimits xlsx) =>
        Sniff(seekable) == BulkFileFormat.Xlsx ? new XlsxRecordReader(seekable, limits, xlsx) : new CsvRecordReader(seekable, limits);

    /// <summary>
    /// Writes the records as RFC 4180 CSV in UTF-8 without a byte-order mark, quoting a cell only when it must, so
    /// <see cref="CsvRecordReader"/> reads back exactly these records. Not an export: a cell starting with <c>=</c> stays
    /// as it is (Sigill treats it as text; <see cref="CsvWriter"/> is for files people open in a spreadsheet).
    /// </summary>
    public static async Task WriteCsvAsync(IRecordReader reader, Stream destination, CancellationToken ct)
    {
        await using var writer = new StreamWriter(destination, new UTF8Encoding(false), 16 * 1024, leaveOpen: true);
        var line = new StringBuilder();
        while (await reader.ReadAsync(ct) is { } record)
        {
            line.Clear();
            for (var i = 0; i < record.Length; i++)
            {
                if (i > 0) line.Append(',');
                var cell = record[i];
                // A quote, separator or line break needs quoting; so does a leading U+FEFF (a reader drops it as a BOM).
                if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0 || cell.StartsWith('\uFEFF')) line.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
                else line.Append(cell);
            }
            line.Append("\r\n");
            await writer.WriteAsync(line, ct);
        }
        await writer.FlushAsync(ct);
    }

    /// <summary>
    /// The CSV of an .xlsx, streamed: a producer converts into a pipe while <paramref name="consume"/> reads its other end
    /// (the file is never whole in memory). A failure on either side ends both.
    /// </summary>
    public static async Task ConvertToCsvAsync(Stream seekable, CsvLimits limits, XlsxLimits xlsx, Func<Stream, Task> consume, CancellationToken ct)
    {
        var pipe = new Pipe();
        var producer = Task.Run(async () =>
        {
            try
            {
                using var reader = new XlsxRecordReader(seekable, limits, xlsx);
                await using var output = pipe.Writer.AsStream(leaveOpen: true);
                await WriteCsvAsync(reader, output, ct);
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception e)
            {
                await pipe.Writer.CompleteAsync(e);
            }
        }, CancellationToken.None);
        try
        {
            await using var input = pipe.Reader.AsStream(leaveOpen: true);
            await consume(input);
        }
        finally
        {
            await pipe.Reader.CompleteAsync();
            await producer;
        }
    }

    /// <summary>An encrypted OOXML package is an OLE file holding an "EncryptedPackage" stream, its name in UTF-16 in the directory.</summary>
    private static bool IsEncryptedPackage(Stream seekable)
    {
        var name = Encoding.Unicode.GetBytes("EncryptedPackage");
        var buffer = new byte[64 * 1024 + name.Length];
        var carried = 0;
        try
        {
            while (true)
            {
                var n = seekable.Read(buffer, carried, buffer.Length - carried);
                if (n == 0) return false;
                var length = carried + n;
                if (buffer.AsSpan(0, length).IndexOf(name) >= 0) return true;
                carried = Math.Min(name.Length - 1, length);
                buffer.AsSpan(length - carried, carried).CopyTo(buffer);
            }
        }
        finally
        {
            seekable.Position = 0;
        }
    }
}
