using System.Collections.Concurrent;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Messages;

namespace MultichannelMessages.MetaSandbox.Templates;

/// <summary>Body of <c>POST /sandbox/templates/{id}/pacing</c>: hold sends, or stop holding them with an outcome,
/// release (the default) or pause.</summary>
public sealed record PacingRequest(bool? Hold, string? Outcome);

public sealed record PacingView(string TemplateId, bool Hold, int Held, string Status, string QualityScore);

/// <summary>
/// Meta's template pacing: while a template is under quality assessment its sends are accepted with
/// message_status held_for_quality_assessment and wait here, without statuses, until Meta releases them (normal
/// statuses) or pauses the template (each held message fails with 132015).
/// </summary>
public sealed class TemplatePacing
{
    private readonly ConcurrentDictionary<string, List<(SandboxAccount Account, SentRecord Message)>> _held = new(StringComparer.Ordinal);

    public void Start(SandboxTemplate template)
    {
        lock (Held(template.Id))
            template.PacingHold = true;
    }

    /// <summary>Holds the send when the template is held; false when it is not (any more), so a send racing a
    /// release goes out normally rather than waiting forever.</summary>
    public bool TryHold(SandboxTemplate template, SandboxAccount account, SentRecord message)
    {
        var held = Held(template.Id);
        lock (held)
        {
            if (!template.PacingHold)
                return false;
            message.Status = "held_for_quality_assessment";
            held.Add((account, message));
            return true;
        }
    }

    /// <summary>Stops holding and hands back what was held, oldest first.</summary>
    public IReadOnlyList<(SandboxAccount Account, SentRecord Message)> Stop(SandboxTemplate template)
    {
        var held = Held(template.Id);
        lock (held)
        {
            template.PacingHold = false;
            var taken = held.ToList();
            held.Clear();
            return taken;
        }
    }

    public int Count(string templateId)
    {
        var held = Held(templateId);
        lock (held)
            return held.Count;
    }

    private List<(SandboxAccount, SentRecord)> Held(string templateId) => _held.GetOrAdd(templateId, _ => []);
}
