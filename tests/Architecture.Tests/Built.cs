using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;

namespace MultichannelMessages.Architecture.Tests;

/// <summary>The solution's assemblies as built: each read from its project's own output folder (bin/&lt;Configuration&gt;/net10.0),
/// with its references read from metadata, so nothing is loaded into the test process.</summary>
public static class Built
{
    /// <summary>The assemblies this repository builds (assembly name = project name).</summary>
    public static readonly string[] ProjectAssemblies = ["CoreApi", "WebhookApi", "Worker", "Front", "Migrator", "MetaSandbox", "Platform",
        "Platform.Hosting", "Contracts"];

    public static readonly string[] Services = ["CoreApi", "WebhookApi", "Worker", "Front", "Migrator"];

    /// <summary>What a service may reference of this repository: the shared libraries, never another service.</summary>
    public static readonly string[] SharedLibraries = ["Platform", "Platform.Hosting", "Contracts"];

    private static readonly string Configuration =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<Configuration>/net10.0

    public static string Dll(string project) =>
        System.IO.Path.Combine(RepoRoot(), "src", project, "bin", Configuration, "net10.0", project + ".dll");

    /// <summary>The packages and projects a service's build output was resolved with (the <c>libraries</c> of its
    /// deps.json), by name: the whole dependency graph, third-party packages' own dependencies included.</summary>
    public static IReadOnlyList<string> DependencyGraph(string file)
    {
        using var deps = JsonDocument.Parse(File.ReadAllText(System.IO.Path.ChangeExtension(file, ".deps.json")));
        return [.. deps.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name.Split('/')[0])];
    }

    /// <summary>The names an assembly file references directly (its metadata's AssemblyRef table).</summary>
    public static IReadOnlyList<string> References(string file)
    {
        using var stream = File.OpenRead(file);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        return [.. metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name))];
    }

    /// <summary>Every assembly name reachable from <paramref name="file"/> through this repository's assemblies: the
    /// project assemblies are followed (found beside the root, as they ship), third-party ones are listed, not opened.</summary>
    public static IReadOnlySet<string> ReferenceClosure(string file)
    {
        var folder = System.IO.Path.GetDirectoryName(file)!;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>([file]);
        while (pending.TryPop(out var next))
            foreach (var name in References(next))
            {
                if (!seen.Add(name) || !ProjectAssemblies.Contains(name)) continue;
                var beside = System.IO.Path.Combine(folder, name + ".dll");
                pending.Push(File.Exists(beside) ? beside : Dll(name));
            }
        return seen;
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "MultichannelMessages.sln"))) return dir.FullName;
        throw new InvalidOperationException("Repository root (MultichannelMessages.sln) not found above " + AppContext.BaseDirectory);
    }
}
