using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MultichannelMessages.Front.Components.MassSends;

/// <summary>What the wizard edits, turned into the Core API's <see cref="CampaignRequest"/>. Times are entered in the
/// project's time zone (from the messaging settings; the browser's when they cannot be read).</summary>
public sealed class CampaignDraft
{
    public string Name { get; set; } = "";
    public long? AccountId { get; set; }
    public long? TemplateId { get; set; }
    /// <summary>Variable key → "column:&lt;header&gt;", "contact.name", "contact.first_name", "contact.phone",
    /// "attribute:&lt;key&gt;" or "value:&lt;text&gt;"; empty reads the column named like the key.</summary>
    public Dictionary<string, string> Mapping { get; } = [];
    public decimal RatePerSecond { get; set; } = 10;
    public int? DailyCap { get; set; }
    public string Policy { get; set; } = "reschedule";
    public DateTime? ScheduledLocal { get; set; }
    public TimeOnly? WindowStart { get; set; }
    public TimeOnly? WindowEnd { get; set; }

    public CampaignRequest ToRequest(TimeZoneInfo zone) => new(Name, AccountId, TemplateId, Variables(), RatePerSecond, DailyCap, Policy,
        ScheduledLocal is { } local ? new DateTimeOffset(local, zone.GetUtcOffset(local)) : null,
        WindowStart is { } start && WindowEnd is not null ? start.ToString("HH:mm", CultureInfo.InvariantCulture) : null,
        WindowEnd is { } end && WindowStart is not null ? end.ToString("HH:mm", CultureInfo.InvariantCulture) : null);

    public Dictionary<string, CampaignVariable> Variables()
    {
        var variables = new Dictionary<string, CampaignVariable>();
        foreach (var (key, source) in Mapping)
        {
            if (string.IsNullOrEmpty(source)) continue;
            variables[key] = source switch
            {
                _ when source.StartsWith("column:", StringComparison.Ordinal) => new CampaignVariable(source[7..], null, null),
                _ when source.StartsWith("value:", StringComparison.Ordinal) => new CampaignVariable(null, null, source[6..]),
                _ => new CampaignVariable(null, source, null),
            };
        }
        return variables;
    }

    /// <summary>An existing campaign, to carry on with it (a draft sent back by a reviewer).</summary>
    public static CampaignDraft From(CampaignItem c, TimeZoneInfo zone)
    {
        var draft = new CampaignDraft
        {
            Name = c.Name, AccountId = c.AccountId, TemplateId = c.TemplateId, RatePerSecond = c.RatePerSecond, DailyCap = c.DailyCap,
            Policy = c.MarketingLimitPolicy,
            WindowStart = TimeOnly.TryParse(c.WindowStart, CultureInfo.InvariantCulture, out var s) ? s : null,
            WindowEnd = TimeOnly.TryParse(c.WindowEnd, CultureInfo.InvariantCulture, out var e) ? e : null,
            ScheduledLocal = c.ScheduledAt is { } at ? TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(at, DateTimeKind.Utc), zone) : null,
        };
        using var json = JsonDocument.Parse(string.IsNullOrEmpty(c.Variables) ? "{}" : c.Variables);
        foreach (var v in json.RootElement.EnumerateObject())
        {
            if (v.Value.TryGetProperty("column", out var col)) draft.Mapping[v.Name] = "column:" + col.GetString();
            else if (v.Value.TryGetProperty("value", out var val)) draft.Mapping[v.Name] = "value:" + val.GetString();
            else if (v.Value.TryGetProperty("source", out var src)) draft.Mapping[v.Name] = src.GetString() ?? "";
        }
        return draft;
    }
}

/// <summary>The audience file's header line, read as the file streams to the Core API (nothing else is kept): the
/// variables step offers its columns.</summary>
public sealed class HeaderCapture(Stream inner) : Stream
{
    private const int MaxHeaderBytes = 64 * 1024;
    private readonly MemoryStream _header = new();
    private bool _done;

    /// <summary>The columns of the first line, the separator detected as the Core API does (comma, semicolon, tab or
    /// pipe), quotes and {{ }} removed.</summary>
    public string[] Columns() => Parse(Encoding.UTF8.GetString(_header.ToArray()));

    public static string[] Parse(string line)
    {
        line = line.TrimStart('\uFEFF').TrimEnd('\r', '\n');
        var separator = new[] { ',', ';', '\t', '|' }.MaxBy(c => line.Count(x => x == c));
        return line.Split(separator).Select(h => h.Trim().Trim('"').Trim().Trim('{', '}').Trim()).Where(h => h.Length > 0).ToArray();
    }

    private void Capture(ReadOnlySpan<byte> read)
    {
        if (_done) return;
        var end = read.IndexOf((byte)'\n');
        var take = end >= 0 ? end : read.Length;
        take = Math.Min(take, MaxHeaderBytes - (int)_header.Length);
        _header.Write(read[..take]);
        _done = end >= 0 || _header.Length >= MaxHeaderBytes;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        Capture(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        Capture(buffer.AsSpan(offset, n));
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
