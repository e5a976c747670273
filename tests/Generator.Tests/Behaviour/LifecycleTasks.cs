namespace TypedTasks.Generator.Tests.Behaviour;

public class QuotaException(string message) : Exception(message);

public sealed class HardQuotaException(string message) : QuotaException(message);

public static partial class LifecycleTasks
{
    [Task(
        Queue = "email",
        MaxRetries = 5,
        DefaultRetryDelay = "00:00:30",
        RetryBackoff = true,
        RetryBackoffBase = "00:00:02",
        RetryBackoffMax = "00:10:00",
        RetryJitter = false,
        AutoRetryFor = [typeof(HttpRequestException), typeof(TimeoutException), typeof(QuotaException)],
        SoftTimeLimit = "00:01:00",
        TimeLimit = "00:01:30",
        Expires = "1.00:00:00")]
    public static void Send(string to)
    {
    }

    [Task(RateLimit = "10/s")]
    public static void PerSecond()
    {
    }

    [Task(RateLimit = "100/m")]
    public static void PerMinute()
    {
    }

    [Task(RateLimit = "1000/h")]
    public static void PerHour()
    {
    }

    [Task]
    public static void Plain()
    {
    }

    [Task]
    public static int WhichAttempt(int offset, TaskContext context, CancellationToken ct) => context.Attempt + offset;

    [Task]
    public static Task RetryLater(TaskContext context) => throw context.Retry(TimeSpan.FromSeconds(5));
}
