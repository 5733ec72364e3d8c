using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Front.Localization;
using MultichannelMessages.Front.Realtime;

namespace MultichannelMessages.Front.Components.Work;

/// <summary>
/// A rail section that works one conversation: reads its part when the conversation changes and again when the feed
/// says that part changed (by kind), so two agents on one conversation see each other's work live. Refusals show in
/// the section, in the user's language.
/// </summary>
public abstract class WorkPanel : ComponentBase, IDisposable
{
    [Inject] protected CoreApiClient Api { get; set; } = null!;
    [Inject] protected LiveFeed Feed { get; set; } = null!;
    [Inject] protected IStringLocalizer<Text> L { get; set; } = null!;

    [Parameter, EditorRequired] public long ConversationId { get; set; }
    [Parameter, EditorRequired] public ProjectItem Project { get; set; } = null!;

    protected string? Error { get; private set; }
    private long _loadedFor;

    /// <summary>The change kinds that make this section read its part again.</summary>
    protected abstract IReadOnlySet<string> Kinds { get; }

    protected abstract Task LoadAsync();

    protected override void OnInitialized() => Feed.Changed += OnChangeAsync;

    protected override async Task OnParametersSetAsync()
    {
        if (_loadedFor == ConversationId) return;
        _loadedFor = ConversationId;
        await RunAsync(LoadAsync);
    }

    private Task OnChangeAsync(ChangeItem change) =>
        change.ConversationId == ConversationId && Kinds.Contains(change.Kind)
            ? InvokeAsync(async () =>
            {
                await RunAsync(LoadAsync);
                StateHasChanged();
            })
            : Task.CompletedTask;

    protected async Task RunAsync(Func<Task> action)
    {
        try
        {
            Error = null;
            await action();
        }
        catch (CoreApiException ex) { Error = ErrorText.For(L, ex); }
    }

    public void Dispose()
    {
        Feed.Changed -= OnChangeAsync;
        GC.SuppressFinalize(this);
    }
}
