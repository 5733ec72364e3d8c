using System.Text;
using System.Text.Json;
using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.Platform.Meta;

namespace MultichannelMessages.Platform.Bots;

/// <summary>One outbound message as chat.queue_outbound takes it: its type, body and payload (chat.messages.payload,
/// which the Worker's GraphRequests turns into Meta's request).</summary>
public sealed record FlowOutbound(string Type, string? Body, string? Payload);

/// <summary>
/// A flow's message in each channel's shape. Choices: WhatsApp reply buttons (style buttons) or a list message (list);
/// Messenger and Instagram quick replies (both styles); style text, a numbered menu on every channel. Media: WhatsApp
/// by link with the text as its caption where the type has one; Messenger/Instagram an attachment, then the text.
/// The publishing checks (FlowRules) keep choices within each channel's limits; the lengths are cut here anyway, so a
/// send never fails on them.
/// </summary>
public static class FlowMessages
{
    public static IReadOnlyList<FlowOutbound> Build(string channel, FlowSend send)
    {
        var result = new List<FlowOutbound>();
        var text = send.Text;
        if (send.Media is { } media)
        {
            var captioned = channel == Channels.WhatsApp && media.Kind is "image" or "video" or "document" && send.Choices is null;
            var type = channel == Channels.WhatsApp ? media.Kind : media.Kind is "document" ? "file" : media.Kind;
            object payload = media.FileName is { } name && media.Kind == "document"
                ? new { link = media.Url, filename = name }
                : new { link = media.Url };
            result.Add(new FlowOutbound(type, captioned ? text : null, JsonSerializer.Serialize(payload)));
            if (captioned) text = null;
        }
        if (send.Choices is { Length: > 0 } choices)
        {
            var style = send.Style ?? "buttons";
            var prompt = string.IsNullOrWhiteSpace(text) ? "…" : text;
            if (style == "text")
                result.Add(new FlowOutbound("text", Numbered(prompt, choices), null));
            else if (channel == Channels.WhatsApp)
                result.Add(new FlowOutbound("interactive", prompt, JsonSerializer.Serialize(new { interactive = style == "list"
                    ? (object)new
                    {
                        type = "list",
                        body = new { text = Cut(prompt, 1024) },
                        action = new
                        {
                            button = Cut(send.ListButton ?? "Options", 20),
                            sections = new[]
                            {
                                new { rows = choices.Take(10).Select(c => new { id = c.Id, title = Cut(c.Title, 24), description = Cut(c.Description, 72) }).ToArray() },
                            },
                        },
                    }
                    : new
                    {
                        type = "button",
                        body = new { text = Cut(prompt, 1024) },
                        action = new { buttons = choices.Take(3).Select(c => new { type = "reply", reply = new { id = c.Id, title = Cut(c.Title, 20) } }).ToArray() },
                    } }, JsonOptions)));
            else
                result.Add(new FlowOutbound("text", prompt, JsonSerializer.Serialize(new
                {
                    message = new
                    {
                        text = Cut(prompt, 2000),
                        quick_replies = choices.Take(13).Select(c => new { content_type = "text", title = Cut(c.Title, 20), payload = c.Id }).ToArray(),
                    },
                })));
        }
        else if (!string.IsNullOrWhiteSpace(text))
            result.Add(new FlowOutbound("text", text, null));
        return result;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private static string Numbered(string prompt, FlowChoice[] choices)
    {
        var b = new StringBuilder(prompt);
        for (var i = 0; i < choices.Length; i++) b.Append('\n').Append(i + 1).Append(". ").Append(choices[i].Title);
        return b.ToString();
    }

    private static string? Cut(string? s, int max) => s is null ? null : s.Length <= max ? s : s[..max];
}
