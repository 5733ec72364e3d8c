using Bunit;
using Microsoft.AspNetCore.Components.Web;
using MultichannelMessages.Front.Components.Layout;

namespace MultichannelMessages.Front.Tests;

/// <summary>The console's tab lists (AI agent editor, flow editor, AI page): one tab in the Tab order, and the arrow keys
/// move to the next or previous tab, select it and focus it, wrapping at the ends.</summary>
public sealed class TabStripTests : ComponentTest
{
    private static readonly string[] Tabs = ["persona", "tools", "test"];

    private (IRenderedComponent<TabStrip> Cut, Func<string> Selected) Strip(string selected = "persona")
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        var current = selected;
        IRenderedComponent<TabStrip>? cut = null;
        cut = Render<TabStrip>(p => p
            .Add(a => a.Tabs, Tabs).Add(a => a.Selected, selected).Add(a => a.Label, "Agent").Add(a => a.Prefix, "agent-tab-")
            .Add(a => a.TextOf, t => t.ToUpperInvariant())
            .Add(a => a.SelectedChanged, t =>
            {
                current = t;
                cut!.Render(q => q.Add(a => a.Selected, t));
            }));
        return (cut, () => current);
    }

    private int Focused() => JSInterop.Invocations.Count(i => i.Identifier.Contains("focus", StringComparison.OrdinalIgnoreCase));

    private static string[] TabIndexes(IRenderedComponent<TabStrip> cut) =>
        [.. cut.FindAll("[role=tab]").Select(b => b.GetAttribute("tabindex")!)];

    [Fact]
    public void Only_the_selected_tab_is_in_the_tab_order_and_a_click_selects_another()
    {
        var (cut, selected) = Strip("tools");
        Assert.Equal(["-1", "0", "-1"], TabIndexes(cut));
        Assert.Equal("true", cut.Find("[data-testid=agent-tab-tools]").GetAttribute("aria-selected"));
        Assert.Equal("TOOLS", cut.Find("[data-testid=agent-tab-tools]").TextContent);
        Assert.Equal("Agent", cut.Find("[role=tablist]").GetAttribute("aria-label"));

        cut.Find("[data-testid=agent-tab-test]").Click();
        Assert.Equal("test", selected());
        Assert.Equal(["-1", "-1", "0"], TabIndexes(cut));
    }

    [Fact]
    public void The_arrow_keys_select_and_focus_the_next_or_previous_tab_wrapping_at_the_ends_and_other_keys_do_nothing()
    {
        var (cut, selected) = Strip();
        var list = cut.Find("[role=tablist]");

        // The control: a key that is not an arrow leaves the selection and the focus alone.
        list.KeyDown(new KeyboardEventArgs { Key = "Enter" });
        Assert.Equal("persona", selected());
        Assert.Equal(0, Focused());

        cut.Find("[role=tablist]").KeyDown(new KeyboardEventArgs { Key = "ArrowRight" });
        Assert.Equal("tools", selected());
        Assert.Equal(["-1", "0", "-1"], TabIndexes(cut));
        Assert.Equal(1, Focused());

        cut.Find("[role=tablist]").KeyDown(new KeyboardEventArgs { Key = "ArrowLeft" });
        cut.Find("[role=tablist]").KeyDown(new KeyboardEventArgs { Key = "ArrowLeft" });
        Assert.Equal("test", selected()); // from the first tab, left wraps to the last
        cut.Find("[role=tablist]").KeyDown(new KeyboardEventArgs { Key = "ArrowRight" });
        Assert.Equal("persona", selected()); // and right from the last to the first
        Assert.Equal(4, Focused());
    }
}
