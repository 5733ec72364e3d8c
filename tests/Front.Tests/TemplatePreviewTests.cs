using System.Text.Json;
using Bunit;
using MultichannelMessages.Front.Components.Chats;
using MultichannelMessages.Front.Components.Templates;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Tests;

public sealed class TemplatePreviewTests : ComponentTest
{
    private static readonly JsonElement Components = JsonDocument.Parse("""
        [{"type":"HEADER","format":"TEXT","text":"Order {{1}}","example":{"header_text":["4411"]}},
         {"type":"BODY","text":"Hi {{1}}, order {{2}} ships today. {{1}}, thanks!","example":{"body_text":[["Ana","4411"]]}},
         {"type":"FOOTER","text":"Lucky Shrub"},
         {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Thanks"},{"type":"URL","text":"Track","url":"https://shop.example/t/{{1}}","example":["https://shop.example/t/4411"]}]}]
        """).RootElement;

    [Fact]
    public void The_model_lists_every_variable_a_send_must_fill_with_its_example()
    {
        var model = TemplateModel.From(Components);

        Assert.Equal(["header", "1", "2", "button.1"], model.Variables.Select(v => v.Key).ToArray());
        Assert.Equal("Ana", model.Variables.Single(v => v.Key == "1").Example);
        Assert.Equal("4411", model.Variables.Single(v => v.Key == "header").Example);
    }

    [Fact]
    public void The_preview_substitutes_values_live_and_shows_what_is_still_missing()
    {
        var values = new Dictionary<string, string> { ["header"] = "98765", ["1"] = "Lucía" };
        var cut = Render<TemplatePreview>(p => p.Add(c => c.Model, TemplateModel.From(Components)).Add(c => c.Values, values));

        Assert.Equal("Order 98765", cut.Find("[data-testid=preview-header]").TextContent);
        Assert.Equal("Hi Lucía, order {{2}} ships today. Lucía, thanks!", cut.Find("[data-testid=preview-body]").TextContent);
        Assert.Equal("Lucky Shrub", cut.Find("[data-testid=preview-footer]").TextContent);
        Assert.Equal(["Thanks", "Track"], cut.FindAll("[data-testid=preview-button]").Select(b => b.TextContent).ToArray());

        values["2"] = "98765";
        values["button.1"] = "98765";
        cut.Render(p => p.Add(c => c.Values, values));
        Assert.Equal("Hi Lucía, order 98765 ships today. Lucía, thanks!", cut.Find("[data-testid=preview-body]").TextContent);
        Assert.Equal("https://shop.example/t/98765", cut.FindAll("[data-testid=preview-button]")[1].GetAttribute("title"));
    }

    [Fact]
    public void A_media_header_shows_its_kind_and_named_variables_fill_by_name()
    {
        var named = JsonDocument.Parse("""
            [{"type":"HEADER","format":"IMAGE","example":{"header_handle":["https://x.example/a.png"]}},
             {"type":"BODY","text":"Hola {{first_name}}","example":{"body_text_named_params":[{"param_name":"first_name","example":"Ana"}]}}]
            """).RootElement;
        var cut = Render<TemplatePreview>(p => p.Add(c => c.Model, TemplateModel.From(named))
            .Add(c => c.Values, new Dictionary<string, string> { ["first_name"] = "Lucía" }));

        Assert.Equal("[Image]", cut.Find("[data-testid=preview-header]").TextContent);
        Assert.Equal("Hola Lucía", cut.Find("[data-testid=preview-body]").TextContent);
    }

    [Fact]
    public void The_composer_offers_the_template_mode_on_whatsapp_only()
    {
        var conversation = new ConversationItem(1, "whatsapp", 1, "Demo", 1, "Ana", "346", null, null, "open", DateTime.UtcNow, null, null, null, 0, null, null);
        var free = Render<Composer>(p => p.Add(c => c.ProjectId, 1L).Add(c => c.Conversation, conversation));
        Assert.NotEmpty(free.FindAll("[data-testid=composer-mode-text]"));
        Assert.NotEmpty(free.FindAll("[data-testid=composer-text]"));

        var messenger = Render<Composer>(p => p.Add(c => c.ProjectId, 1L).Add(c => c.Conversation, conversation with { Channel = "messenger" }));
        Assert.Empty(messenger.FindAll("[data-testid=composer-modes]"));
    }
}
