using Microsoft.Extensions.Logging;

namespace TypedTasks.Worker;

/// <summary>The worker's log messages. Event ids 200–299.</summary>
internal static partial class Log
{
    [LoggerMessage(200, LogLevel.Information, "Worker {Worker} serving queues {Queues} with {Concurrency} slots, prefetch {Prefetch}")]
    public static partial void Started(ILogger logger, string worker, string queues, int concurrency, string prefetch);

    [LoggerMessage(201, LogLevel.Warning, "Cannot reach NATS or set up JetStream yet; retrying")]
    public static partial void StartupRetry(ILogger logger, Exception exception);

    [LoggerMessage(202, LogLevel.Information, "Worker stopping: waiting up to {Grace} for {Running} running tasks")]
    public static partial void Stopping(ILogger logger, TimeSpan grace, int running);

    [LoggerMessage(203, LogLevel.Warning, "Grace period over: cancelling running tasks; they go back to the queue")]
    public static partial void CancellingRunning(ILogger logger);

    [LoggerMessage(204, LogLevel.Information, "Worker stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(210, LogLevel.Debug, "Task {TaskName}[{TaskId}] succeeded")]
    public static partial void Succeeded(ILogger logger, string taskName, string taskId);

    [LoggerMessage(211, LogLevel.Warning, "Task {TaskName}[{TaskId}] failed")]
    public static partial void Failed(ILogger logger, string taskName, string taskId, Exception exception);

    [LoggerMessage(212, LogLevel.Error, "Dead-lettered a message on queue {Queue} (task {TaskName}[{TaskId}]): {Reason}")]
    public static partial void DeadLettered(ILogger logger, string queue, string? taskName, string? taskId, string reason);

    [LoggerMessage(213, LogLevel.Error, "Could not settle task {TaskName}[{TaskId}]; it stays unacked and will be redelivered")]
    public static partial void SettleFailed(ILogger logger, string? taskName, string? taskId, Exception exception);

    [LoggerMessage(214, LogLevel.Debug, "Task {TaskId} already has a final result; the duplicate delivery keeps it")]
    public static partial void DuplicateOutcome(ILogger logger, string taskId);

    [LoggerMessage(215, LogLevel.Warning, "Fetching from queue {Queue} failed; retrying")]
    public static partial void FetchFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(216, LogLevel.Debug, "Progress ack failed for a held message")]
    public static partial void ProgressAckFailed(ILogger logger, Exception exception);

    [LoggerMessage(223, LogLevel.Warning, "Could not hand a message back to the broker (NAK); it is redelivered after its AckWait")]
    public static partial void NakFailed(ILogger logger, Exception exception);

    [LoggerMessage(225, LogLevel.Error, "Gave up on a message on queue {Queue} (task {TaskName}[{TaskId}]): {Reason}")]
    public static partial void GaveUp(ILogger logger, string queue, string? taskName, string? taskId, string reason);

    [LoggerMessage(226, LogLevel.Error, "Could not dead-letter the message of task {TaskId}")]
    public static partial void DeadLetterFailed(ILogger logger, string? taskId, Exception exception);

    [LoggerMessage(227, LogLevel.Warning, "A message held on queue {Queue} (delivery {Deliveries}) was not started: its lease lapsed (no progress ack for a whole AckWait, or the server restarted since it was fetched); the broker redelivers it")]
    public static partial void LeaseLapsed(ILogger logger, string queue, ulong deliveries);

    [LoggerMessage(228, LogLevel.Warning, "Could not settle task {TaskName}[{TaskId}] (try {Attempt}): the server is out of reach; the outcome is kept and stored when it is back")]
    public static partial void SettleRetrying(ILogger logger, string? taskName, string? taskId, int attempt, Exception exception);

    [LoggerMessage(224, LogLevel.Warning, "Could not write the record of task {TaskId}")]
    public static partial void RecordWriteFailed(ILogger logger, string? taskId, Exception exception);

    [LoggerMessage(217, LogLevel.Information, "Task {TaskName}[{TaskId}] was cancelled by shutdown; handed back to the queue")]
    public static partial void Abandoned(ILogger logger, string? taskName, string? taskId);

    [LoggerMessage(218, LogLevel.Information, "Task {TaskName}[{TaskId}] failed ({Error}); attempt {NextAttempt} at {NextAttemptAt:O}")]
    public static partial void Retrying(ILogger logger, string taskName, string taskId, int nextAttempt, DateTimeOffset nextAttemptAt, string error, Exception? exception);

    [LoggerMessage(219, LogLevel.Error, "Preparing a task failed; it is handed back to the queue")]
    public static partial void RunFailed(ILogger logger, Exception exception);

    [LoggerMessage(220, LogLevel.Warning, "Writing the worker's heartbeat failed; trying again at the next beat")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(221, LogLevel.Warning, "Remote control stopped working; the worker runs on without it")]
    public static partial void ControlFailed(ILogger logger, Exception exception);

    [LoggerMessage(222, LogLevel.Information, "Worker {WorkerId}: shutdown requested by remote control")]
    public static partial void ShutdownRequested(ILogger logger, string workerId);

    [LoggerMessage(229, LogLevel.Warning, "Remote control: ignored a message on {Subject} ({Body}): {Reason}")]
    public static partial void ControlIgnored(ILogger logger, string subject, string body, string reason);

    [LoggerMessage(230, LogLevel.Warning, "Remote control: refused '{Command}' on {Subject}: {Reason}")]
    public static partial void ControlRefused(ILogger logger, string command, string subject, string reason);

    [LoggerMessage(231, LogLevel.Warning, "Remote control: could not answer a request on {Subject}; the worker keeps listening")]
    public static partial void ControlAnswerFailed(ILogger logger, string subject, Exception exception);

    [LoggerMessage(280, LogLevel.Information, "Periodic scheduler: {Count} schedules: {Schedules}")]
    public static partial void PeriodicStarted(ILogger logger, int count, string schedules);

    [LoggerMessage(281, LogLevel.Debug, "Periodic {Schedule}: sent {MessageId} as task {TaskId} (duplicate of another worker's copy: {Duplicate})")]
    public static partial void PeriodicSent(ILogger logger, string schedule, string messageId, string taskId, bool duplicate);

    [LoggerMessage(282, LogLevel.Warning, "Periodic {Schedule}: sending {MessageId} failed; retrying")]
    public static partial void PeriodicSendRetry(ILogger logger, string schedule, string messageId, Exception exception);

    [LoggerMessage(283, LogLevel.Error, "Periodic {Schedule}: could not send {MessageId}; other workers send their copies, and the next start-up catches up")]
    public static partial void PeriodicSendFailed(ILogger logger, string schedule, string messageId, Exception exception);

    [LoggerMessage(284, LogLevel.Warning, "Periodic {Schedule}: could not record the last occurrence sent")]
    public static partial void PeriodicRecordFailed(ILogger logger, string schedule, Exception exception);

    [LoggerMessage(285, LogLevel.Information, "Periodic {Schedule}: {Missed} occurrences missed while no worker ran; sending {Sending} (catch-up {CatchUp})")]
    public static partial void PeriodicCatchingUp(ILogger logger, string schedule, int missed, int sending, PeriodicCatchUp catchUp);

    [LoggerMessage(286, LogLevel.Warning, "Stream {Stream} keeps message ids for {Window} only: copies of a periodic occurrence sent further apart are stored twice (the second is then stopped by its task record, unless the task ignores its result); use a duplicate window of {Minimum} or more")]
    public static partial void PeriodicShortDuplicateWindow(ILogger logger, string stream, TimeSpan window, TimeSpan minimum);

    [LoggerMessage(288, LogLevel.Error, "Periodic scheduler failed; starting again in 2 s (it reads the schedules bucket and catches up; other workers keep sending)")]
    public static partial void PeriodicRestarting(ILogger logger, Exception exception);

    [LoggerMessage(287, LogLevel.Information, "Periodic {Schedule}: {Change} (record revision {Revision}, defined by {DefinedBy})")]
    public static partial void PeriodicChanged(ILogger logger, string schedule, string change, ulong revision, string? definedBy);

    [LoggerMessage(289, LogLevel.Warning, "Periodic: the record under key {Key} (revision {Revision}) is not sent: {Problem}; the schedule keeps what it had")]
    public static partial void PeriodicBadRecord(ILogger logger, string key, ulong revision, string problem);

    [LoggerMessage(290, LogLevel.Warning, "Periodic {Schedule}: this worker's code replaces the definition set at run time by {DefinedBy} ({Old}); change the code, or set it again after every start")]
    public static partial void PeriodicCodeReplacesApi(ILogger logger, string schedule, string? definedBy, string old);

    [LoggerMessage(292, LogLevel.Debug, "Periodic: no schedules bucket {Bucket} to watch ({Reason}); looking again in {Every}")]
    public static partial void PeriodicNoBucket(ILogger logger, string bucket, TimeSpan every, string reason);

    [LoggerMessage(291, LogLevel.Warning, "Periodic: more than {Max} schedules in the bucket; {Key} is not sent")]
    public static partial void PeriodicTooMany(ILogger logger, int max, string key);

    [LoggerMessage(293, LogLevel.Debug, "Chain {Chain}: step {Step} ({Task}) sent as task {Id}")]
    public static partial void ChainStepSent(ILogger logger, string chain, int step, string task, string id);

    [LoggerMessage(294, LogLevel.Information, "Chain {Chain} ended {State} at step {Step} ({Task})")]
    public static partial void ChainEnded(ILogger logger, string chain, string state, int step, string? task);

    [LoggerMessage(295, LogLevel.Information, "Chord {Group}: all {Members} members done; callback {Task} sent as task {Id}")]
    public static partial void ChordCompleted(ILogger logger, string group, int members, string task, string id);

    [LoggerMessage(296, LogLevel.Information, "Chord {Group} ended {State} at member {Index} ({Task}); the callback is not sent")]
    public static partial void ChordEnded(ILogger logger, string group, string state, int index, string? task);

    [LoggerMessage(299, LogLevel.Debug, "Chord read consumer {Consumer} not deleted (it expires on its own)")]
    public static partial void ChordConsumerNotDeleted(ILogger logger, string consumer, Exception exception);

    [LoggerMessage(298, LogLevel.Information, "{Workflow}: {Failed} failed; error callback {Task} sent as task {Id}")]
    public static partial void ErrorCallbackSent(ILogger logger, string workflow, string failed, string task, string id);

    [LoggerMessage(297, LogLevel.Debug, "Chord {Group}: {Count} of {Members} markers read; another member sent the callback already")]
    public static partial void ChordMarkersGone(ILogger logger, string group, int count, int members);
}
