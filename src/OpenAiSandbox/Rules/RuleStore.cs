using Microsoft.Extensions.Options;
using MultichannelMessages.OpenAiSandbox.Chat;
using MultichannelMessages.OpenAiSandbox.Requests;

namespace MultichannelMessages.OpenAiSandbox.Rules;

/// <summary>The posted rules, in the order they were posted, then the rules file's, in file order: the first that
/// matches answers. A counted rule is spent by the requests it answers, so a test scripts a conversation by posting
/// its steps in order.</summary>
public sealed class RuleStore
{
    private readonly Lock _lock = new();
    private readonly List<Rule> _posted = [];
    private readonly List<Rule> _file;
    private readonly ILogger<RuleStore> _logger;
    private int _nextId;

    public RuleStore(IOptions<SandboxOptions> options, ILogger<RuleStore> logger)
    {
        _logger = logger;
        var path = options.Value.RulesFile;
        _file = string.IsNullOrEmpty(path) ? [] : [.. RuleFile.Load(path).Select((r, i) => new Rule(r.Id ?? $"file-{i + 1}", r, "file"))];
        SandboxLog.RulesLoaded(logger, _file.Count, path ?? "");
    }

    public RuleView Add(RuleDefinition definition)
    {
        var id = definition.Id ?? $"rule-{Interlocked.Increment(ref _nextId)}";
        var rule = new Rule(id, definition, "api");
        lock (_lock)
        {
            _posted.RemoveAll(r => r.Id == id);
            _posted.Add(rule);
        }
        SandboxLog.RuleAdded(_logger, id, definition.Scope ?? "");
        return rule.View();
    }

    public bool Remove(string id)
    {
        lock (_lock)
            return _posted.RemoveAll(r => r.Id == id) > 0;
    }

    public int Clear(string? scope)
    {
        lock (_lock)
            return _posted.RemoveAll(r => scope is null || r.Definition.Scope == scope);
    }

    public IReadOnlyList<RuleView> List()
    {
        lock (_lock)
            return [.. _posted.Concat(_file).Select(r => r.View())];
    }

    /// <summary>The rule that answers this request, with its regex captures, using up one of its count.</summary>
    public (Rule Rule, IReadOnlyDictionary<string, string> Captures)? Take(ChatRequest request, RequestScope scope)
    {
        lock (_lock)
        {
            foreach (var rule in _posted.Concat(_file))
            {
                if (rule.Remaining == 0 || rule.Match(request, scope) is not { } captures)
                    continue;
                if (rule.Remaining is not null && --rule.Remaining == 0)
                    _posted.Remove(rule);
                return (rule, captures);
            }
        }
        return null;
    }
}
