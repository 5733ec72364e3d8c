using System.Text.Json;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Front.Auth;
using MultichannelMessages.Front.Components.Dashboards;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Front.Realtime;

namespace MultichannelMessages.Front.Tests;

/// <summary>A clock the test moves; the page's timer never fires by itself (the test calls the tick).</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Never();

    private sealed class Never : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;
        public void Dispose() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>The Dashboard module's page over a Core API answered by the test.</summary>
public abstract class DashboardPageTest(string culture) : ComponentTest(culture)
{
    protected const string Prefix = "/projects/3/dashboards";
    protected static readonly DateTimeOffset Now = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);
    protected static readonly TileDefinition[] Catalog =
        [DashboardTests.Conversations, DashboardTests.ByHour, DashboardTests.Backlog, DashboardTests.FirstResponse, DashboardTests.Funnel, DashboardTests.Channels];
    protected static readonly LayoutTile[] Builtin =
        [new(TileKeys.Conversations), new(TileKeys.FirstResponse, "s"), new(TileKeys.Funnel), new(TileKeys.Channels)];

    protected FakeCoreApi Api = null!;
    protected LiveFeed Feed = null!;
    protected ManualClock Clock = null!;
    protected NavigationManager Navigation = null!;

    protected static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    protected static ProjectItem Project(params string[] permissions) =>
        new(3, "Demo", "supervisor", ["conversations.read_all_queues", .. permissions], [new ModuleItem("dashboard", true)]);

    private static string KeyOf(string path)
    {
        var key = path[(path.IndexOf("/tiles/", StringComparison.Ordinal) + 7)..];
        return key.Contains('?') ? key[..key.IndexOf('?')] : key;
    }

    protected IRenderedComponent<DashboardPage> Open(ProjectItem? project = null, string address = "/p/3/m/dashboard", LayoutTile[]? layout = null)
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Api = new FakeCoreApi()
            .On(Prefix + "/catalog", Json(Catalog))
            .When(r => r.StartsWith("GET " + Prefix + "/layout", StringComparison.Ordinal), (_, _) => Json(new DashboardLayout(layout ?? Builtin, "builtin")))
            .When(r => r.StartsWith("GET " + Prefix + "/tiles/", StringComparison.Ordinal), (path, _) => Json(DashboardTests.Answer(KeyOf(path))))
            .When(r => r.StartsWith("PUT " + Prefix + "/layout", StringComparison.Ordinal),
                (_, body) => Json(JsonSerializer.Deserialize<DashboardLayout>(body, JsonSerializerOptions.Web)! with { Source = "own", UpdatedAt = Now.UtcDateTime }))
            .When(r => r.StartsWith("PUT " + Prefix + "/queues/", StringComparison.Ordinal),
                (_, body) => Json(JsonSerializer.Deserialize<DashboardLayout>(body, JsonSerializerOptions.Web)!))
            .On("DELETE " + Prefix + "/layout", "")
            .On("/projects/3/queues", Json(new[] { new QueueItem(4, "Billing"), new QueueItem(5, "Sales") }));
        Api.Register(Services);
        Feed = DetachedFeed.Register(Services);
        Services.AddScoped<ConsoleState>();
        Clock = new ManualClock(Now);
        Services.AddSingleton<TimeProvider>(Clock);
        Services.AddOptions();
        Navigation = Services.GetRequiredService<NavigationManager>();
        Navigation.NavigateTo(address);
        var cut = Render<DashboardPage>(p => p.Add(d => d.ProjectId, 3).Add(d => d.Project, project ?? Project()));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=dash-tile]")));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=dash-tile][data-loaded=false]")));
        return cut;
    }

    protected string[] TileReads(string? containing = null)
    {
        lock (Api.Requests)
            return [.. Api.Requests.Where(r => r.StartsWith("GET " + Prefix + "/tiles/", StringComparison.Ordinal) && (containing is null || r.Contains(containing)))];
    }

    protected DashboardLayout LastSaved()
    {
        lock (Api.Requests)
        {
            var at = Api.Requests.FindLastIndex(r => r == "PUT " + Prefix + "/layout");
            return JsonSerializer.Deserialize<DashboardLayout>(Api.Bodies[at], JsonSerializerOptions.Web)!;
        }
    }

    protected static string[] Keys(IRenderedComponent<DashboardPage> cut) =>
        [.. cut.FindAll("[data-testid=dash-tile]").Select(t => t.GetAttribute("data-key")!)];

    protected static AngleSharp.Dom.IElement Tile(IRenderedComponent<DashboardPage> cut, string key) =>
        cut.Find($"[data-testid=dash-tile][data-key={key}]");
}

