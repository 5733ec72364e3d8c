using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace MultichannelMessages.MetaSandbox.Templates;

/// <summary>A message template as the Graph API lists it. Status changes once, when the review is due.</summary>
public sealed class SandboxTemplate
{
    public required string Id { get; init; }
    public required string WabaId { get; init; }
    public required string Name { get; init; }
    public required string Language { get; init; }
    public required string Category { get; init; }
    public string? ParameterFormat { get; init; }
    public required JsonNode Components { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public string Status { get; set; } = "PENDING";
    public string? RejectedReason { get; set; }
    /// <summary>GREEN, YELLOW, RED or UNKNOWN (Meta's rating of a new template, until customers react to it).</summary>
    public string QualityScore { get; set; } = "UNKNOWN";
    /// <summary>Meta's pacing holds this template's sends (held_for_quality_assessment) until released or paused.</summary>
    public bool PacingHold { get; set; }
}

public sealed class TemplateStore
{
    private readonly ConcurrentDictionary<string, SandboxTemplate> _templates = new(StringComparer.Ordinal);

    /// <summary>False when the WABA already has this name in this language (Meta's 2388024).</summary>
    public bool TryAdd(SandboxTemplate template)
    {
        lock (_templates)
        {
            if (Find(template.WabaId, template.Name, template.Language) is not null)
                return false;
            _templates[template.Id] = template;
            return true;
        }
    }

    public SandboxTemplate? Find(string id) => _templates.GetValueOrDefault(id);

    public SandboxTemplate? Find(string wabaId, string name, string language) =>
        _templates.Values.FirstOrDefault(t => t.WabaId == wabaId && t.Name == name && t.Language == language);

    /// <summary>Newest first, as Meta lists them.</summary>
    public IReadOnlyList<SandboxTemplate> ForWaba(string wabaId) =>
        [.. _templates.Values.Where(t => t.WabaId == wabaId).OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id)];

    public IReadOnlyList<SandboxTemplate> All() => [.. _templates.Values.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id)];

    public int Remove(string wabaId, string name)
    {
        var removed = 0;
        foreach (var template in ForWaba(wabaId).Where(t => t.Name == name))
            removed += _templates.TryRemove(template.Id, out _) ? 1 : 0;
        return removed;
    }
}
