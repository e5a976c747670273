namespace TypedTasks;

/// <summary>
/// Marks a task parameter that the worker resolves from the DI scope of the execution instead of
/// reading it from the task's arguments. Such parameters are not part of the proxy's signature.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class FromServicesAttribute : Attribute
{
}