public sealed class DashboardPageTests() : DashboardPageTest("en")
{
    [Fact]
    public void The_dashboard_shows_the_layouts_tiles_grouped_Data_Information_Knowledge_then_Wisdom()
    {
        var cut = Open();
        Assert.Equal(["data", "information", "knowledge", "wisdom"], cut.FindAll("[data-testid=dash-group]").Select(g => g.GetAttribute("data-group")!).ToArray());
        Assert.Equal([TileKeys.Conversations, TileKeys.FirstResponse, TileKeys.Funnel, TileKeys.Channels], Keys(cut));
        Assert.Equal("Built-in layout", cut.Find("[data-testid=dash-layout-source]").TextContent);
        Assert.Single(cut.FindAll("[data-testid=dash-insights]"));

        // The last 7 days in the project's time zone, with the previous period for the trends.
        Assert.Contains($"GET {Prefix}/tiles/conversations?from=2026-11-28&to=2026-12-04&compare=true", TileReads());
        Assert.Equal("11/28/2026 to 12/4/2026", cut.Find("[data-testid=dash-days]").TextContent);

        var response = Tile(cut, TileKeys.FirstResponse);
        Assert.Equal("figure", response.GetAttribute("data-chart"));
        Assert.Equal("First response time", response.QuerySelector("h3")!.TextContent);
        Assert.Equal("1 min 35 s", response.QuerySelector("[data-testid=figure-value]")!.TextContent);
        Assert.Equal("▼ down 20.8% from the previous period", response.QuerySelector("[data-testid=figure-trend]")!.TextContent.Trim());

        // A chart's table view: the funnel's stages with their conversion.
        Tile(cut, TileKeys.Funnel).QuerySelector("[data-testid=chart-table-toggle]")!.Click();
        var rows = Tile(cut, TileKeys.Funnel).QuerySelectorAll("[data-testid=chart-table] tbody tr");
        Assert.Equal(["Replied", "120", "60.0%", "60.0%"], rows[1].Children.Select(c => c.TextContent).ToArray());
    }

    [Fact]
    public void Layout_edits_are_each_saved_through_the_Core_API()
    {
        var cut = Open();
        cut.Find("[data-testid=dash-edit]").Click();

        cut.Find("[data-testid=dash-add-tile]").Change(TileKeys.MessagesByHour);
        cut.Find("[data-testid=dash-catalog]").Submit();
        cut.WaitForAssertion(() => Assert.Contains(TileKeys.MessagesByHour, Keys(cut)));
        Assert.Equal(new LayoutTile(TileKeys.MessagesByHour, "m"), LastSaved().Tiles[^1]);
        cut.WaitForAssertion(() => Assert.Equal("true", Tile(cut, TileKeys.MessagesByHour).GetAttribute("data-loaded")));
        Assert.Equal("heatmap", Tile(cut, TileKeys.MessagesByHour).GetAttribute("data-chart"));
        Assert.Equal("Your layout", cut.Find("[data-testid=dash-layout-source]").TextContent);

        // Data group: conversations, then the heat map; moved up, the heat map comes first.
        Assert.True(Tile(cut, TileKeys.MessagesByHour).QuerySelector("[data-testid=tile-down]")!.HasAttribute("disabled"));
        Tile(cut, TileKeys.MessagesByHour).QuerySelector("[data-testid=tile-up]")!.Click();
        cut.WaitForAssertion(() => Assert.Equal(TileKeys.MessagesByHour, Keys(cut)[0]));
        Assert.Equal(TileKeys.MessagesByHour, LastSaved().Tiles[0].Key);

        Tile(cut, TileKeys.Conversations).QuerySelector("[data-testid=tile-size]")!.Change("l");
        cut.WaitForAssertion(() => Assert.Equal("l", Tile(cut, TileKeys.Conversations).GetAttribute("data-size")));
        Assert.Equal("l", LastSaved().Tiles.Single(t => t.Key == TileKeys.Conversations).Size);

        Tile(cut, TileKeys.Conversations).QuerySelector("[data-testid=tile-chart]")!.Change(ChartKinds.Figure);
        cut.WaitForAssertion(() => Assert.Equal("figure", Tile(cut, TileKeys.Conversations).GetAttribute("data-chart")));
        Assert.Equal(ChartKinds.Figure, LastSaved().Tiles.Single(t => t.Key == TileKeys.Conversations).Chart);
        Assert.Equal("20", Tile(cut, TileKeys.Conversations).QuerySelector("[data-testid=figure][data-key=opened]")!.GetAttribute("data-value"));

        Tile(cut, TileKeys.Funnel).QuerySelector("[data-testid=tile-remove]")!.Click();
        cut.WaitForAssertion(() => Assert.DoesNotContain(TileKeys.Funnel, Keys(cut)));
        Assert.Equal([TileKeys.MessagesByHour, TileKeys.Conversations, TileKeys.FirstResponse, TileKeys.Channels], LastSaved().Tiles.Select(t => t.Key).ToArray());

        // Back to the default: the own layout is forgotten.
        cut.Find("[data-testid=dash-reset]").Click();
        cut.WaitForAssertion(() => Assert.Equal("Built-in layout", cut.Find("[data-testid=dash-layout-source]").TextContent));
        Assert.Contains("DELETE " + Prefix + "/layout", Api.Requests);
        Assert.Contains(TileKeys.Funnel, Keys(cut));
    }

