namespace MultichannelMessages.OpenAiSandbox.Tests;

/// <summary>The JSON schemas the tests send, strict-valid unless named otherwise.</summary>
public static class Schemas
{
    public static BinaryData OrderStatus => BinaryData.FromString("""
        {"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"],"additionalProperties":false}
        """);

    /// <summary>The shape of the agent envelope: enum, array, nullable, number, boolean, nested object.</summary>
    public static BinaryData Envelope => BinaryData.FromString("""
        {"type":"object","properties":{
          "action":{"type":"string","enum":["reply","ask","handoff","resolve"]},
          "messages":{"type":"array","items":{"type":"string"}},
          "reason":{"type":["string","null"]},
          "confidence":{"type":"number"},
          "urgent":{"type":"boolean"},
          "summary":{"type":"string"},
          "measures":{"type":"object","properties":{"order_id":{"anyOf":[{"type":"string"},{"type":"null"}]}},"required":["order_id"],"additionalProperties":false}
        },"required":["action","messages","reason","confidence","urgent","summary","measures"],"additionalProperties":false}
        """);
}
