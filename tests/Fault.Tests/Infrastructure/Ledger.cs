using System.Globalization;
using System.Text;

namespace TypedTasks.Fault.Tests.Infrastructure;

/// <summary>One ledger line: a run of <c>fault.work</c> started (<c>S</c>) or ended (<c>E</c>).</summary>
public readonly record struct LedgerLine(char Kind, string Id, int Attempt, int ProcessId, DateTime At);

/// <summary>
/// The runs every worker process of a scenario wrote (<c>tests/WorkerHost/FaultLedger.cs</c>): a directory with a file
/// per process, read incrementally (complete lines only). Independent of the system under test: what it says ran, ran.
/// </summary>
public sealed class Ledger : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tt-fault-ledger-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, long> _offsets = new(StringComparer.Ordinal);
    private readonly List<LedgerLine> _lines = [];
    private readonly HashSet<string> _ended = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _files;

    public Ledger() => System.IO.Directory.CreateDirectory(_directory);

    /// <summary>A new file for one worker process.</summary>
    public string NewFile() => Path.Combine(_directory, $"worker-{Interlocked.Increment(ref _files)}.ledger");

    /// <summary>All lines read so far (call <see cref="Refresh"/> first).</summary>
    public IReadOnlyList<LedgerLine> Lines
    {
        get
        {
            lock (_gate)
            {
                return _lines.ToList();
            }
        }
    }

    /// <summary>How many distinct ids have ended at least once.</summary>
    public int EndedIds
    {
        get
        {
            lock (_gate)
            {
                return _ended.Count;
            }
        }
    }

    /// <summary>Reads what the workers appended since the last call; returns the number of distinct ids ended.</summary>
    public int Refresh()
    {
        lock (_gate)
        {
            foreach (var file in System.IO.Directory.GetFiles(_directory, "*.ledger"))
            {
                _offsets.TryGetValue(file, out var offset);
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (stream.Length <= offset)
                {
                    continue;
                }

                stream.Seek(offset, SeekOrigin.Begin);
                var buffer = new byte[stream.Length - offset];
                var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
                var complete = Array.LastIndexOf(buffer, (byte)'\n', read - 1) + 1;
                if (complete == 0)
                {
                    continue;
                }

                foreach (var text in Encoding.ASCII.GetString(buffer, 0, complete).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (Parse(text) is { } line)
                    {
                        _lines.Add(line);
                        if (line.Kind == 'E')
                        {
                            _ended.Add(line.Id);
                        }
                    }
                }

                _offsets[file] = offset + complete;
            }

            return _ended.Count;
        }
    }

    /// <summary>Whether every id in <paramref name="ids"/> has ended at least once.</summary>
    public bool AllEnded(IReadOnlyCollection<string> ids)
    {
        Refresh();
        lock (_gate)
        {
            return ids.All(_ended.Contains);
        }
    }

    /// <summary>The directory of the ledger files; kept after the run with <c>FAULT_KEEP_LEDGER=1</c>.</summary>
    public string Directory => _directory;

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("FAULT_KEEP_LEDGER") == "1")
        {
            return;
        }

        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static LedgerLine? Parse(string text)
    {
        // "S id attempt pid ticks"; a torn line (a kill mid-write) fails to parse and is skipped.
        var parts = text.Split(' ');
        if (parts.Length != 5 || parts[0].Length != 1 || parts[0][0] is not ('S' or 'E')
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var attempt)
            || !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
        {
            return null;
        }

        return new LedgerLine(parts[0][0], parts[1], attempt, pid, new DateTime(ticks, DateTimeKind.Utc));
    }
}
