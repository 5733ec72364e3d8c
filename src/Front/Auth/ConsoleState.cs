using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Auth;

/// <summary>The circuit's profile (projects, role, modules, preferences), read once from the Core API. Small on
/// purpose: nothing else is kept per circuit beyond what the open page shows.</summary>
public sealed class ConsoleState(CoreApiClient api)
{
    private Task<Profile>? _profile;

    public Task<Profile> ProfileAsync() => _profile ??= api.ProfileAsync();

    /// <summary>Raised after <see cref="RefreshAsync"/>: the navigation shows the modules again.</summary>
    public event Func<Task>? Changed;

    /// <summary>Reads the profile again (a module was switched on or off) and tells who shows it.</summary>
    public async Task RefreshAsync()
    {
        _profile = api.ProfileAsync();
        await _profile;
        if (Changed is { } changed) await changed();
    }

    /// <summary>The conversation last opened in Chats (this circuit): internal chat offers to attach it as a card.</summary>
    public (long Id, string Title)? OpenConversation { get; set; }

    /// <summary>dark or light, as the page shows it. Charts draw with concrete colours (plotly cannot read CSS custom
    /// properties), so they redraw when it changes.</summary>
    public string Theme { get; private set; } = "dark";

    public event Func<Task>? ThemeChanged;

    public async Task SetThemeAsync(string theme)
    {
        if (theme == Theme) return;
        Theme = theme;
        if (ThemeChanged is { } changed) await changed();
    }

    public async Task<ProjectItem?> ProjectAsync(long projectId) =>
        (await ProfileAsync()).Projects.FirstOrDefault(p => p.Id == projectId);
}
