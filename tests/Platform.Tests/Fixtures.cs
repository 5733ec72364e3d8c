namespace MultichannelMessages.Platform.Tests;

/// <summary>Reads the Meta example payloads copied next to the test assembly (tests/fixtures/meta).</summary>
public static class Fixtures
{
    public static string Path(string relative) =>
        System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "meta", relative);

    public static byte[] Bytes(string relative) => File.ReadAllBytes(Path(relative));
}
