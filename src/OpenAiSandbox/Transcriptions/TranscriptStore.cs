using System.ComponentModel.DataAnnotations;
using MultichannelMessages.OpenAiSandbox.Requests;

namespace MultichannelMessages.OpenAiSandbox.Transcriptions;

/// <summary>Body of <c>POST /sandbox/transcripts</c>: the text to answer for one audio file (by its SHA-256) or for
/// every file a scope sends.</summary>
public sealed record TranscriptRequest : IValidatableObject
{
    /// <summary>Lower-case hex SHA-256 of the file's bytes.</summary>
    [RegularExpression("^[0-9a-fA-F]{64}$", ErrorMessage = "sha256 must be 64 hex digits.")]
    public string? Sha256 { get; init; }

    /// <summary>The API key, or a marker in the transcription prompt.</summary>
    public string? Scope { get; init; }

    [Required, MinLength(1)]
    public string? Text { get; init; }

    /// <summary>ISO-639-1; default: guessed from the text (en or es).</summary>
    [RegularExpression("^[a-z]{2}$")]
    public string? Language { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(Sha256) && string.IsNullOrEmpty(Scope))
            yield return new ValidationResult("sha256 or scope is required: a transcript for every request would hide the others.", ["sha256"]);
    }
}

public sealed record TranscriptView(string Id, string? Sha256, string? Scope, string Text, string? Language);

/// <summary>Scripted transcripts: one for a file's hash wins over one for a scope; the latest posted wins among equals.</summary>
public sealed class TranscriptStore
{
    private readonly Lock _lock = new();
    private readonly List<TranscriptView> _scripts = [];
    private int _nextId;

    public TranscriptView Add(TranscriptRequest request)
    {
        var script = new TranscriptView($"transcript-{Interlocked.Increment(ref _nextId)}", request.Sha256?.ToLowerInvariant(),
            request.Scope, request.Text!, request.Language);
        lock (_lock)
            _scripts.Add(script);
        return script;
    }

    public bool Remove(string id)
    {
        lock (_lock)
            return _scripts.RemoveAll(s => s.Id == id) > 0;
    }

    public TranscriptView? Find(string sha256, RequestScope scope)
    {
        lock (_lock)
            return _scripts.LastOrDefault(s => s.Sha256 == sha256 && scope.Matches(s.Scope))
                ?? _scripts.LastOrDefault(s => s.Sha256 is null && scope.Matches(s.Scope));
    }
}
