namespace MultichannelMessages.Architecture.Tests;

/// <summary>The webhook parsers are pure functions of a payload (tested on real payloads): no database, network, files,
/// web host or logging. And the contracts are plain records every client can take: nothing but the base class library.</summary>
public sealed class PurityTests
{
    [Fact]
    public void The_Meta_parsers_use_no_database_network_file_web_host_or_logging() =>
        Assert.Empty(Rules.TypesUsing(Built.Dll("Platform"), Rules.ImpureNamespaces, Rules.Parsing));

    [Fact]
    public void The_parser_check_sees_the_parsers() =>
        Assert.NotEmpty(NetArchTest.Rules.Types.FromFile(Built.Dll("Platform")).That().ResideInNamespace(Rules.Parsing).GetTypes());

    [Fact]
    public void The_contracts_reference_nothing_but_the_base_class_library() =>
        Assert.Empty(Rules.BeyondTheBcl(Built.Dll("Contracts")));

    [Fact]
    public void The_contracts_ship_alone() =>
        Assert.Equal(["Contracts.dll"], Directory.GetFiles(Path.GetDirectoryName(Built.Dll("Contracts"))!, "*.dll").Select(Path.GetFileName));

    // Positive controls: the same checks on code that does touch the outside world report it.

    [Fact]
    public void The_purity_check_reports_the_database_and_the_file_store_in_Platform()
    {
        Assert.NotEmpty(Rules.TypesUsing(Built.Dll("Platform"), Rules.ImpureNamespaces, "MultichannelMessages.Platform.Database"));
        Assert.Contains("MultichannelMessages.Platform.Media.FileSystemMediaStore",
            Rules.TypesUsing(Built.Dll("Platform"), Rules.ImpureNamespaces, "MultichannelMessages.Platform.Media"));
    }

    [Fact]
    public void The_base_class_library_check_reports_what_the_service_basics_reference() =>
        Assert.Contains(Rules.BeyondTheBcl(Built.Dll("Platform.Hosting")), n => n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
}
