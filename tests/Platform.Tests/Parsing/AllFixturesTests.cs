using Xunit;

namespace MultichannelMessages.Platform.Tests.Parsing;

public class AllFixturesTests
{
    public static TheoryData<string> AllFixtureFiles()
    {
        var root = Fixtures.Path("");
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(System.IO.Path.GetRelativePath(root, file).Replace('\\', '/'));
        return data;
    }

    [Fact]
    public void Fixture_files_are_copied_next_to_the_tests()
    {
        Assert.True(AllFixtureFiles().Count >= 90, $"only {AllFixtureFiles().Count} fixtures found next to the test assembly");
    }

    [Theory]
    [MemberData(nameof(AllFixtureFiles))]
    public void Every_fixture_parses_without_error_or_bad_item(string file)
    {
        var parsed = Parsed.Fixture(file);

        Assert.DoesNotContain(parsed.Unhandled, u => u.StartsWith("bad_item:", StringComparison.Ordinal));
        if (file == "messenger/m4j_object_not_page_negative.json")
        {
            Assert.Equal("unknown_object: testValue", parsed.Error);
            return;
        }
        Assert.Null(parsed.Error);
        Assert.NotNull(parsed.ObjectKind);
        Assert.True(!parsed.IsEmpty || parsed.Unhandled.Count > 0, "a fixture must yield rows or say what it left unhandled");
    }

    [Theory]
    [MemberData(nameof(AllFixtureFiles))]
    public void Every_row_keeps_its_raw_payload_as_valid_json(string file)
    {
        var parsed = Parsed.Fixture(file);

        var payloads = parsed.Messages.Select(m => m.PayloadJson)
            .Concat(parsed.Statuses.Select(s => s.PayloadJson))
            .Concat(parsed.BusinessEvents.Select(b => b.PayloadJson));
        foreach (var payload in payloads)
            System.Text.Json.JsonDocument.Parse(payload).Dispose();
    }
}
