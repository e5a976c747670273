using System.Buffers;
using TypedTasks.Protocol;

namespace TypedTasks.Backend;

/// <summary>One run of a task as its records name it: which attempt, the how-manieth run of it, where and since when
/// (<paramref name="StartedAt"/> null when the task never started: revoked or expired before it, refused by the intake).</summary>
internal readonly record struct TaskRun(string Id, string TaskName, int Attempt, int Reruns, string Worker, DateTimeOffset? StartedAt);

/// <summary>
/// The result backend (Celery's <c>backends/base.py</c>): the one writer and reader of task records. Every state a
/// record can take is written here — PENDING at send, STARTED and progress while a run lasts, PENDING again on a
/// hand-back, RETRY, the final SUCCESS / FAILURE / REVOKED — under one rule: a final record is written once and never
/// replaced. The rule is built on create-new-key and compare-and-set, which are safe on replicated buckets where a
/// plain update is not (docs/nats.md, "Compare-and-set"). Subclasses only store bytes: NATS KV (<see cref="NatsResultBackend"/>) or this
/// process's memory for eager mode (<see cref="InMemoryResultBackend"/>).
/// </summary>
internal abstract class ResultBackend
{
    /// <summary>The largest record the store takes.</summary>
    protected virtual int MaxRecordBytes => int.MaxValue;

    /// <summary>Whether records are kept at all (<see cref="ResultBackendOptions.Enabled"/>); when not, writes do nothing.</summary>
    public abstract bool Enabled { get; }

    /// <summary>Whether senders write workflows' records (<see cref="ResultBackendOptions.RecordWorkflows"/>).</summary>
    public virtual bool RecordsWorkflows => Enabled;

    // ---- reading ----

