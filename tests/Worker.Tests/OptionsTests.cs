using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Outbox;

namespace MultichannelMessages.Worker.Tests;

/// <summary>A bad setting stops the Worker at start with a sentence, not at the first send.</summary>
public sealed class OptionsTests
{
    private static Exception StartWith(params (string Key, string Value)[] settings)
    {
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Database:ConnectionString", "Host=127.0.0.1;Port=1;Username=nobody");
            b.UseSetting("Secrets:MasterKey", Convert.ToBase64String(new byte[32]));
            foreach (var (key, value) in settings) b.UseSetting(key, value);
        });
        return Assert.ThrowsAny<Exception>(() => factory.Services);
    }

    [Fact]
    public void A_lease_that_a_send_could_outlive_is_refused_at_start()
    {
        var error = StartWith(("Outbox:LeaseSeconds", "12"), ("Graph:TimeoutSeconds", "10"));
        var validation = Assert.IsType<OptionsValidationException>(error.InnerException ?? error);
        Assert.Contains("Outbox:LeaseSeconds (12) must be at least Graph:TimeoutSeconds (10) + Pacing:MaxHoldMs (5000 ms) + 4 s, i.e. 19", validation.Message);
    }

    [Fact]
    public void A_malformed_api_version_is_refused_at_start()
    {
        var error = StartWith(("Graph:ApiVersion", "21"));
        Assert.Contains("Graph:ApiVersion must look like v21.0.", (error.InnerException ?? error).Message);
    }

    [Fact]
    public void A_fetch_allow_list_entry_that_is_not_host_and_port_is_refused_at_start()
    {
        var error = StartWith(("Fetch:AllowedEndpoints:0", "127.0.0.1"));
        Assert.Contains("Fetch:AllowedEndpoints entry '127.0.0.1' must be host:port", (error.InnerException ?? error).Message);
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

    private static string ValidationMessage(Exception error) =>
        (error.InnerException ?? error) is OptionsValidationException validation ? validation.Message : throw new Xunit.Sdk.XunitException(error.ToString());

    [Fact]
    public void A_media_lease_a_job_could_outlive_is_refused_at_start()
    {
        Assert.Contains("AiMedia:LeaseSeconds (60) must exceed AiMedia:TimeoutSeconds (90)",
            ValidationMessage(StartWith(("AiMedia:LeaseSeconds", "60"), ("AiMedia:TimeoutSeconds", "90"))));
    }

    [Fact]
    public void A_voice_note_limit_above_what_the_api_takes_is_refused_at_start()
    {
        Assert.Contains("MaxAudioBytes", ValidationMessage(StartWith(("AiMedia:MaxAudioBytes", "26214401"))));
    }

    [Fact]
    public void Chunk_sizes_that_cannot_work_are_refused_at_start()
    {
        Assert.Contains("AiManual:ChunkMinChars (1200) must be below AiManual:ChunkMaxChars (1000)",
            ValidationMessage(StartWith(("AiManual:ChunkMinChars", "1200"), ("AiManual:ChunkMaxChars", "1000"))));
        Assert.Contains("AiManual:ChunkOverlapChars (500) must be at most half of AiManual:ChunkMinChars (800)",
            ValidationMessage(StartWith(("AiManual:ChunkOverlapChars", "500"))));
    }
}
