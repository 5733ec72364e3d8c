using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace MultichannelMessages.Front.CoreApi;

/// <summary>Imports from the console (Contracts/Import.cs; docs/import.md "From the console").</summary>
public sealed partial class CoreApiClient
{
    public Task<ImportsView> ImportsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<ImportsView>($"projects/{projectId}/imports", ct);

    /// <summary>The export, streamed to the Core API as the browser sends it (the whole file never sits in the
    /// console's memory); the source's settings ride in the query.</summary>
    public async Task<ImportJobItem> UploadImportAsync(long projectId, Stream file, ImportUpload upload, CancellationToken ct = default)
    {
        var query = string.Join('&', new (string, string?)[]
            {
                ("source", upload.Source), ("system", upload.System), ("fileName", upload.FileName),
                ("accountId", upload.AccountId?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("customerPhone", upload.CustomerPhone),
                ("businessNames", upload.BusinessNames), ("timeZone", upload.TimeZone), ("dateOrder", upload.DateOrder),
            }
            .Where(p => !string.IsNullOrWhiteSpace(p.Item2)).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!.Trim())}"));
        var content = new StreamContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await RequestAsync(HttpMethod.Post, $"projects/{projectId}/imports?{query}", content, ct);
        return (await response.Content.ReadFromJsonAsync<ImportJobItem>(ct))!;
    }

    public Task<ImportJobItem> CancelImportAsync(long projectId, long jobId, CancellationToken ct = default) =>
        SendAsync<ImportJobItem>(HttpMethod.Post, $"projects/{projectId}/imports/{jobId}/cancel", null, ct);

    public Task<ImportReportView> ImportReportAsync(long projectId, long runId, CancellationToken ct = default) =>
        GetAsync<ImportReportView>($"projects/{projectId}/imports/runs/{runId}", ct);
}

/// <summary>What the import form sends with the file.</summary>
public sealed record ImportUpload(string Source, string? System, string FileName, long? AccountId = null, string? CustomerPhone = null,
    string? BusinessNames = null, string? TimeZone = null, string? DateOrder = null);
