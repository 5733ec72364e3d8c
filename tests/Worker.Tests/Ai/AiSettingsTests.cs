using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.Worker.Tests.Ai;

/// <summary>A bad setting of the media or manual loops stops the Worker at start with a sentence.</summary>
public sealed class AiSettingsTests
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

    private static string Message(Exception error) => Assert.IsType<OptionsValidationException>(error.InnerException ?? error).Message;

    [Fact]
    public void A_media_lease_a_job_could_outlive_is_refused_at_start()
    {
        Assert.Contains("AiMedia:LeaseSeconds (60) must exceed AiMedia:TimeoutSeconds (90)",
            Message(StartWith(("AiMedia:LeaseSeconds", "60"), ("AiMedia:TimeoutSeconds", "90"))));
    }

    [Fact]
    public void A_voice_note_limit_above_what_the_api_takes_is_refused_at_start()
    {
        Assert.Contains("MaxAudioBytes", Message(StartWith(("AiMedia:MaxAudioBytes", "26214401"))));
    }

    [Fact]
    public void Chunk_sizes_that_cannot_work_are_refused_at_start()
    {
        Assert.Contains("AiManual:ChunkMinChars (1200) must be below AiManual:ChunkMaxChars (1000)",
            Message(StartWith(("AiManual:ChunkMinChars", "1200"), ("AiManual:ChunkMaxChars", "1000"))));
        Assert.Contains("AiManual:ChunkOverlapChars (500) must be at most half of AiManual:ChunkMinChars (800)",
            Message(StartWith(("AiManual:ChunkOverlapChars", "500"))));
    }
}
