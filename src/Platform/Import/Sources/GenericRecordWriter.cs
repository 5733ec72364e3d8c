using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MultichannelMessages.Platform.Import.Sources;

/// <summary>Writes generic-format records (docs/import.md), one JSON object a line, for the sources read directly. Text
/// is written as it is (no \u escapes for accents), so the converted file reads like the source.</summary>
public sealed class GenericRecordWriter(Stream output) : IAsyncDisposable
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly BufferedStream _output = new(output, 1 << 16);

    /// <summary>One record: <c>type</c>, <c>v</c> and <c>id</c>, then what <paramref name="fields"/> writes.</summary>
    public async Task WriteAsync(string type, string id, Action<Utf8JsonWriter> fields, CancellationToken ct)
    {
        _buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("type", type);
            json.WriteNumber("v", GenericRecordParser.Version);
            json.WriteString("id", id);
            fields(json);
            json.WriteEndObject();
        }
        _buffer.Write("\n"u8);
        await _output.WriteAsync(_buffer.WrittenMemory, ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _output.FlushAsync();
        await _output.DisposeAsync();
    }
}
