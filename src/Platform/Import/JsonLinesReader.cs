namespace MultichannelMessages.Platform.Import;

/// <summary>
/// Reads a file line by line as raw UTF-8 bytes, knowing each line's byte offset, so an import can record where it
/// stopped and resume there with a seek. Never holds more than one buffer (it grows only for a line longer than it).
/// </summary>
public sealed class JsonLinesReader(Stream stream, long startOffset, long startLine) : IDisposable
{
    private byte[] _buffer = new byte[1 << 20];
    private int _start, _end;
    private bool _eof;

    /// <summary>Byte offset just past the last line returned.</summary>
    public long Offset { get; private set; } = startOffset;

    /// <summary>Number of the last line returned (1-based); startLine lines were before the start offset.</summary>
    public long LineNumber { get; private set; } = startLine;

    public static JsonLinesReader Open(string path, long offset, long line)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        stream.Seek(offset, SeekOrigin.Begin);
        return new JsonLinesReader(stream, offset, line);
    }

    /// <summary>The next line without its end of line (\n or \r\n), or false at the end of the file.</summary>
    public bool TryReadLine(out ReadOnlyMemory<byte> line)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                line = Trim(_start, newline);
                Offset += newline + 1 - _start;
                _start = newline + 1;
                LineNumber++;
                return true;
            }
            if (_eof)
            {
                if (_start == _end) { line = default; return false; }
                line = Trim(_start, _end);
                Offset += _end - _start;
                _start = _end;
                LineNumber++;
                return true;
            }
            Fill();
        }
    }

    private ReadOnlyMemory<byte> Trim(int from, int to)
    {
        if (to > from && _buffer[to - 1] == '\r') to--;
        return new ReadOnlyMemory<byte>(_buffer, from, to - from);
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        _end += read;
    }

    public void Dispose() => stream.Dispose();
}