    [Fact]
    public void A_refused_save_puts_the_layout_back_and_says_why()
    {
        var cut = Open();
        Api.When(r => r.StartsWith("PUT " + Prefix + "/layout", StringComparison.Ordinal), (_, _) => """{"code":"invalid_layout","detail":"Too many tiles."}""",
            System.Net.HttpStatusCode.BadRequest);
        cut.Find("[data-testid=dash-edit]").Click();
        Tile(cut, TileKeys.Funnel).QuerySelector("[data-testid=tile-remove]")!.Click();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=dash-error]")));
        Assert.Contains(TileKeys.Funnel, Keys(cut));
    }

    [Fact]
    public void Filters_go_into_the_address_and_the_tiles_are_read_for_them()
    {
        var cut = Open();
        cut.Find("[data-testid=dash-range-today]").Click();
        cut.WaitForAssertion(() => Assert.EndsWith("/p/3/m/dashboard?range=today", Navigation.Uri));
        cut.WaitForAssertion(() => Assert.Contains($"GET {Prefix}/tiles/funnel?from=2026-12-04&to=2026-12-04&compare=true", TileReads()));
        Assert.Equal("true", cut.Find("[data-testid=dash-range-today]").GetAttribute("aria-pressed"));

        cut.Find("[data-testid=dash-channel]").Change("whatsapp");
        cut.WaitForAssertion(() => Assert.EndsWith("?range=today&channel=whatsapp", Navigation.Uri));
        cut.WaitForAssertion(() => Assert.NotEmpty(TileReads("&channel=whatsapp&compare=true")));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=dash-tile][data-loaded=false]")));
        // The channels tile compares channels: it says it ignores the channel filter; the others say nothing.
        Assert.Equal("Not filtered by: Channel", Tile(cut, TileKeys.Channels).QuerySelector("[data-testid=tile-ignores]")!.TextContent);
        Assert.Null(Tile(cut, TileKeys.Funnel).QuerySelector("[data-testid=tile-ignores]"));

        // Another queue may have its own default layout.
        cut.Find("[data-testid=dash-queue]").Change("4");
        cut.WaitForAssertion(() => Assert.Contains($"GET {Prefix}/layout?queueId=4", Api.Requests));
        cut.WaitForAssertion(() => Assert.NotEmpty(TileReads("&channel=whatsapp&queueId=4&compare=true")));

        cut.Find("[data-testid=dash-range-custom]").Click();
        cut.WaitForAssertion(() => Assert.Equal("2026-12-04", cut.Find("[data-testid=dash-from]").GetAttribute("value")));
        cut.Find("[data-testid=dash-from]").Change("2026-11-01");
        cut.WaitForAssertion(() => Assert.EndsWith("?range=custom&from=2026-11-01&to=2026-12-04&channel=whatsapp&queueId=4", Navigation.Uri));
        cut.WaitForAssertion(() => Assert.NotEmpty(TileReads("from=2026-11-01&to=2026-12-04")));
    }

    [Fact]
    public void A_tile_links_to_the_view_that_shows_it_alone_with_the_same_filters()
    {
        var cut = Open(address: "/p/3/m/dashboard?channel=instagram");
        var link = Tile(cut, TileKeys.Funnel).QuerySelector("[data-testid=tile-link]")!;
        Assert.Equal("/p/3/m/dashboard?channel=instagram&tile=funnel", link.GetAttribute("href"));
        Assert.Equal("Open Funnel on its own with these filters", link.GetAttribute("aria-label"));

        Navigation.NavigateTo(link.GetAttribute("href")!);
        cut.WaitForAssertion(() => Assert.Equal([TileKeys.Funnel], Keys(cut)));
        cut.WaitForAssertion(() => Assert.Equal("true", Tile(cut, TileKeys.Funnel).GetAttribute("data-loaded")));
        Assert.Equal("l", Tile(cut, TileKeys.Funnel).GetAttribute("data-size"));
        Assert.Null(Tile(cut, TileKeys.Funnel).QuerySelector("[data-testid=tile-link]"));
        Assert.Equal("/p/3/m/dashboard?channel=instagram", cut.Find("[data-testid=dash-back]").GetAttribute("href"));
    }

    [Fact]
    public async Task Figures_follow_the_change_feed_at_most_once_a_minute_per_group_not_per_event()
    {
        var cut = Open(layout: [.. Builtin, new LayoutTile(TileKeys.Backlog)]);
        var first = TileReads().Length;
        Assert.Equal(5, first);

        // The rollups moved five times right after the first reading: stale, but read less than a minute ago.
        for (var id = 1; id <= 5; id++) await Feed.ApplyAsync(DetachedFeed.Change(id, "dashboards_updated", 0));
        await cut.InvokeAsync(() => cut.Instance.TickAsync());
        Assert.Equal(first, TileReads().Length);

        Clock.Now = Now.AddSeconds(61);
        await cut.InvokeAsync(() => cut.Instance.TickAsync());
        cut.WaitForAssertion(() => Assert.Equal(2 * first, TileReads().Length));
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=dashboard-page]").GetAttribute("data-refreshes")));

        // Nothing changed since: no reading, however long.
        Clock.Now = Now.AddMinutes(10);
        await cut.InvokeAsync(() => cut.Instance.TickAsync());
        Assert.Equal(2 * first, TileReads().Length);

        // A change no figure counts (a lock) marks nothing; a new message marks only the group with a tile read live
        // (the backlog, in Data): its two tiles are read at once, a minute after their last reading.
        await Feed.ApplyAsync(DetachedFeed.Change(6, "lock_changed", 7));
        await cut.InvokeAsync(() => cut.Instance.TickAsync());
        Assert.Equal(2 * first, TileReads().Length);
        await Feed.ApplyAsync(DetachedFeed.Change(7, "message_created", 7));
        cut.WaitForAssertion(() => Assert.Equal(2 * first + 2, TileReads().Length));
        Assert.Equal(3, TileReads("/tiles/backlog?").Length);
        Assert.Equal(2, TileReads("/tiles/funnel?").Length);
        Assert.Equal("Now", Tile(cut, TileKeys.Backlog).QuerySelector("[data-testid=tile-live]")!.TextContent);
    }

    [Fact]
    public void A_supervisor_publishes_the_layout_as_a_queues_default_and_an_agent_cannot()
    {
        var cut = Open(Project(DashboardPermission.Manage));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=dash-publish]")));
        cut.Find("[data-testid=dash-publish-queue]").Change("5");
        cut.Find("[data-testid=dash-publish]").Click();
        cut.WaitForAssertion(() => Assert.Equal("Published as the default layout of Sales.", cut.Find("[data-testid=dash-notice]").TextContent));
        var at = Api.Requests.IndexOf($"PUT {Prefix}/queues/5/default-layout");
        Assert.True(at >= 0);
        Assert.Equal(Builtin, JsonSerializer.Deserialize<DashboardLayout>(Api.Bodies[at], JsonSerializerOptions.Web)!.Tiles);

        var agent = Render<DashboardPage>(p => p.Add(d => d.ProjectId, 3).Add(d => d.Project, Project()));
        agent.WaitForAssertion(() => Assert.NotEmpty(agent.FindAll("[data-testid=dash-tile]")));
        Assert.Empty(agent.FindAll("[data-testid=dash-publish]"));
    }
}

