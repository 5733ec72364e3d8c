using Microsoft.Extensions.Options;
using MultichannelMessages.TestSupport;
using MultichannelMessages.Worker.Outbox;

namespace MultichannelMessages.Worker.Tests;

/// <summary>A bad setting stops the Worker at start with a sentence, not at the first send.</summary>
public sealed class OptionsTests
{
    private static string StartWith(params (string Key, string Value)[] settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["Database:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=nobody",
            ["Secrets:MasterKey"] = Convert.ToBase64String(new byte[32]),
        };
        foreach (var (key, value) in settings) environment[key] = value;
        var printed = ServiceProcess.RefusedStart("Worker", environment);
        Assert.Contains(nameof(OptionsValidationException), printed);
        return printed;
    }

    [Fact]
    public void A_lease_that_a_send_could_outlive_is_refused_at_start()
    {
        Assert.Contains("Outbox:LeaseSeconds (12) must be at least Graph:TimeoutSeconds (10) + Pacing:MaxHoldMs (5000 ms) + 4 s, i.e. 19",
            StartWith(("Outbox:LeaseSeconds", "12"), ("Graph:TimeoutSeconds", "10")));
    }

    [Fact]
    public void A_malformed_api_version_is_refused_at_start()
    {
        Assert.Contains("Graph:ApiVersion must look like v21.0.", StartWith(("Graph:ApiVersion", "21")));
    }

    [Fact]
    public void A_fetch_allow_list_entry_that_is_not_host_and_port_is_refused_at_start()
    {
        Assert.Contains("Fetch:AllowedEndpoints entry '127.0.0.1' must be host:port", StartWith(("Fetch:AllowedEndpoints:0", "127.0.0.1")));
    }

    [Fact]
    public void A_ring_timeout_that_could_sweep_an_accept_in_flight_is_refused_at_start()
    {
        Assert.Contains("Calls:RingTimeoutSeconds must be longer than Calls:AcceptWindowSeconds + Graph:TimeoutSeconds",
            StartWith(("Calls:RingTimeoutSeconds", "35"), ("Calls:AcceptWindowSeconds", "30"), ("Graph:TimeoutSeconds", "10")));
    }

    [Fact]
    public void The_worker_id_is_unique_per_process_unless_configured()
    {
        var a = new WorkerIdentity(Options.Create(new OutboxOptions())).Id;
        var b = new WorkerIdentity(Options.Create(new OutboxOptions())).Id;
        Assert.NotEqual(a, b);
        Assert.StartsWith($"{System.Environment.MachineName}-{System.Environment.ProcessId}-", a);
        Assert.Equal("worker-7", new WorkerIdentity(Options.Create(new OutboxOptions { WorkerId = "worker-7" })).Id);
    }

    [Fact]
    public void A_media_lease_a_job_could_outlive_is_refused_at_start()
    {
        Assert.Contains("AiMedia:LeaseSeconds (60) must exceed AiMedia:TimeoutSeconds (90)",
            StartWith(("AiMedia:LeaseSeconds", "60"), ("AiMedia:TimeoutSeconds", "90")));
    }

    [Fact]
    public void A_voice_note_limit_above_what_the_api_takes_is_refused_at_start()
    {
        Assert.Contains("MaxAudioBytes", StartWith(("AiMedia:MaxAudioBytes", "26214401")));
    }

    [Fact]
    public void Chunk_sizes_that_cannot_work_are_refused_at_start()
    {
        Assert.Contains("AiManual:ChunkMinChars (1200) must be below AiManual:ChunkMaxChars (1000)",
            StartWith(("AiManual:ChunkMinChars", "1200"), ("AiManual:ChunkMaxChars", "1000")));
        Assert.Contains("AiManual:ChunkOverlapChars (500) must be at most half of AiManual:ChunkMinChars (800)",
            StartWith(("AiManual:ChunkOverlapChars", "500")));
    }
}
