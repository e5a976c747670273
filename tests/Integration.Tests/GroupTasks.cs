namespace TypedTasks.Integration.Tests;

/// <summary>Members of the group tests (issue 12).</summary>
public static partial class GroupTasks
{
    [Task]
    public static int Square(int value) => value * value;

    [Task(MaxRetries = 0)]
    public static int SquareOrFail(int value, int failOn)
        => value == failOn ? throw new InvalidOperationException($"member {value} failed on purpose") : value * value;
}
