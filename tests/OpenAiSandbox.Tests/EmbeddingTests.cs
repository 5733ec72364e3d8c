using System.ClientModel;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI.Embeddings;

namespace MultichannelMessages.OpenAiSandbox.Tests;

public class EmbeddingTests(OpenAiHost host) : IClassFixture<OpenAiHost>
{
    private EmbeddingClient Client(string model = "text-embedding-3-small", string key = OpenAiHost.Key) =>
        host.OpenAi(key, maxRetries: 0).GetEmbeddingClient(model);

    private static double Cosine(ReadOnlyMemory<float> a, ReadOnlyMemory<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a.Span[i] * b.Span[i];
            na += a.Span[i] * a.Span[i];
            nb += b.Span[i] * b.Span[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    [Theory]
    [InlineData("text-embedding-3-small", null, 1536)]
    [InlineData("text-embedding-3-large", null, 3072)]
    [InlineData("text-embedding-3-small", 256, 256)]
    [InlineData("text-embedding-3-large", 64, 64)]
    public async Task Dimensions_are_the_model_default_or_the_requested_ones(string model, int? dimensions, int expected)
    {
        OpenAIEmbedding embedding = await Client(model).GenerateEmbeddingAsync("Where is my order?",
            new EmbeddingGenerationOptions { Dimensions = dimensions });

        var vector = embedding.ToFloats();
        Assert.Equal(expected, vector.Length);
        Assert.Equal(1.0, Math.Sqrt(vector.ToArray().Sum(x => (double)x * x)), 4);
    }

    [Fact]
    public async Task Similar_texts_are_closer_than_unrelated_ones()
    {
        OpenAIEmbeddingCollection vectors = await Client().GenerateEmbeddingsAsync([
            "How long does shipping take to Madrid?",
            "What is the shipping time to Madrid?",
            "My invoice shows the wrong tax number",
            "¿Cuánto tarda el envío a Madrid?",
            "¿Cuánto tarda el envio?",
        ]);

        var similar = Cosine(vectors[0].ToFloats(), vectors[1].ToFloats());
        var unrelated = Cosine(vectors[0].ToFloats(), vectors[2].ToFloats());
        var spanish = Cosine(vectors[3].ToFloats(), vectors[4].ToFloats());
        // Measured (deterministic): similar 0.439, unrelated 0.058, the Spanish pair with and without accents 0.835.
        Assert.True(similar > 0.35, $"similar {similar:0.000}");
        Assert.True(unrelated < 0.15, $"unrelated {unrelated:0.000}");
        Assert.True(similar > unrelated + 0.3, $"similar {similar:0.000}, unrelated {unrelated:0.000}");
        Assert.True(spanish > 0.6, $"spanish {spanish:0.000}");
    }

    [Fact]
    public async Task Same_text_gives_the_same_vector_on_every_call()
    {
        OpenAIEmbedding first = await Client().GenerateEmbeddingAsync("Deterministic please");
        OpenAIEmbedding second = await Client().GenerateEmbeddingAsync("Deterministic please");
        OpenAIEmbedding other = await Client().GenerateEmbeddingAsync("Something else");

        Assert.Equal(first.ToFloats().ToArray(), second.ToFloats().ToArray());
        Assert.NotEqual(first.ToFloats().ToArray(), other.ToFloats().ToArray());
    }

    [Fact]
    public async Task Sdk_asks_for_base64_by_default_and_both_encodings_carry_the_same_vector()
    {
        await Client(key: OpenAiHost.KeyB).GenerateEmbeddingAsync("encoding check");
        var logged = (await host.RequestsAsync(OpenAiHost.KeyB, "embeddings"))[0].GetProperty("body");
        using var response = await PostAsync(new { model = "text-embedding-3-small", input = new[] { "encoding check" }, dimensions = 8 });
        var floats = (await OpenAiHost.JsonAsync(response))
            .GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();

        OpenAIEmbedding decoded = await Client().GenerateEmbeddingAsync("encoding check", new EmbeddingGenerationOptions { Dimensions = 8 });

        Assert.Equal("base64", logged.GetProperty("encoding_format").GetString());
        Assert.Equal(floats, decoded.ToFloats().ToArray());
    }

    [Fact]
    public async Task More_than_2048_inputs_are_refused()
    {
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client().GenerateEmbeddingsAsync(Enumerable.Range(0, 2049).Select(i => $"text {i}")));
        OpenAIEmbeddingCollection accepted = await Client().GenerateEmbeddingsAsync(Enumerable.Range(0, 2048).Select(i => $"text {i}"),
            new EmbeddingGenerationOptions { Dimensions = 8 });

        Assert.Equal(400, refused.Status);
        Assert.Contains("maximum length 2048", refused.Message);
        Assert.Equal(2048, accepted.Count);
    }

    [Fact]
    public async Task Dimensions_on_a_model_that_cannot_shorten_are_refused()
    {
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client("text-embedding-ada-002").GenerateEmbeddingAsync("x", new EmbeddingGenerationOptions { Dimensions = 64 }));
        var tooMany = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client().GenerateEmbeddingAsync("x", new EmbeddingGenerationOptions { Dimensions = 1537 }));
        OpenAIEmbedding native = await Client("text-embedding-ada-002").GenerateEmbeddingAsync("x");

        Assert.Equal(400, refused.Status);
        Assert.Contains("does not support specifying dimensions", refused.Message);
        Assert.Equal(400, tooMany.Status);
        Assert.Equal(1536, native.ToFloats().Length);
    }

    [Fact]
    public async Task Empty_input_is_refused()
    {
        // The SDK refuses an empty string itself; a client of another make reaches the API with it.
        using var refused = await PostAsync(new { model = "text-embedding-3-small", input = "" });
        using var accepted = await PostAsync(new { model = "text-embedding-3-small", input = "x" });

        Assert.Equal(400, (int)refused.StatusCode);
        Assert.Contains("'$.input' is invalid", (await OpenAiHost.JsonAsync(refused)).GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(200, (int)accepted.StatusCode);
    }

    private Task<HttpResponseMessage> PostAsync(object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host.BaseUrl, "v1/embeddings"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OpenAiHost.Key);
        request.Content = JsonContent.Create(body);
        return host.Client.SendAsync(request);
    }
}
