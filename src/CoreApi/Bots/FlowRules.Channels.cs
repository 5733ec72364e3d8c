using MultichannelMessages.Contracts.Bots;

namespace MultichannelMessages.CoreApi.Bots;

/// <summary>
/// What each channel can show of a choice node, checked for every channel the flow is published for. WhatsApp: reply
/// buttons (at most 3, titles ≤ 20) or a list message (rows ≤ 10, titles ≤ 24, descriptions ≤ 72, its button 1–20).
/// Messenger and Instagram have no list: buttons and lists are both sent as quick replies (at most 13, titles ≤ 20).
/// A numbered text menu has no limits.
/// </summary>
public static partial class FlowRules
{
    private static void ChannelLimits(FlowNode node, string style, string[] channels, Found found)
    {
        if (style == "text") return;
        var choices = node.Choices ?? [];
        foreach (var channel in channels)
        {
            if (channel == "whatsapp" && style == "buttons") WhatsAppButtons(node.Id, choices, found);
            else if (channel == "whatsapp") WhatsAppList(node, choices, found);
            else QuickReplies(node.Id, choices, found);
        }
    }

    private static void WhatsAppButtons(string? nodeId, FlowChoice?[] choices, Found found)
    {
        if (choices.Length > 3)
            found.Add(nodeId, "choices", "flow_whatsapp_buttons_limit", "WhatsApp shows at most 3 reply buttons: use a list (up to 10) or a text menu.");
        Titles(nodeId, choices, 20, "flow_whatsapp_button_title_too_long", "A WhatsApp reply button's title has at most 20 characters.", found);
    }

    private static void WhatsAppList(FlowNode node, FlowChoice?[] choices, Found found)
    {
        if (choices.Length > 10)
            found.Add(node.Id, "choices", "flow_whatsapp_list_limit", "A WhatsApp list has at most 10 rows: use a text menu for more.");
        Titles(node.Id, choices, 24, "flow_whatsapp_list_title_too_long", "A WhatsApp list row's title has at most 24 characters.", found);
        for (var i = 0; i < choices.Length; i++)
            if (choices[i]?.Description is { Length: > 72 })
                found.Add(node.Id, $"choices[{i}].description", "flow_whatsapp_list_description_too_long",
                    "A WhatsApp list row's description has at most 72 characters.");
        if (node.ListButton?.Trim() is not { Length: >= 1 and <= 20 })
            found.Add(node.Id, "listButton", "flow_whatsapp_list_button_invalid", "A WhatsApp list's button text has 1 to 20 characters.");
    }

    private static void QuickReplies(string? nodeId, FlowChoice?[] choices, Found found)
    {
        if (choices.Length > 13)
            found.Add(nodeId, "choices", "flow_quick_replies_limit", "Messenger and Instagram show at most 13 quick replies: use a text menu for more.");
        Titles(nodeId, choices, 20, "flow_quick_reply_title_too_long", "A Messenger or Instagram quick reply's title has at most 20 characters.", found);
    }

    private static void Titles(string? nodeId, FlowChoice?[] choices, int max, string code, string detail, Found found)
    {
        for (var i = 0; i < choices.Length; i++)
            if (choices[i]?.Title is { } title && title.Length > max) found.Add(nodeId, $"choices[{i}].title", code, detail);
    }
}
