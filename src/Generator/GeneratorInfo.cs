namespace TypedTasks.Generator;

internal static class GeneratorInfo
{
    public const string Name = "TypedTasks.Generator";

    // Fixed, so that output is deterministic; snapshot tests normalise it to %VERSION%.
    public const string Version = "0.1.0";

    public const string GeneratedCodeAttribute = "[global::System.CodeDom.Compiler.GeneratedCode(\"" + Name + "\", \"" + Version + "\")]";
}
