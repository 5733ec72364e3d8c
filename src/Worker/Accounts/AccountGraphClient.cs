using System.Text.Json;
using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Accounts;

/// <summary>What Meta says of a number, page or Instagram account: the details the console shows.</summary>
public sealed record AccountDetails(string? DisplayPhoneNumber, string? VerifiedName, string? QualityRating, string? MessagingLimit,
    string? ThroughputLevel, string? Name);

/// <summary>
/// The Graph calls of account validation, through the one <see cref="GraphTransport"/>: the phone number's fields and
/// its WABA's numbers (WhatsApp), a page's or Instagram account's name, and the app's subscription to the WABA's or
/// page's webhooks (<c>POST /{id}/subscribed_apps</c>), undone on disconnect.
/// </summary>
public sealed class AccountGraphClient(GraphTransport transport)
{
    private readonly string _version = transport.ApiVersion;

    public async Task<(JsonElement? Body, MetaError? Error)> GetAsync(string path, string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_version}/{path}");
        return Read(await transport.SendAsync(request, token, ct));
    }

    public async Task<MetaError?> SubscribeAsync(string objectId, string? fields, string token, CancellationToken ct)
    {
        var query = fields is null ? "" : "?subscribed_fields=" + Uri.EscapeDataString(fields);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_version}/{Uri.EscapeDataString(objectId)}/subscribed_apps{query}");
        return Read(await transport.SendAsync(request, token, ct)).Error;
    }

    /// <summary><c>DELETE /{id}/subscribed_apps</c>: the app stops receiving the WABA's or page's webhooks.</summary>
    public async Task<MetaError?> UnsubscribeAsync(string objectId, string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{_version}/{Uri.EscapeDataString(objectId)}/subscribed_apps");
        return Read(await transport.SendAsync(request, token, ct)).Error;
    }

    private static (JsonElement? Body, MetaError? Error) Read(GraphAnswer answer)
    {
        if (!answer.IsSuccess) return (null, answer.Error);
        try
        {
            using var document = JsonDocument.Parse(answer.Body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && !document.RootElement.TryGetProperty("error", out _))
                return (document.RootElement.Clone(), null);
        }
        catch (JsonException) { }
        return (null, answer.Error);
    }

    public static string? Text(JsonElement node, string name) =>
        node.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;
}
