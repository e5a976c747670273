using System.Buffers;
using System.Text.Json;

namespace TypedTasks.Protocol;

/// <summary>
/// Writes and reads result records (<c>docs/protocol.md</c>) with <see cref="Utf8JsonWriter"/> and
/// <see cref="Utf8JsonReader"/>: no reflection, and the task's result is copied as raw JSON.
/// </summary>
internal static class ResultRecordSerializer
{
    public const int Version = 1;

    private static readonly JsonEncodedText V = JsonEncodedText.Encode("v");
    private static readonly JsonEncodedText IdName = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText TaskName = JsonEncodedText.Encode("task");
    private static readonly JsonEncodedText StateName = JsonEncodedText.Encode("state");
    private static readonly JsonEncodedText ResultName = JsonEncodedText.Encode("result");
    private static readonly JsonEncodedText ErrorName = JsonEncodedText.Encode("error");
    private static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText MessageName = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText StackTraceName = JsonEncodedText.Encode("stackTrace");
    private static readonly JsonEncodedText AttemptsName = JsonEncodedText.Encode("attempts");
    private static readonly JsonEncodedText WorkerName = JsonEncodedText.Encode("worker");
    private static readonly JsonEncodedText SentAtName = JsonEncodedText.Encode("sentAt");
    private static readonly JsonEncodedText StartedAtName = JsonEncodedText.Encode("startedAt");
    private static readonly JsonEncodedText CompletedAtName = JsonEncodedText.Encode("completedAt");
    private static readonly JsonEncodedText NextAttemptAtName = JsonEncodedText.Encode("nextAttemptAt");
    private static readonly JsonEncodedText RerunsName = JsonEncodedText.Encode("reruns");
    private static readonly JsonEncodedText ProgressName = JsonEncodedText.Encode("progress");
    private static readonly JsonEncodedText DataName = JsonEncodedText.Encode("data");
    private static readonly JsonEncodedText FractionName = JsonEncodedText.Encode("fraction");
    private static readonly JsonEncodedText NoteName = JsonEncodedText.Encode("note");
    private static readonly JsonEncodedText ChainName = JsonEncodedText.Encode("chain");
    private static readonly JsonEncodedText GroupName = JsonEncodedText.Encode("group");
    private static readonly JsonEncodedText MembersName = JsonEncodedText.Encode("members");
    private static readonly JsonEncodedText StepsName = JsonEncodedText.Encode("steps");
    private static readonly JsonEncodedText TasksName = JsonEncodedText.Encode("tasks");
    private static readonly JsonEncodedText FailedStepName = JsonEncodedText.Encode("failedStep");
    private static readonly JsonEncodedText FailedTaskName = JsonEncodedText.Encode("failedTask");

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static void Write(IBufferWriter<byte> output, TaskResultRecord record)
    {
        // One writer per thread, reset for each record: Write is synchronous and not re-entered.
        var writer = t_writer ??= new Utf8JsonWriter(output);
        writer.Reset(output);
        try
        {
            WriteRecord(writer, record);
            writer.Flush();
        }
        finally
        {
            writer.Reset(NullBufferWriter.Instance);
        }
    }

