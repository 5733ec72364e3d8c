using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>
/// Meta posts at any rate, in any order, twice, and a proxy or a bug on either side can mangle a body: 10,000 signed,
/// mutated copies of the real payloads in tests/fixtures/meta (truncated, values of another type, huge strings and
/// numbers, nesting thousands deep, wrong encodings, flipped bytes, unknown, missing and repeated fields) go through the
/// real endpoint and database. None may get a 5xx, every one is kept raw, and the service still ingests a good payload
/// afterwards. The mutations are drawn from a seed (MM_FUZZ_SEED overrides it), printed with any failure, so a failure
/// reproduces.
/// </summary>
public sealed class MutatedPayloadFuzzTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    private const int Count = 10_000;
    private const int DefaultSeed = 20261204;

    private static readonly string[] Kinds =
    [
        "truncate", "type_swap", "type_swap", "null_value", "huge_string", "huge_number", "deep_nesting", "wrong_encoding",
        "invalid_utf8", "byte_flip", "unknown_fields", "unknown_fields", "remove_field", "duplicate_key", "repeat_array",
    ];

    [Fact]
    public async Task Ten_thousand_signed_mutated_real_payloads_never_get_a_5xx_are_all_kept_raw_and_the_service_still_ingests()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("MM_FUZZ_SEED"), out var s) ? s : DefaultSeed;
        var random = new Random(seed);
        var root = Path.Combine(AppContext.BaseDirectory, "fixtures", "meta");
        var originals = Directory.GetFiles(root, "*.json", SearchOption.AllDirectories).Order().Select(File.ReadAllBytes).ToArray();
        Assert.True(originals.Length >= 50, "the real payloads are there");
        var bodies = Enumerable.Range(0, Count).Select(_ =>
        {
            var kind = Kinds[random.Next(Kinds.Length)];
            return (Kind: kind, Body: Mutator.Mutate(kind, originals[random.Next(originals.Length)], random));
        }).ToArray();
        // The mutations really are bad input: most are no longer a payload the parser reads whole.
        Assert.True(bodies.Count(b => !IsJson(b.Body)) > Count / 5, "a fifth or more is not even JSON");

        var refused = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            using var response = await host.PostAsync(bodies[i].Body);
            if (response.StatusCode != HttpStatusCode.OK)
                refused.Add($"#{i} {bodies[i].Kind} ({bodies[i].Body.Length} bytes): {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        });
        Assert.True(refused.IsEmpty, $"seed {seed}: {refused.Count} signed bodies were not answered 200 (none may be a 5xx):\n"
            + string.Join("\n", refused.Take(20)));

        // Every signed body is kept raw (identical mutations are one event: the raw store dedupes by hash).
        var hashes = bodies.Select(b => SHA256.HashData(b.Body)).DistinctBy(Convert.ToHexString).ToArray();
        var kept = await host.ScalarAsync<long>("select count(*) from meta.webhook_events where event_hash = any(@hashes)", new { hashes });
        Assert.True(kept == hashes.Length, $"seed {seed}: {hashes.Length - kept} of {hashes.Length} distinct signed bodies were not kept raw");
        Assert.True(await host.ScalarAsync<long>("select count(*) from meta.webhook_events where event_hash = any(@hashes) and parse_status = 'parse_error'",
            new { hashes }) > 0, "the unparseable ones are kept as parse errors");

        // Still working: a good message after the storm is normalized into the inbox.
        var wamid = "wamid.fuzz-after-" + Guid.NewGuid().ToString("N");
        var good = Encoding.UTF8.GetString(Fixture.Bytes(Path.Combine("whatsapp", "doc_msg_interactive_button_reply.json")))
            .Replace("\"wamid.", $"\"{wamid}.", StringComparison.Ordinal);
        using var last = await host.PostAsync(good);
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id like @prefix", new { prefix = wamid + "%" }));
    }

    private static bool IsJson(byte[] body)
    {
        try
        {
            using var _ = JsonDocument.Parse(body);
            return true;
        }
        catch (JsonException) { return false; }
    }

    /// <summary>The mutations, each from a real payload and the seeded random.</summary>
    private static class Mutator
    {
        public static byte[] Mutate(string kind, byte[] original, Random random)
        {
            JsonNode node;
            try { node = JsonNode.Parse(original)!; }
            catch (JsonException) { return original[..random.Next(1, original.Length)]; }
            switch (kind)
            {
                case "truncate":
                    return original[..random.Next(1, original.Length)];
                case "byte_flip":
                {
                    var copy = (byte[])original.Clone();
                    for (var i = random.Next(1, 6); i > 0; i--) copy[random.Next(copy.Length)] = (byte)random.Next(256);
                    return copy;
                }
                case "wrong_encoding":
                {
                    var text = Encoding.UTF8.GetString(original);
                    return random.Next(3) switch
                    {
                        0 => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)],
                        1 => Encoding.BigEndianUnicode.GetBytes(text),
                        // Latin-1: a value's accents as single bytes, which UTF-8 does not allow.
                        _ => Encoding.Latin1.GetBytes(text.IndexOf(": \"", StringComparison.Ordinal) is var at and >= 0
                            ? text.Insert(at + 3, "ñandú, camión ") : text + "ñ"),
                    };
                }
                case "invalid_utf8":
                {
                    var text = Encoding.UTF8.GetString(original);
                    var at = text.IndexOf(": \"", StringComparison.Ordinal) is var i and >= 0 ? i + 3 : text.Length / 2;
                    byte[][] bad = [[0xC3, 0x28], [0xFF, 0xFE], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80]];
                    return [.. Encoding.UTF8.GetBytes(text[..at]), .. bad[random.Next(bad.Length)], .. Encoding.UTF8.GetBytes(text[at..])];
                }
                case "deep_nesting":
                {
                    var depth = random.Next(70, 5_000);
                    var open = random.Next(2) == 0 ? "[" : "{\"a\":";
                    var close = open == "[" ? "]" : "}";
                    var deep = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
                    Replace(Pick(Values(node), random), JsonNode.Parse("0")!);
                    return Encoding.UTF8.GetBytes(node.ToJsonString().Replace(":0", ":" + deep, StringComparison.Ordinal));
                }
                case "type_swap":
                {
                    var value = Pick(Values(node), random);
                    Replace(value, Other(value, random));
                    break;
                }
                case "null_value":
                    Replace(Pick(Values(node), random), null);
                    break;
                case "huge_string":
                    Replace(Pick(Values(node).Where(v => v.GetValueKind() == JsonValueKind.String), random) ?? Pick(Values(node), random),
                        JsonValue.Create(new string("aé漢😀 "[random.Next(5)], random.Next(16_000, 64_000))));
                    break;
                case "huge_number":
                {
                    string[] numbers = ["1e400", "-1e400", "123456789012345678901234567890", "-0", "0.0000000000000000000000001", "9223372036854775808"];
                    Replace(Pick(Values(node), random), JsonNode.Parse(numbers[random.Next(numbers.Length)]));
                    break;
                }
                case "unknown_fields":
                    foreach (var obj in Objects(node).OrderBy(_ => random.Next()).Take(random.Next(1, 5)))
                        obj["x_unknown_" + random.Next(1000)] = random.Next(3) switch
                        {
                            0 => JsonValue.Create("surprise"),
                            1 => new JsonArray(1, "two", null),
                            _ => new JsonObject { ["nested"] = new JsonObject { ["deeper"] = true } },
                        };
                    break;
                case "remove_field":
                    foreach (var obj in Objects(node).Where(o => o.Count > 0).OrderBy(_ => random.Next()).Take(random.Next(1, 3)))
                        obj.Remove(obj.ElementAt(random.Next(obj.Count)).Key);
                    break;
                case "duplicate_key":
                {
                    var text = node.ToJsonString();
                    var at = text.IndexOf("\"id\":", StringComparison.Ordinal);
                    return Encoding.UTF8.GetBytes(at < 0 ? text : text.Insert(at, "\"id\":\"dup-" + random.Next(1000) + "\","));
                }
                case "repeat_array":
                    if (Arrays(node).Where(a => a.Count > 0).OrderBy(_ => random.Next()).FirstOrDefault() is { } array)
                        for (var i = random.Next(2, 40); i > 0; i--) array.Add(array[0]?.DeepClone());
                    break;
            }
            return Encoding.UTF8.GetBytes(node.ToJsonString());
        }

        private static IEnumerable<JsonNode> All(JsonNode? node)
        {
            if (node is null) yield break;
            yield return node;
            var children = node switch
            {
                JsonObject o => o.Select(p => p.Value),
                JsonArray a => a.AsEnumerable(),
                _ => [],
            };
            foreach (var child in children.ToList())
                foreach (var n in All(child)) yield return n;
        }

        private static List<JsonNode> Values(JsonNode node) => All(node).Where(n => n.Parent is not null).ToList();
        private static List<JsonObject> Objects(JsonNode node) => All(node).OfType<JsonObject>().ToList();
        private static List<JsonArray> Arrays(JsonNode node) => All(node).OfType<JsonArray>().ToList();

        private static JsonNode? Pick(IEnumerable<JsonNode> nodes, Random random)
        {
            var list = nodes.ToList();
            return list.Count == 0 ? null : list[random.Next(list.Count)];
        }

        /// <summary>A value of another JSON type than the node's.</summary>
        private static JsonNode? Other(JsonNode? node, Random random)
        {
            JsonNode?[] choices = [JsonValue.Create("text"), JsonValue.Create(42), JsonValue.Create(-3.5), JsonValue.Create(true),
                new JsonArray("a", 1), new JsonObject { ["k"] = "v" }, null];
            var kind = node?.GetValueKind();
            var others = choices.Where(c => c?.GetValueKind() != kind).ToArray();
            return others[random.Next(others.Length)]?.DeepClone();
        }

        private static void Replace(JsonNode? target, JsonNode? with)
        {
            switch (target?.Parent)
            {
                case JsonObject parent:
                    parent[target.GetPropertyName()] = with;
                    break;
                case JsonArray parent:
                    parent[target.GetElementIndex()] = with;
                    break;
            }
        }
    }
}
