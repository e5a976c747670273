namespace System.Runtime.CompilerServices;

// Records and init accessors on netstandard2.0 (CS0518).
internal static class IsExternalInit
{
}
