using Bunit;
using Microsoft.AspNetCore.Components;
using MultichannelMessages.Front.Components.Calls;
using MultichannelMessages.Front.Components.Chats;

namespace MultichannelMessages.Front.Tests;

/// <summary>The calls console's pure parts: the call hours form against Meta's call_hours object, the thread's call
/// event from calls.touch's payload, and the inbox preview code.</summary>
public sealed class CallsViewTests : ComponentTest
{
    [Fact]
    public void Call_hours_go_out_as_Metas_object_and_come_back_as_the_same_form()
    {
        var draft = new CallHoursDraft { Limited = true, TimeZone = "Europe/Madrid", Weekly = CallHoursDraft.Workweek() };
        draft.Weekly[0].Close = "14:30:00"; // as Blazor reports a time input's change
        draft.Holidays.Add(new CallHoursDraft.Holiday { Date = "2026-12-25", Start = "00:00", End = "23:59" });
        var json = draft.ToJson()!;
        var root = System.Text.Json.JsonDocument.Parse(json).RootElement;
        Assert.Equal("ENABLED", root.GetProperty("status").GetString());
        Assert.Equal("Europe/Madrid", root.GetProperty("timezone_id").GetString());
        Assert.Equal(5, root.GetProperty("weekly_operating_hours").GetArrayLength());
        var monday = root.GetProperty("weekly_operating_hours")[0];
        Assert.Equal(("MONDAY", "0900", "1430"), (monday.GetProperty("day_of_week").GetString(), monday.GetProperty("open_time").GetString(),
            monday.GetProperty("close_time").GetString()));
        Assert.Equal("2359", root.GetProperty("holiday_schedule")[0].GetProperty("end_time").GetString());

        var back = CallHoursDraft.Parse(json, "UTC");
        Assert.True(back.Limited);
        Assert.Equal(("Europe/Madrid", "14:30", "2026-12-25"), (back.TimeZone, back.Weekly[0].Close, back.Holidays[0].Date));
        // Always open: no object at all (Meta's default), and none parsed back as the form's default.
        Assert.Null(new CallHoursDraft { Limited = false, Weekly = CallHoursDraft.Workweek() }.ToJson());
        Assert.False(CallHoursDraft.Parse(null, "Europe/Madrid").Limited);
        Assert.Equal("Europe/Madrid", CallHoursDraft.Parse("not json", "Europe/Madrid").TimeZone);
    }

    [Theory]
    [InlineData("callHoursJson.weekly_operating_hours[1].close_time", "weekly", 1, "close_time")]
    [InlineData("callHoursJson.holiday_schedule[0].date", "holidays", 0, "date")]
    [InlineData("callHoursJson.weekly_operating_hours", "weekly", -1, "")]
    [InlineData("callHoursJson.timezone_id", "", -1, "timezone_id")]
    [InlineData("recordingRetentionDays", "", -1, "")]
    public void An_error_field_of_the_Core_API_names_its_row(string field, string list, int row, string name) =>
        Assert.Equal((list, row, name), CallHoursDraft.RowOf(field));

    [Fact]
    public void A_missed_call_shows_its_outcome_and_a_call_back_and_a_completed_one_its_duration_and_recording()
    {
        var missed = CallCard.Parse("""{"call_id":7,"direction":"in","state":"ended","outcome":"missed","has_recording":false}""")!;
        var calledBack = false;
        var cut = Render<CallEventView>(p => p.Add(c => c.Call, missed).Add(c => c.OnCallBack, EventCallback.Factory.Create(this, () => calledBack = true)));
        Assert.Equal("missed", cut.Find("[data-testid=call-event]").GetAttribute("data-outcome"));
        Assert.Equal("Missed", cut.Find("[data-testid=call-event-outcome]").TextContent.Trim());
        cut.Find("[data-testid=call-back]").Click();
        Assert.True(calledBack);

        var completed = CallCard.Parse("""
            {"call_id":8,"direction":"in","state":"ended","outcome":"completed","duration_seconds":75,"accepted_by_name":"Ana Agent","has_recording":true}
            """)!;
        var done = Render<CallEventView>(p => p.Add(c => c.Call, completed).Add(c => c.RecordingUrl, id => $"/recordings/1/{id}"));
        Assert.Equal("1:15", done.Find("[data-testid=call-event-duration]").TextContent);
        Assert.Equal("/recordings/1/8", done.Find("[data-testid=call-event-recording]").GetAttribute("src"));
        Assert.Contains("Ana Agent", done.Find("[data-testid=call-event-who]").TextContent);
        // Positive control for the call back: a completed call offers none.
        Assert.Empty(done.FindAll("[data-testid=call-back]"));

        // A business call the customer did not pick up: "no answer", and no call back offered as if we had missed it.
        var unanswered = CallCard.Parse("""{"call_id":9,"direction":"out","state":"ended","outcome":"missed","started_by_name":"Ana Agent"}""")!;
        var outbound = Render<CallEventView>(p => p.Add(c => c.Call, unanswered).Add(c => c.OnCallBack, EventCallback.Factory.Create(this, () => { })));
        Assert.Equal("No answer", outbound.Find("[data-testid=call-event-outcome]").TextContent.Trim());
        Assert.Empty(outbound.FindAll("[data-testid=call-back]"));
    }

    [Theory]
    [InlineData("[call:missed]", "missed")]
    [InlineData("[call:ringing]", "ringing")]
    [InlineData("Hola [call:x]", null)]
    [InlineData("[call:]", null)]
    [InlineData(null, null)]
    public void A_calls_inbox_preview_is_read_as_its_code(string? preview, string? code) => Assert.Equal(code, Formatting.CallPreview(preview));

    [Fact]
    public void Durations_read_as_minutes_and_seconds_then_hours()
    {
        Assert.Equal("0:00", Formatting.Duration(TimeSpan.FromSeconds(-3)));
        Assert.Equal("0:09", Formatting.Duration(TimeSpan.FromSeconds(9)));
        Assert.Equal("59:59", Formatting.Duration(TimeSpan.FromSeconds(3599)));
        Assert.Equal("1:01:00", Formatting.Duration(TimeSpan.FromMinutes(61)));
    }
}
