namespace TypedTasks;

/// <summary>What <see cref="TaskHandle.RevokeAsync"/> does to an attempt that is already running.</summary>
public enum RevokeMode
{
    /// <summary>Workers do not start the task; an attempt already running finishes (Celery's <c>revoke</c>).</summary>
    Revoke,

    /// <summary>As <see cref="Revoke"/>, and a running attempt's cancellation token is cancelled too (Celery's
    /// <c>revoke(terminate=True)</c>; the task must observe its token).</summary>
    Terminate,
}
