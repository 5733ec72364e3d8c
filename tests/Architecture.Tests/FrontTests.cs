namespace MultichannelMessages.Architecture.Tests;

/// <summary>The Front is a console over the Core API: no database driver, no Dapper, no AWS SDK in it or in anything it takes along.</summary>
public sealed class FrontTests
{
    [Fact]
    public void No_Front_type_uses_Npgsql_Dapper_or_the_AWS_SDK() =>
        Assert.Empty(Rules.TypesUsing(Built.Dll("Front"), Rules.DataAccessNamespaces));

    [Fact]
    public void Nothing_the_Front_references_reaches_Npgsql_Dapper_or_the_AWS_SDK() =>
        Assert.Empty(Rules.ReachableAssemblies(Built.Dll("Front"), Rules.DataAccessAssemblies));

    [Fact]
    public void No_package_in_the_Front_dependency_graph_is_Npgsql_Dapper_or_the_AWS_SDK() =>
        Assert.Empty(Rules.PackagesInGraph(Built.Dll("Front"), Rules.DataAccessAssemblies));

    [Fact]
    public void The_Front_ships_no_Npgsql_Dapper_or_AWS_SDK_file() =>
        Assert.DoesNotContain(Directory.GetFiles(Path.GetDirectoryName(Built.Dll("Front"))!, "*.dll").Select(Path.GetFileName),
            f => Rules.DataAccessAssemblies.Any(p => f!.StartsWith(p, StringComparison.OrdinalIgnoreCase)));

    // Positive controls: the same checks on the Core API, which does use the database, report it.

    [Fact]
    public void The_type_check_reports_the_Core_API_types_that_use_Npgsql_and_Dapper() =>
        Assert.Contains(Rules.TypesUsing(Built.Dll("CoreApi"), Rules.DataAccessNamespaces), t => t.StartsWith("MultichannelMessages.CoreApi.", StringComparison.Ordinal));

    [Fact]
    public void The_reference_check_reports_Npgsql_Dapper_and_the_AWS_SDK_behind_the_Core_API() =>
        AssertAllDataAccess(Rules.ReachableAssemblies(Built.Dll("CoreApi"), Rules.DataAccessAssemblies));

    [Fact]
    public void The_graph_check_reports_Npgsql_Dapper_and_the_AWS_SDK_in_the_Core_API_graph() =>
        AssertAllDataAccess(Rules.PackagesInGraph(Built.Dll("CoreApi"), Rules.DataAccessAssemblies));

    [Fact]
    public void The_file_check_finds_Npgsql_beside_the_Core_API() =>
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(Built.Dll("CoreApi"))!, "Npgsql.dll")));

    private static void AssertAllDataAccess(string[] reported)
    {
        Assert.Contains("Npgsql", reported);
        Assert.Contains("Dapper", reported);
        Assert.Contains(reported, n => n.StartsWith("AWSSDK", StringComparison.Ordinal));
    }
}
