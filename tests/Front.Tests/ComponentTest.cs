using System.Globalization;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace MultichannelMessages.Front.Tests;

/// <summary>bUnit with the console's real resources, in English unless a test says otherwise.</summary>
public abstract class ComponentTest : BunitContext
{
    // A wait passes as soon as its assertion does; the default second is too short when CI runs every test project on two
    // shared cores (AiAssistTests' suggestion list missed it once). Checks that something does not happen wait on their own.
    static ComponentTest() => DefaultWaitTimeout = TimeSpan.FromSeconds(10);

    protected ComponentTest(string culture = "en")
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
        Services.AddLocalization();
        // The composer writes its textarea only when the draft changed on the server's side (Composer.razor); tests
        // that look at those writes read JSInterop.Invocations["mm.setComposer"].
        JSInterop.SetupVoid("mm.setComposer", _ => true);
    }
}
