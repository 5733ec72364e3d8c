using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;

namespace MultichannelMessages.EndToEnd.Tests;

/// <summary>The traffic the fault tests (PostgresRestartTests, ScaleOutTests) keep up while they break things.</summary>
public static class Load
{
    /// <summary>Customers keep writing through the sandbox (Meta), which retries what the platform does not
    /// acknowledge; every text posted is kept in <paramref name="written"/>.</summary>
    public static Task CustomersWriteAsync(HttpClient sandbox, string phoneNumberId, string[] customers, string run,
        ConcurrentBag<string> written, TimeSpan every, CancellationToken stop) => Task.Run(async () =>
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var text = $"load {run} {i}";
            (await sandbox.PostAsJsonAsync($"/sandbox/customers/{phoneNumberId}/messages",
                new { from = customers[i % customers.Length], name = "Load", text })).EnsureSuccessStatusCode();
            written.Add(text);
            await Task.Delay(every);
        }
    });

    /// <summary>An agent keeps replying, round robin over the conversations. A request that failed or was refused is
    /// retried with the same client message id, as the console does, so a retry never makes a second message; each
    /// refusal's status and body go to <paramref name="refusals"/>.</summary>
    public static Task AgentRepliesAsync(HttpClient agent, long[] conversations, string run, ConcurrentBag<string> replies,
        ConcurrentQueue<(HttpStatusCode Status, string Body)> refusals, CancellationToken stop) => Task.Run(async () =>
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var text = $"reply {run} {i}";
            var clientMessageId = Guid.NewGuid().ToString();
            while (true)
            {
                try
                {
                    var response = await agent.PostAsJsonAsync($"/conversations/{conversations[i % conversations.Length]}/messages",
                        new { text, clientMessageId });
                    if (response.IsSuccessStatusCode) { replies.Add(text); break; }
                    refusals.Enqueue((response.StatusCode, await response.Content.ReadAsStringAsync()));
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                await Task.Delay(200);
            }
            await Task.Delay(150);
        }
    });
}