    private static void WriteRecord(Utf8JsonWriter writer, TaskResultRecord record)
    {
        writer.WriteStartObject();
        writer.WriteNumber(V, Version);
        writer.WriteString(IdName, record.Id);
        writer.WriteString(TaskName, record.TaskName);
        writer.WriteString(StateName, record.State.ToWireName());
        if (!record.ResultJson.IsEmpty)
        {
            writer.WritePropertyName(ResultName);
            writer.WriteRawValue(record.ResultJson.Span, skipInputValidation: true);
        }

        if (record.Error is { } error)
        {
            writer.WriteStartObject(ErrorName);
            writer.WriteString(TypeName, error.Type);
            writer.WriteString(MessageName, error.Message);
            if (error.StackTrace is not null)
            {
                writer.WriteString(StackTraceName, error.StackTrace);
            }

            writer.WriteEndObject();
        }

        writer.WriteNumber(AttemptsName, record.Attempts);
        if (record.Reruns != 0)
        {
            writer.WriteNumber(RerunsName, record.Reruns);
        }

        if (record.Worker is not null)
        {
            writer.WriteString(WorkerName, record.Worker);
        }

        if (record.SentAt is { } sent)
        {
            writer.WriteString(SentAtName, sent);
        }

        if (record.StartedAt is { } started)
        {
            writer.WriteString(StartedAtName, started);
        }

        if (record.CompletedAt is { } completed)
        {
            writer.WriteString(CompletedAtName, completed);
        }

        if (record.Progress is { } progress)
        {
            writer.WriteStartObject(ProgressName);
            writer.WriteNumber(FractionName, progress.Fraction);
            if (progress.Note is not null)
            {
                writer.WriteString(NoteName, progress.Note);
            }

            if (!progress.Data.IsEmpty)
            {
                writer.WritePropertyName(DataName);
                writer.WriteRawValue(progress.Data.Span, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }

        if (record.NextAttemptAt is { } next)
        {
            writer.WriteString(NextAttemptAtName, next);
        }

        if (record.Chain is { } chain)
        {
            writer.WriteStartObject(ChainName);
            writer.WriteNumber(StepsName, chain.Steps);
            writer.WriteStartArray(TasksName);
            foreach (var task in chain.Tasks)
            {
                writer.WriteStringValue(task);
            }

            writer.WriteEndArray();
            if (chain.FailedStep is { } failedStep)
            {
                writer.WriteNumber(FailedStepName, failedStep);
            }

            if (chain.FailedTask is not null)
            {
                writer.WriteString(FailedTaskName, chain.FailedTask);
            }

            writer.WriteEndObject();
        }

        if (record.Group is { } group)
        {
            writer.WriteStartObject(GroupName);
            writer.WriteNumber(MembersName, group.Members);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>Where an idle cached writer points, so that it keeps no caller's buffer alive.</summary>
    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();

        public void Advance(int count) => throw new InvalidOperationException();

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException();

        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException();
    }

    public static byte[] ToBytes(TaskResultRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, record);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a record; throws <see cref="JsonException"/> on a malformed one.</summary>
    public static TaskResultRecord Read(ReadOnlyMemory<byte> json)
    {
        var reader = new Utf8JsonReader(json.Span);
        string? id = null, task = null, worker = null;
        TaskState? state = null;
        ReadOnlyMemory<byte> result = default;
        TaskError? error = null;
        TaskProgress? progress = null;
        TaskChainInfo? chain = null;
        TaskGroupInfo? group = null;
        int attempts = 0, reruns = 0;
        DateTimeOffset? sentAt = null, startedAt = null, completedAt = null, nextAttemptAt = null;

        Expect(ref reader, JsonTokenType.StartObject);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                id = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("task"u8))
            {
                task = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("state"u8))
            {
                state = ParseState(ReadString(ref reader));
            }
            else if (reader.ValueTextEquals("result"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                result = json.Slice(start, (int)reader.BytesConsumed - start);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                error = ReadError(ref reader);
            }
            else if (reader.ValueTextEquals("attempts"u8))
            {
                reader.Read();
                attempts = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("progress"u8))
            {
                progress = ReadProgress(ref reader, json);
            }
            else if (reader.ValueTextEquals("reruns"u8))
            {
                reader.Read();
                reruns = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("worker"u8))
            {
                worker = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("sentAt"u8))
            {
                reader.Read();
                sentAt = reader.GetDateTimeOffset();
            }
            else if (reader.ValueTextEquals("startedAt"u8))
            {
                reader.Read();
                startedAt = reader.GetDateTimeOffset();
            }
            else if (reader.ValueTextEquals("completedAt"u8))
            {
                reader.Read();
                completedAt = reader.GetDateTimeOffset();
            }
            else if (reader.ValueTextEquals("nextAttemptAt"u8))
            {
                reader.Read();
                nextAttemptAt = reader.GetDateTimeOffset();
            }
            else if (reader.ValueTextEquals("chain"u8))
            {
                chain = ReadChain(ref reader);
            }
            else if (reader.ValueTextEquals("group"u8))
            {
                group = ReadGroup(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new TaskResultRecord
        {
            Id = id ?? throw new JsonException("The result record has no 'id'."),
            TaskName = task ?? string.Empty,
            State = state ?? throw new JsonException("The result record has no 'state'."),
            ResultJson = result,
            Error = error,
            Attempts = attempts,
            Reruns = reruns,
            Worker = worker,
            SentAt = sentAt,
            StartedAt = startedAt,
            CompletedAt = completedAt,
            NextAttemptAt = nextAttemptAt,
            Progress = progress,
            Chain = chain,
            Group = group,
        };
    }

    private static TaskGroupInfo ReadGroup(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        var members = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("members"u8))
            {
                reader.Read();
                members = reader.GetInt32();
                if (members is < 1 or > TaskGroup.MaxMembers)
                {
                    throw new JsonException($"A group's 'members' must be 1 to {TaskGroup.MaxMembers}.");
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new TaskGroupInfo { Members = members };
    }

    private static TaskChainInfo ReadChain(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        var steps = 0;
        int? failedStep = null;
        string? failedTask = null;
        var tasks = new List<string>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("steps"u8))
            {
                reader.Read();
                steps = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("tasks"u8))
            {
                Expect(ref reader, JsonTokenType.StartArray);
                while (reader.Read() && reader.TokenType == JsonTokenType.String)
                {
                    tasks.Add(reader.GetString()!);
                }
            }
            else if (reader.ValueTextEquals("failedStep"u8))
            {
                reader.Read();
                failedStep = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("failedTask"u8))
            {
                failedTask = ReadString(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new TaskChainInfo { Steps = steps, Tasks = tasks, FailedStep = failedStep, FailedTask = failedTask };
    }

    public static TaskState ParseState(string? wire) => wire switch
    {
        "PENDING" => TaskState.Pending,
        "RECEIVED" => TaskState.Received,
        "STARTED" => TaskState.Started,
        "RETRY" => TaskState.Retry,
        "SUCCESS" => TaskState.Success,
        "FAILURE" => TaskState.Failure,
        "REVOKED" => TaskState.Revoked,
        _ => throw new JsonException($"Unknown task state '{wire}'."),
    };

    private static TaskProgress ReadProgress(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        double fraction = 0;
        string? note = null;
        ReadOnlyMemory<byte> data = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("fraction"u8))
            {
                reader.Read();
                fraction = reader.GetDouble();
            }
            else if (reader.ValueTextEquals("note"u8))
            {
                note = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                // The task's own progress record, kept as the JSON it is (TaskProgress.ReadData reads it as its type).
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                data = json.Slice(start, (int)reader.BytesConsumed - start);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new TaskProgress(fraction, note) { Data = data };
    }

    private static TaskError ReadError(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        string? type = null, message = null, stack = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                type = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                message = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("stackTrace"u8))
            {
                stack = ReadString(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new TaskError(type ?? "System.Exception", message ?? string.Empty, stack);
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.GetString();
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType token)
    {
        if (!reader.Read() || reader.TokenType != token)
        {
            throw new JsonException($"Expected {token} in the result record.");
        }
    }
}
