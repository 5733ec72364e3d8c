using NetArchTest.Rules;

namespace MultichannelMessages.Architecture.Tests;

/// <summary>The checks, each returning what breaks it (empty: the rule holds), so a test can assert both that a rule
/// holds where it must and that the same check reports a known breach.</summary>
public static class Rules
{
    /// <summary>Namespaces of the database driver, the micro-ORM and the AWS SDK.</summary>
    public static readonly string[] DataAccessNamespaces = ["Npgsql", "Dapper", "Amazon"];

    /// <summary>Their assemblies (AWSSDK.Core, AWSSDK.S3…), by name prefix.</summary>
    public static readonly string[] DataAccessAssemblies = ["Npgsql", "Dapper", "AWSSDK"];

    /// <summary>What a parser may not touch: the database, the network, files, the web host, logging.</summary>
    public static readonly string[] ImpureNamespaces = ["Npgsql", "Dapper", "Amazon", "System.Net.Http", "System.Net.Sockets", "System.IO.File",
        "System.IO.Directory", "Microsoft.AspNetCore", "Microsoft.Extensions.Logging", "Serilog"];

    public const string Parsing = "MultichannelMessages.Platform.Meta.Parsing";
    public const string WorkerGraph = "MultichannelMessages.Worker.Graph";

    /// <summary>Types of the assembly (optionally of one namespace) that use any of the namespaces.</summary>
    public static string[] TypesUsing(string assembly, string[] namespaces, string? inNamespace = null)
    {
        var types = Types.FromFile(assembly);
        var result = (inNamespace is null ? types.Should() : types.That().ResideInNamespace(inNamespace).Should())
            .NotHaveDependencyOnAny(namespaces).GetResult();
        return result.IsSuccessful ? [] : [.. result.FailingTypes.Select(t => t.FullName).Order()];
    }

    /// <summary>Assemblies reachable from this one (through the repository's own) whose names start with a prefix.</summary>
    public static string[] ReachableAssemblies(string assembly, string[] prefixes) =>
        [.. Built.ReferenceClosure(assembly).Where(n => prefixes.Any(p => n.StartsWith(p, StringComparison.OrdinalIgnoreCase))).Order()];

    /// <summary>Packages of the assembly's whole dependency graph (its deps.json) whose names start with a prefix.</summary>
    public static string[] PackagesInGraph(string assembly, string[] prefixes) =>
        [.. Built.DependencyGraph(assembly).Where(n => prefixes.Any(p => n.StartsWith(p, StringComparison.OrdinalIgnoreCase))).Order()];

    /// <summary>The repository's assemblies this one references directly, other than the allowed ones.</summary>
    public static string[] ProjectReferencesBeyond(string assembly, string[] allowed) =>
        [.. Built.References(assembly).Where(n => Built.ProjectAssemblies.Contains(n) && !allowed.Contains(n)).Order()];

    /// <summary>Referenced assemblies that are not the base class library (System.*, netstandard, mscorlib).</summary>
    public static string[] BeyondTheBcl(string assembly) =>
        [.. Built.References(assembly).Where(n => n is not ("System" or "netstandard" or "mscorlib") && !n.StartsWith("System.", StringComparison.Ordinal)).Order()];
}
