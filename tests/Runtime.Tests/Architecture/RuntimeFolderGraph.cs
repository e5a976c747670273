using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TypedTasks.Runtime.Tests.Architecture;

/// <summary>
/// Which folder of <c>src/Runtime</c> uses which: every name in a file is bound with Roslyn and counted against the
/// folder of the file that declares what it names (for a member, the file of that member, so partial types are exact).
/// Folders, not namespaces, because public types live in the root namespace <c>TypedTasks</c> whatever their stage.
/// </summary>
internal sealed class RuntimeFolderGraph
{
    public const string RootFolder = "(root)";

    private RuntimeFolderGraph(string runtimeDirectory, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> edges, IReadOnlyDictionary<string, string> typeFolders)
    {
        RuntimeDirectory = runtimeDirectory;
        Edges = edges;
        TypeFolders = typeFolders;
    }

    public string RuntimeDirectory { get; }

    /// <summary>Folder → the folders it uses, each with one example: "File.cs uses Name (Other/File.cs)".</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Edges { get; }

    /// <summary>Every type declared in the runtime → its folder; types declared in more than one folder are listed
    /// once per folder as "Type@Folder".</summary>
    public IReadOnlyDictionary<string, string> TypeFolders { get; }

    public static RuntimeFolderGraph Load()
    {
        var runtime = Path.Combine(RepositoryRoot(), "src", "Runtime");
        var parse = new CSharpParseOptions(LanguageVersion.Preview, preprocessorSymbols: ["NET", "NET8_0_OR_GREATER", "NET9_0_OR_GREATER", "NET10_0_OR_GREATER", "NET10_0"]);
        var trees = Directory.EnumerateFiles(runtime, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(runtime, f))
            .Order(StringComparer.Ordinal)
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, path: f))
            .ToList();

        // The runtime's own references are next to this test (project and package references are copied here).
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
            .Where(p => !Path.GetFileName(p).Equals("TypedTasks.dll", StringComparison.OrdinalIgnoreCase))
            .DistinctBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(p => MetadataReference.CreateFromFile(p))
            .ToList();
        var compilation = CSharpCompilation.Create(
            "TypedTasks.FolderGraph",
            trees,
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var edges = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var typeFolders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tree in trees)
        {
            var from = FolderOf(runtime, tree.FilePath);
            var model = compilation.GetSemanticModel(tree);
            var root = tree.GetRoot();
            foreach (var declaration in root.DescendantNodes().OfType<BaseTypeDeclarationSyntax>())
            {
                if (model.GetDeclaredSymbol(declaration) is { } type)
                {
                    var name = type.ToDisplayString();
                    if (typeFolders.TryGetValue(name, out var folder) && folder != from)
                    {
                        typeFolders[name + "@" + from] = from;
                    }
                    else
                    {
                        typeFolders[name] = from;
                    }
                }
            }

            foreach (var name in root.DescendantNodes().OfType<SimpleNameSyntax>())
            {
                var info = model.GetSymbolInfo(name);
                var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
                foreach (var file in DeclaringFiles(symbol))
                {
                    var to = FolderOf(runtime, file);
                    if (to == from)
                    {
                        continue;
                    }

                    if (!edges.TryGetValue(from, out var targets))
                    {
                        edges[from] = targets = new Dictionary<string, string>(StringComparer.Ordinal);
                    }

                    targets.TryAdd(to, $"{Relative(runtime, tree.FilePath)} uses {name.Identifier.ValueText} ({Relative(runtime, file)})");
                }
            }
        }

        return new RuntimeFolderGraph(
            runtime,
            edges.ToDictionary(e => e.Key, e => (IReadOnlyDictionary<string, string>)e.Value, StringComparer.Ordinal),
            typeFolders);
    }

    /// <summary>The strongly connected components with more than one folder: each is a cycle.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = 0;
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var indices = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var cycles = new List<IReadOnlyList<string>>();
        var nodes = Edges.Keys.Concat(Edges.Values.SelectMany(v => v.Keys)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            if (!indices.ContainsKey(node))
            {
                Connect(node);
            }
        }

        return cycles;

        void Connect(string node)
        {
            indices[node] = low[node] = index++;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in Edges.TryGetValue(node, out var targets) ? targets.Keys : [])
            {
                if (!indices.ContainsKey(next))
                {
                    Connect(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], indices[next]);
                }
            }

            if (low[node] == indices[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                if (component.Count > 1)
                {
                    component.Sort(StringComparer.Ordinal);
                    cycles.Add(component);
                }
            }
        }
    }

    private static IEnumerable<string> DeclaringFiles(ISymbol? symbol)
    {
        if (symbol is null)
        {
            return [];
        }

        if (symbol is IMethodSymbol { ReducedFrom: { } extension })
        {
            symbol = extension;
        }

        symbol = symbol.OriginalDefinition;
        if (symbol is INamespaceSymbol or ITypeParameterSymbol or ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or ILabelSymbol)
        {
            return [];
        }

        // A member names the file it is declared in; a type every file that declares part of it.
        return symbol.DeclaringSyntaxReferences.Select(r => r.SyntaxTree.FilePath).Where(p => p.Length > 0).Distinct(StringComparer.Ordinal);
    }

    private static bool IsBuildOutput(string runtime, string file)
    {
        var relative = Relative(runtime, file);
        return relative.StartsWith("bin/", StringComparison.Ordinal) || relative.StartsWith("obj/", StringComparison.Ordinal);
    }

    private static string FolderOf(string runtime, string file)
    {
        var relative = Relative(runtime, file);
        var slash = relative.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? RootFolder : relative[..slash];
    }

    private static string Relative(string runtime, string file) => Path.GetRelativePath(runtime, file).Replace('\\', '/');

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TypedTasks.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("TypedTasks.sln not found above " + AppContext.BaseDirectory);
    }
}
