using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace MultichannelMessages.MetaSandbox.Tests;

public class MediaTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private async Task<HttpResponseMessage> UploadAsync(byte[] bytes, string mimeType, bool withFile = true)
    {
        var form = new MultipartFormDataContent { { new StringContent("whatsapp"), "messaging_product" }, { new StringContent(mimeType), "type" } };
        if (withFile)
        {
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue(mimeType);
            form.Add(file, "file", "invoice.pdf");
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v21.0/{SandboxHost.PhoneNumberId}/media") { Content = form };
        request.Headers.Authorization = new("Bearer", SandboxHost.Token);
        return await host.Client.SendAsync(request);
    }

    [Fact]
    public async Task Uploaded_media_round_trips_through_its_node_and_download_url()
    {
        var bytes = RandomNumberGenerator.GetBytes(4096);
        var id = (await SandboxHost.JsonAsync(await UploadAsync(bytes, "application/pdf"))).GetProperty("id").GetString()!;

        var node = await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Get, id));
        Assert.Equal(id, node.GetProperty("id").GetString());
        Assert.Equal("whatsapp", node.GetProperty("messaging_product").GetString());
        Assert.Equal("application/pdf", node.GetProperty("mime_type").GetString());
        Assert.Equal(4096, node.GetProperty("file_size").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), node.GetProperty("sha256").GetString());

        using var download = new HttpRequestMessage(HttpMethod.Get, new Uri(node.GetProperty("url").GetString()!).PathAndQuery);
        download.Headers.Authorization = new("Bearer", SandboxHost.Token);
        using var response = await host.Client.SendAsync(download);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Download_without_a_token_is_refused_with_190()
    {
        var id = (await SandboxHost.JsonAsync(await UploadAsync([1, 2, 3], "image/png"))).GetProperty("id").GetString()!;

        using var response = await host.Client.GetAsync($"/media/{id}/download");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(190, (await SandboxHost.JsonAsync(response)).GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Upload_without_a_file_is_an_invalid_parameter()
    {
        using var response = await UploadAsync([], "image/png", withFile: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("file", (await SandboxHost.JsonAsync(response)).GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Deleted_media_is_gone()
    {
        var id = (await SandboxHost.JsonAsync(await UploadAsync([9, 9], "image/png"))).GetProperty("id").GetString()!;

        Assert.True((await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Delete, id))).GetProperty("success").GetBoolean());
        var error = (await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Get, id))).GetProperty("error");
        Assert.Equal(100, error.GetProperty("code").GetInt32());
    }
}
