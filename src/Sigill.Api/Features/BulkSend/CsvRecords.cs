using System.Text;

namespace Sigill.Api.Features.BulkSend;

/// <summary>What a bulk-send file may be: every limit is checked while the file streams, before anything of it is kept.</summary>
public sealed record CsvLimits(int MaxColumns = 200, int MaxCellChars = 10_000, int MaxRecordChars = 1_000_000, int MaxRows = 50_000);

/// <summary>A file that is not a CSV Sigill reads: its code names the problem, its message the place (never a cell's value).</summary>
public class CsvRejectedException(string message) : Exception(message);

/// <summary>A bulk-send file read one record at a time: the header first, then each non-blank row, null at the end.</summary>
public interface IRecordReader : IDisposable
{
    ValueTask<string[]?> ReadAsync(CancellationToken ct);

    /// <summary>Where the last record started (a CSV line, a sheet row), for messages.</summary>
    int Line { get; }
}

/// <summary>
/// Reads RFC 4180 CSV from a stream, one record at a time, so memory stays flat in the number of rows: strict UTF-8
/// (any invalid byte refuses the file: UTF-16, Latin-1 and binary files never pass as text), a UTF-8 byte-order mark
/// dropped, records ending in CRLF or LF, fields optionally quoted with <c>""</c> for a quote inside. Strict where the RFC
/// is: text after a closing quote, a quote inside an unquoted field, an unclosed quote or a NUL refuse the file, naming
/// the line. Limits (<see cref="CsvLimits"/>): columns, characters per cell and per record, and data rows. Blank lines
/// are skipped. Cells are returned exactly as written: a leading <c>=</c>, <c>+</c>, <c>-</c> or <c>@</c> is text here
/// and everywhere Sigill uses it (it is never evaluated); exports neutralize it (<see cref="CsvWriter"/>).
/// </summary>
public sealed class CsvRecordReader : IRecordReader
{
    private readonly StreamReader _reader;
    private readonly CsvLimits _limits;
    private readonly char[] _buffer = new char[16 * 1024];
    private int _length;
    private int _position;
    private bool _started;
    private bool _eof;
    private int _rows;
    private bool _firstRead = true;

    public CsvRecordReader(Stream stream, CsvLimits limits)
    {
        _reader = new StreamReader(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false,
            bufferSize: 16 * 1024, leaveOpen: true);
        _limits = limits;
    }

    /// <summary>The physical line the last record started on (1-based), for messages.</summary>
    public int Line { get; private set; }

    private int _line = 1;

    /// <summary>The next non-blank record, or null at the end. The first call returns the header (not counted as a row).</summary>
    public async ValueTask<string[]?> ReadAsync(CancellationToken ct)
    {
        while (true)
        {
            var record = await ReadRecordAsync(ct);
            if (record is null) return null;
            if (record.Length == 1 && record[0].Length == 0) continue; // a blank line
            if (_started && ++_rows > _limits.MaxRows)
            {
                throw new CsvRejectedException($"The file has more than {_limits.MaxRows} rows; split it into several bulk sends.");
            }
            _started = true;
            return record;
        }
    }

    private async ValueTask<string[]?> ReadRecordAsync(CancellationToken ct)
    {
        if (!await EnsureAsync(ct)) return null;
        Line = _line;
        var fields = new List<string>();
        var cell = new StringBuilder();
        var recordChars = 0;
        while (true)
        {
            // One field.
            cell.Clear();
            if (!await EnsureAsync(ct))
            {
                fields.Add("");
                return Done(fields);
            }
            if (_buffer[_position] == '"')
            {
                _position++;
                while (true)
                {
                    if (!await EnsureAsync(ct)) throw new CsvRejectedException($"Line {Line}: a quoted cell is never closed.");
                    var c = _buffer[_position++];
                    if (c == '"')
                    {
                        if (await EnsureAsync(ct) && _buffer[_position] == '"')
                        {
                            _position++;
                            Append(cell, '"', ref recordChars);
                            continue;
                        }
                        break;
                    }
                    if (c == '\n') _line++;
                    Append(cell, c, ref recordChars);
                }
                if (!await EnsureAsync(ct))
                {
                    fields.Add(cell.ToString());
                    return Done(fields);
                }
                var after = _buffer[_position];
                if (after is not (',' or '\r' or '\n')) throw new CsvRejectedException($"Line {_line}: text after a closing quote (a quote inside a cell is written \"\").");
            }
            else
            {
                while (await EnsureAsync(ct) && _buffer[_position] is not (',' or '\r' or '\n'))
                {
                    var c = _buffer[_position++];
                    if (c == '"') throw new CsvRejectedException($"Line {_line}: a quote inside an unquoted cell (quote the cell and write the quote as \"\").");
                    Append(cell, c, ref recordChars);
                }
            }
            fields.Add(cell.ToString());
            if (fields.Count > _limits.MaxColumns) throw new CsvRejectedException($"Line {Line}: more than {_limits.MaxColumns} columns.");
            if (!await EnsureAsync(ct)) return Done(fields);
            var separator = _buffer[_position++];
            if (separator == ',') continue;
            if (separator == '\r' && await EnsureAsync(ct) && _buffer[_position] == '\n') _position++;
            _line++;
            return Done(fields);
        }
    }

    private static string[] Done(List<string> fields) => [.. fields];

    private void Append(StringBuilder cell, char c, ref int recordChars)
    {
        if (c == '\0') throw new CsvRejectedException($"Line {_line}: a NUL character (the file is not text).");
        if (cell.Length >= _limits.MaxCellChars) throw new CsvRejectedException($"Line {Line}: a cell longer than {_limits.MaxCellChars} characters.");
        if (++recordChars > _limits.MaxRecordChars) throw new CsvRejectedException($"Line {Line}: a row longer than {_limits.MaxRecordChars} characters.");
        cell.Append(c);
    }

    private async ValueTask<bool> EnsureAsync(CancellationToken ct)
    {
        if (_position < _length) return true;
        if (_eof) return false;
        try
        {
            _length = await _reader.ReadAsync(_buffer, ct);
        }
        catch (DecoderFallbackException)
        {
            throw new CsvRejectedException($"Near line {_line}: the file is not UTF-8 text (save it as \"CSV UTF-8\").");
        }
        _position = _firstRead && _length > 0 && _buffer[0] == '\uFEFF' ? 1 : 0; // the byte-order mark some spreadsheets write
        _firstRead = false;
        _eof = _length == 0;
        if (_position == _length && !_eof) return await EnsureAsync(ct);
        return !_eof;
    }

    public void Dispose() => _reader.Dispose();
}

/// <summary>
/// Writes CSV cells for Sigill's exports: quoted when needed, and a cell that a spreadsheet would read as a formula
/// (starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return) gets a leading apostrophe, so an
/// export never carries a formula (OWASP "CSV injection").
/// </summary>
public static class CsvWriter
{
    public static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public static string Line(IEnumerable<string> cells) => string.Join(',', cells.Select(Cell)) + "\r\n";
}
