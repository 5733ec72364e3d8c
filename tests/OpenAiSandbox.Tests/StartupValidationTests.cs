using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using MultichannelMessages.TestSupport;

namespace MultichannelMessages.OpenAiSandbox.Tests;

public class StartupValidationTests
{
    private static WebApplicationFactory<Program> Sandbox(Dictionary<string, string?> settings) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(settings)));

    [Theory]
    [InlineData("Sandbox:RulesFile", "rules/missing.json", "Sandbox:RulesFile")]
    [InlineData("Sandbox:ApiKeys:0", "", "Sandbox:ApiKeys must list at least one non-empty key")]
    [InlineData("Sandbox:Models:0:Kind", "speech", "Kind must be chat, embedding or transcription")]
    [InlineData("Sandbox:RequestLogCapacity", "1", "RequestLogCapacity")]
    public void Bad_setting_stops_the_sandbox_at_start_with_a_sentence(string key, string value, string sentence)
    {
        Assert.Contains(sentence, ServiceProcess.RefusedStart("OpenAiSandbox", new Dictionary<string, string> { [key] = value }));
    }

    [Fact]
    public void Rules_file_with_a_broken_rule_stops_the_sandbox_naming_the_rule()
    {
        var file = Path.Combine(Path.GetTempPath(), $"rules-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{"rules":[{"id":"bad-one","match":{"last_user_regex":"(("},"respond":{"content":"x"}}]}""");
        try
        {
            Assert.Contains("rule bad-one: match.last_user_regex is not a valid regular expression",
                ServiceProcess.RefusedStart("OpenAiSandbox", new Dictionary<string, string> { ["Sandbox:RulesFile"] = file }));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Default_settings_start_and_answer_health()
    {
        using var factory = Sandbox([]);

        using var response = await factory.CreateClient().GetAsync("/health");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }
}