public sealed class DashboardPageSpanishTests() : DashboardPageTest("es")
{
    [Fact]
    public void The_dashboard_reads_in_Spanish()
    {
        var cut = Open();
        Assert.Equal(["Datos", "Información", "Conocimiento", "Sabiduría"], cut.FindAll("[data-testid=dash-group] h2").Select(h => h.TextContent).ToArray());
        Assert.Equal("7 días", cut.Find("[data-testid=dash-range-7d]").TextContent);
        Assert.Equal("Tiempo de primera respuesta", Tile(cut, TileKeys.FirstResponse).QuerySelector("h3")!.TextContent);
        Assert.Equal("▼ baja un 20,8 % respecto al periodo anterior", Tile(cut, TileKeys.FirstResponse).QuerySelector("[data-testid=figure-trend]")!.TextContent.Trim());
        Assert.Equal("Diseño incorporado", cut.Find("[data-testid=dash-layout-source]").TextContent);

        Tile(cut, TileKeys.Conversations).QuerySelector("[data-testid=chart-table-toggle]")!.Click();
        var table = Tile(cut, TileKeys.Conversations).QuerySelector("[data-testid=chart-table]")!;
        Assert.Equal("Conversaciones", table.QuerySelector("caption")!.TextContent);
        Assert.Equal(["Día", "Abiertas", "Resueltas", "Reabiertas"], table.QuerySelectorAll("thead th").Select(th => th.TextContent).ToArray());
        Assert.Equal("jue 3 dic", table.QuerySelector("tbody th")!.TextContent);
    }
}