    /// <summary>The task's record, or <see langword="null"/> when there is none.</summary>
    public async ValueTask<TaskResultRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        RequireEnabled();
        return await ReadAsync(id, cancellationToken).ConfigureAwait(false) is { } entry ? ResultRecordSerializer.Read(entry.Value) : null;
    }

    /// <summary>The task's record with its revision (for a compare-and-set that replaces it), or <see langword="null"/>.</summary>
    public async ValueTask<(TaskResultRecord Record, ulong Revision)?> GetEntryAsync(string id, CancellationToken cancellationToken)
        => Enabled && await ReadAsync(id, cancellationToken).ConfigureAwait(false) is { } entry ? (ResultRecordSerializer.Read(entry.Value), entry.Revision) : null;

    /// <summary>Waits for a final record. <paramref name="local"/> tells whether this process sent the task.</summary>
    public abstract Task<TaskResultRecord> WaitForFinalAsync(string id, bool local, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Removes the task's record.</summary>
    public abstract ValueTask ForgetAsync(string id, CancellationToken cancellationToken);

    // ---- writing: every state of a record ----

    /// <summary>PENDING for a task about to be sent (RecordPending), as a new key; its revision, or null when the id has a record already.</summary>
    public ValueTask<ulong?> MarkPendingAsync(string id, string taskName, DateTimeOffset sentAt, CancellationToken cancellationToken)
        => Enabled
            ? CreateAsync(id, ResultRecordSerializer.ToBytes(new TaskResultRecord { Id = id, TaskName = taskName, State = TaskState.Pending, SentAt = sentAt }), cancellationToken)
            : new((ulong?)null);

    /// <summary>
    /// STARTED for a run: <paramref name="revision"/> 0 creates the key (it exists: an earlier delivery started the task), a
    /// revision replaces that record by compare-and-set, null puts. Informational: returns null where it was not written.
    /// </summary>
    public async ValueTask<ulong?> TryMarkStartedAsync(TaskRun run, ulong? revision, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return null;
        }

        var bytes = ResultRecordSerializer.ToBytes(Record(run, TaskState.Started));
        try
        {
            return revision switch
            {
                null => await PutAsync(run.Id, bytes, cancellationToken).ConfigureAwait(false),
                0 => await CreateAsync(run.Id, bytes, cancellationToken).ConfigureAwait(false),
                { } expected => await UpdateAsync(run.Id, bytes, expected, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (ResultStoreException)
        {
            return null;
        }
    }

    /// <summary>STARTED with the run's progress; never over a final record. Returns the new revision.</summary>
    public async ValueTask<ulong?> WriteProgressAsync(TaskRun run, TaskProgress progress, ulong? revision, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return null;
        }

        var bytes = ResultRecordSerializer.ToBytes(Record(run, TaskState.Started) with { Progress = progress });
        return (await WriteUnlessFinalAsync(run.Id, bytes, revision, cancellationToken).ConfigureAwait(false)).Revision;
    }

    /// <summary>PENDING for a run handed back on shutdown, with the runs before it (they count toward MaxDeliveries, this one does not).</summary>
    public async ValueTask MarkHandedBackAsync(TaskRun run, ulong? revision, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        var record = new TaskResultRecord { Id = run.Id, TaskName = run.TaskName, State = TaskState.Pending, Attempts = run.Attempt, Reruns = run.Reruns, Worker = run.Worker };
        await WriteUnlessFinalAsync(run.Id, ResultRecordSerializer.ToBytes(record), revision, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The outcome of a run: RETRY (with the next attempt's time) or a final state, first final writer wins. Written
    /// through <paramref name="buffer"/> when given (the worker pools them). Returns the bytes now stored — this
    /// outcome's, or the final record that stays — or nothing when records are not kept.
    /// </summary>
    public ValueTask<RecordWrite> StoreOutcomeAsync(
        TaskRun run, TaskState state, ReadOnlyMemory<byte> result, TaskError? error, DateTimeOffset? nextAttemptAt, ulong? revision, ArrayBufferWriter<byte>? buffer, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return default;
        }

        // One record, built once (this is on every task's path); the write's own state machine is the only one.
        var record = Record(
            run,
            state,
            result: state == TaskState.Success ? result : default,
            error: state == TaskState.Success ? null : error,
            nextAttemptAt: state == TaskState.Retry ? nextAttemptAt : null,
            completedAt: DateTimeOffset.UtcNow);
        ReadOnlyMemory<byte> bytes;
        if (buffer is null)
        {
            bytes = ResultRecordSerializer.ToBytes(record);
        }
        else
        {
            ResultRecordSerializer.Write(buffer, record);
            bytes = buffer.WrittenMemory;
        }

        if (bytes.Length > MaxRecordBytes)
        {
            // Stored as a failure the waiter can read, rather than a write that fails on every delivery.
            var tooLarge = new TaskResultTooLargeException(bytes.Length, MaxRecordBytes);
            bytes = ResultRecordSerializer.ToBytes(record with
            {
                State = TaskState.Failure,
                ResultJson = default,
                Error = new TaskError(typeof(TaskResultTooLargeException).FullName!, tooLarge.Message, null),
            });
        }

        return WriteUnlessFinalAsync(run.Id, bytes, revision, cancellationToken);
    }

    /// <summary>PENDING for a chain about to be sent, as a new key, with its steps (for <c>tt status</c>); nothing when the id
    /// has a record already (the same chain sent again).</summary>
    public async ValueTask MarkChainPendingAsync(string chainId, TaskChainInfo chain, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        if (!RecordsWorkflows)
        {
            return;
        }

        var record = new TaskResultRecord { Id = chainId, TaskName = ChainPlan.RecordTaskName, State = TaskState.Pending, SentAt = sentAt, Chain = chain };
        await CreateAsync(chainId, ResultRecordSerializer.ToBytes(record), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>PENDING for a group about to be sent, as a new key, with its member count (for <c>tt status</c>); nothing
    /// when the id has a record already (the same group sent again).</summary>
    public async ValueTask MarkGroupPendingAsync(string groupId, int members, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        if (!RecordsWorkflows)
        {
            return;
        }

        var record = new TaskResultRecord { Id = groupId, TaskName = GroupRecordTaskName, State = TaskState.Pending, SentAt = sentAt, Group = new TaskGroupInfo { Members = members } };
        await CreateAsync(groupId, ResultRecordSerializer.ToBytes(record), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The <c>task</c> of a group's record.</summary>
    public const string GroupRecordTaskName = "group";

    /// <summary>
    /// The end of a chain, under its id: SUCCESS with the last step's result, or FAILURE / REVOKED with the error of the step
    /// that stopped it (<paramref name="failedStep"/>). First final writer wins, as for tasks: a chain ended once stays so
    /// however often its last step is settled. Keeps the step names and send time of the PENDING record.
    /// </summary>
    public async ValueTask FinishChainAsync(
        string chainId, int steps, TaskState state, ReadOnlyMemory<byte> result, TaskError? error, int? failedStep, string? failedTask, string worker, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        var (current, revision) = await ReadCurrentAsync(chainId, cancellationToken).ConfigureAwait(false);
        if (current is { } record && record.State.IsFinal())
        {
            return;
        }

        var final = new TaskResultRecord
        {
            Id = chainId,
            TaskName = ChainPlan.RecordTaskName,
            State = state,
            ResultJson = state == TaskState.Success ? result : default,
            Error = state == TaskState.Success ? null : error,
            Worker = worker,
            SentAt = current?.SentAt,
            CompletedAt = DateTimeOffset.UtcNow,
            Chain = new TaskChainInfo { Steps = steps, Tasks = current?.Chain?.Tasks ?? [], FailedStep = failedStep, FailedTask = failedTask },
        };
        var bytes = ResultRecordSerializer.ToBytes(final);
        if (bytes.Length > MaxRecordBytes)
        {
            var tooLarge = new TaskResultTooLargeException(bytes.Length, MaxRecordBytes);
            bytes = ResultRecordSerializer.ToBytes(final with
            {
                State = TaskState.Failure,
                ResultJson = default,
                Error = new TaskError(typeof(TaskResultTooLargeException).FullName!, tooLarge.Message, null),
            });
        }

        await WriteUnlessFinalAsync(chainId, bytes, revision, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A task that will never be sent ends FAILURE or REVOKED with the reason (a chord's callback, when a member did not
    /// succeed), unless its record is final already: first final writer wins. Keeps the PENDING record's send time.
    /// </summary>
    public async ValueTask EndUnsentAsync(string id, string taskName, TaskState state, TaskError error, string worker, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        var (current, revision) = await ReadCurrentAsync(id, cancellationToken).ConfigureAwait(false);
        if (current is { } record && record.State.IsFinal())
        {
            return;
        }

        var final = new TaskResultRecord { Id = id, TaskName = taskName, State = state, Error = error, Worker = worker, SentAt = current?.SentAt, CompletedAt = DateTimeOffset.UtcNow };
        await WriteUnlessFinalAsync(id, ResultRecordSerializer.ToBytes(final), revision, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The record under <paramref name="id"/> (null when there is none, or it is not a record of ours: then it is
    /// replaced by compare-and-set, as any record that is not final) and its revision.</summary>
    private async ValueTask<(TaskResultRecord? Record, ulong? Revision)> ReadCurrentAsync(string id, CancellationToken cancellationToken)
    {
        if (await ReadAsync(id, cancellationToken).ConfigureAwait(false) is not { } entry)
        {
            return (null, null);
        }

        try
        {
            return (ResultRecordSerializer.Read(entry.Value), entry.Revision);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, entry.Revision);
        }
    }

    /// <summary>
    /// Revokes a task: a revocation every worker sees (for the revocation expiry), and REVOKED now unless the task
    /// finished, so that waiters and status pages see it before any worker does.
    /// </summary>
    public ValueTask RevokeAsync(string id, string taskName, bool terminate, CancellationToken cancellationToken)
        => RevokeAsync(id, taskName, terminate, writeRecord: true, cancellationToken);

    /// <summary>
    /// Revokes a task as <see cref="RevokeAsync(string, string, bool, CancellationToken)"/> does; without
    /// <paramref name="writeRecord"/>, only the revocation (for a task that keeps no record, such as one that ignores its result).
    /// </summary>
    public async ValueTask RevokeAsync(string id, string taskName, bool terminate, bool writeRecord, CancellationToken cancellationToken)
    {
        var at = DateTimeOffset.UtcNow;
        await PutRevocationAsync(id, new RevocationRecord(terminate, at), cancellationToken).ConfigureAwait(false);
        if (!Enabled || !writeRecord)
        {
            return;
        }

        // A chain's record keeps its steps (tt status); revocations are rare enough for the read.
        var existing = await GetEntryAsync(id, cancellationToken).ConfigureAwait(false);
        if (existing?.Record.State.IsFinal() == true)
        {
            return;
        }

        var record = new TaskResultRecord
        {
            Id = id,
            TaskName = taskName,
            State = TaskState.Revoked,
            Error = new TaskError(typeof(TaskRevokedException).FullName!, terminate ? "The task was revoked (terminate)." : "The task was revoked.", null),
            CompletedAt = at,
            SentAt = existing?.Record.Chain is null ? null : existing?.Record.SentAt,
            Chain = existing?.Record.Chain,
        };
        await WriteUnlessFinalAsync(id, ResultRecordSerializer.ToBytes(record), existing?.Revision, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> unless the key holds a final record. Tries the known revision first (one
    /// compare-and-set), else creates the key; when the key has moved on, reads it: a final record stays, anything
    /// else is replaced by compare-and-set on what was read.
    /// </summary>
    /// <returns>The new revision and <paramref name="bytes"/> when written; otherwise no revision and the final record that stays.</returns>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RecordWrite> WriteUnlessFinalAsync(string key, ReadOnlyMemory<byte> bytes, ulong? knownRevision, CancellationToken cancellationToken)
    {
        if (knownRevision is { } revision && await UpdateAsync(key, bytes, revision, cancellationToken).ConfigureAwait(false) is { } updated)
        {
            return new(updated, bytes);
        }

        // A few rounds: another writer may move the key between our read and our compare-and-set.
        for (var round = 0; round < 5; round++)
        {
            if (await CreateAsync(key, bytes, cancellationToken).ConfigureAwait(false) is { } created)
            {
                return new(created, bytes);
            }

            if (await ReadAsync(key, cancellationToken).ConfigureAwait(false) is not { } existing)
            {
                continue; // deleted in between: create again
            }

            if (ResultRecordSerializer.Read(existing.Value).State.IsFinal())
            {
                return new(null, existing.Value);
            }

            if (await UpdateAsync(key, bytes, existing.Revision, cancellationToken).ConfigureAwait(false) is { } replaced)
            {
                return new(replaced, bytes);
            }
        }

        throw new TypedTasksException($"Could not store the record of task {key}: other writers kept changing it.");
    }

    private static TaskResultRecord Record(
        TaskRun run, TaskState state, ReadOnlyMemory<byte> result = default, TaskError? error = null, DateTimeOffset? nextAttemptAt = null, DateTimeOffset? completedAt = null) => new()
        {
            Id = run.Id,
            TaskName = run.TaskName,
            State = state,
            Attempts = run.Attempt,
            Reruns = run.Reruns,
            Worker = run.Worker,
            StartedAt = run.StartedAt,
            ResultJson = result,
            Error = error,
            NextAttemptAt = nextAttemptAt,
            CompletedAt = completedAt,
        };

    private void RequireEnabled()
    {
        if (!Enabled)
        {
            throw new ResultBackendNotConfiguredException();
        }
    }

    // ---- storage: bytes under a key, by revision ----

    /// <summary>Creates the key; its revision, or null when the key exists.</summary>
    protected abstract ValueTask<ulong?> CreateAsync(string key, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>Replaces the value at <paramref name="revision"/>; the new revision, or null when the key has moved on.</summary>
    protected abstract ValueTask<ulong?> UpdateAsync(string key, ReadOnlyMemory<byte> bytes, ulong revision, CancellationToken cancellationToken);

    /// <summary>Writes the value whatever is there; the new revision.</summary>
    protected abstract ValueTask<ulong?> PutAsync(string key, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>The non-empty value and its revision, or null.</summary>
    protected abstract ValueTask<(ReadOnlyMemory<byte> Value, ulong Revision)?> ReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Stores a revocation where workers see it.</summary>
    protected abstract ValueTask PutRevocationAsync(string id, RevocationRecord revocation, CancellationToken cancellationToken);
}

/// <summary>What a record write did: the new revision and the bytes now stored when it wrote; no revision and the final
/// record that stays when one was there (first final writer wins); nothing at all when records are not kept.</summary>
internal readonly record struct RecordWrite(ulong? Revision, ReadOnlyMemory<byte> Stored)
{
    /// <summary>Whether this write is the one stored.</summary>
    public bool Written => Revision is not null;
}

/// <summary>The store refused a write for a reason other than a revision conflict (e.g. a key it cannot hold).</summary>
internal sealed class ResultStoreException(string message, Exception inner) : TypedTasksException(message, inner);
