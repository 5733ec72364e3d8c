using System.Globalization;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace MultichannelMessages.Front.Tests;

/// <summary>bUnit with the console's real resources, in English unless a test says otherwise.</summary>
public abstract class ComponentTest : BunitContext
{
    protected ComponentTest(string culture = "en")
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
        Services.AddLocalization();
    }
}
