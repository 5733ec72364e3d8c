namespace MultichannelMessages.Front.Realtime;

/// <summary>How the console waits for an AI assist (suggestions, summary, template fill): woken by the live feed's
/// ai_assist change for the conversation, which the Worker's answer emits, and reading again after <see cref="Poll"/>
/// at the latest, should the feed be down.</summary>
public static class AssistWait
{
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(3);

    public static Func<TimeSpan, CancellationToken, Task> On(LiveFeed feed, long conversationId) =>
        (timeout, ct) => feed.WaitForAsync("ai_assist", conversationId, timeout, ct);
}
