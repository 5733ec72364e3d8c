namespace MultichannelMessages.Architecture.Tests;

/// <summary>No service references another service: each takes only the shared libraries (Platform, Platform.Hosting,
/// Contracts). In particular the Worker's Graph client stays in the Worker: the Core API and the Webhook API never call Meta.</summary>
public sealed class ServiceBoundaryTests
{
    public static TheoryData<string> Services => [.. Built.Services];

    [Theory]
    [MemberData(nameof(Services))]
    public void A_service_references_only_the_shared_libraries_of_this_repository(string service) =>
        Assert.Empty(Rules.ProjectReferencesBeyond(Built.Dll(service), Built.SharedLibraries));

    [Theory]
    [InlineData("CoreApi")]
    [InlineData("WebhookApi")]
    public void The_Core_API_and_the_Webhook_API_reach_no_Worker_assembly(string service) =>
        Assert.DoesNotContain("Worker", Built.ReferenceClosure(Built.Dll(service)));

    [Theory]
    [InlineData("CoreApi")]
    [InlineData("WebhookApi")]
    public void No_Core_API_or_Webhook_API_type_uses_the_Worker_Graph_client(string service) =>
        Assert.Empty(Rules.TypesUsing(Built.Dll(service), [Rules.WorkerGraph, "MultichannelMessages.Worker"]));

    // Positive controls: the same checks report a reference and a use that are there.

    [Fact]
    public void The_reference_check_reports_Platform_when_the_Worker_is_allowed_nothing() =>
        Assert.Contains("Platform", Rules.ProjectReferencesBeyond(Built.Dll("Worker"), []));

    [Fact]
    public void The_type_check_reports_the_Worker_types_that_use_its_Graph_client() =>
        Assert.Contains(Rules.TypesUsing(Built.Dll("Worker"), [Rules.WorkerGraph]), t => !t.StartsWith(Rules.WorkerGraph, StringComparison.Ordinal));
}
