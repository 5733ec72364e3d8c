using System.ClientModel;
using OpenAI.Chat;

namespace MultichannelMessages.OpenAiSandbox.Tests;

public class ImageInputTests(OpenAiHost host) : IClassFixture<OpenAiHost>
{
    /// <summary>A 1×1 PNG.</summary>
    private static readonly BinaryData Png = BinaryData.FromBytes(Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="));

    private static UserChatMessage WithImage(string text) =>
        new(ChatMessageContentPart.CreateTextPart(text), ChatMessageContentPart.CreateImagePart(Png, "image/png"));

    [Fact]
    public async Task Image_part_is_accepted_answered_and_logged_as_sent()
    {
        var scope = OpenAiHost.NewScope();

        ChatCompletion reply = await host.OpenAi().GetChatClient("gpt-4o-mini")
            .CompleteChatAsync([new SystemChatMessage(scope), WithImage("My parcel arrived like this")]);

        Assert.Equal("Thanks for the photo. I've got it, and a colleague will review it if needed.", reply.Content[0].Text);
        var logged = Assert.Single((await host.RequestsAsync(scope)).EnumerateArray());
        var parts = logged.GetProperty("body").GetProperty("messages")[1].GetProperty("content");
        Assert.Equal("image_url", parts[1].GetProperty("type").GetString());
        Assert.StartsWith("data:image/png;base64,iVBOR", parts[1].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal(200, logged.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Large_image_is_logged_by_its_start_and_length()
    {
        var scope = OpenAiHost.NewScope();
        var photo = new byte[60_000];
        new Random(5).NextBytes(photo);

        await host.OpenAi().GetChatClient("gpt-4o-mini").CompleteChatAsync([new SystemChatMessage(scope),
            new UserChatMessage(ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(photo), "image/jpeg"))]);

        var url = (await host.RequestsAsync(scope))[0].GetProperty("body").GetProperty("messages")[1]
            .GetProperty("content")[0].GetProperty("image_url").GetProperty("url").GetString()!;
        var sent = "data:image/jpeg;base64," + Convert.ToBase64String(photo);
        Assert.Equal($"{sent[..1024]}…[{sent.Length} chars]", url);
    }

    [Fact]
    public async Task Image_to_a_model_without_vision_is_refused()
    {
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => host.OpenAi(maxRetries: 0).GetChatClient("gpt-3.5-turbo")
            .CompleteChatAsync([WithImage("What is this?")]));
        ChatCompletion textOnly = await host.OpenAi().GetChatClient("gpt-3.5-turbo").CompleteChatAsync([new UserChatMessage("What is this?")]);

        Assert.Equal(400, refused.Status);
        Assert.Contains("image_url is only supported by certain models", refused.Message);
        Assert.NotEmpty(textOnly.Content[0].Text);
    }

    [Fact]
    public async Task Image_rule_matches_only_messages_with_an_image()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddRuleAsync(new { scope, match = new { has_image = true }, respond = new { content = "picture seen" } });
        var chat = host.OpenAi().GetChatClient("gpt-4.1-mini");

        ChatCompletion withImage = await chat.CompleteChatAsync([new SystemChatMessage(scope), WithImage("look")]);
        ChatCompletion withoutImage = await chat.CompleteChatAsync([new SystemChatMessage(scope), new UserChatMessage("look")]);

        Assert.Equal("picture seen", withImage.Content[0].Text);
        Assert.NotEqual("picture seen", withoutImage.Content[0].Text);
    }

    [Fact]
    public async Task Data_url_that_is_not_an_image_is_refused()
    {
        var part = ChatMessageContentPart.CreateImagePart(new Uri("data:text/plain;base64,aGVsbG8="));

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => host.OpenAi(maxRetries: 0).GetChatClient("gpt-4o")
            .CompleteChatAsync([new UserChatMessage(ChatMessageContentPart.CreateTextPart("see"), part)]));
        ChatCompletion httpUrl = await host.OpenAi().GetChatClient("gpt-4o").CompleteChatAsync(
            [new UserChatMessage(ChatMessageContentPart.CreateTextPart("see"), ChatMessageContentPart.CreateImagePart(new Uri("https://example.com/photo.jpg")))]);

        Assert.Equal(400, refused.Status);
        Assert.Contains("unsupported MIME type 'text/plain'", refused.Message);
        Assert.NotEmpty(httpUrl.Content[0].Text);
    }
}
