using System.Globalization;
using Cronos;
using TypedTasks.Semantics;

namespace TypedTasks.Runtime.Tests;

/// <summary>
/// The analyzer checks cron strings with <see cref="CronSyntax"/>, the runtime parses them with Cronos: both must say
/// the same of every string, or a schedule the build accepted would stop a worker at start-up (or the reverse).
/// <see cref="CronSyntax"/> is our own reader of Cronos's documented grammar; this is its oracle.
/// </summary>
public sealed class CronSyntaxTests
{
    private static readonly string[] Pieces =
    [
        "*", "?", "*/5", "*/0", "*/61", "0", "5", "59", "60", "7", "8", "12", "13", "23", "24", "31", "32", "00", "05", "007", "1-5", "5-1",
        "1-5/2", "10/15", "1,2,3", "1,,2", "1,", ",1", "1-", "-1", "1--2", "L", "l", "L-3", "L-31", "LW", "lw", "L-2W", "15W", "15w", "W",
        "5L", "FRIL", "3#2", "3#6", "3#0", "MON#1", "#", "H", "H/5", "h", "JAN", "jan", "Dec", "JAN-MAR", "MON-FRI", "mon,wed,fri", "SUN",
        "SUNDAY", "JA", "FOO", "x", "", "*/", "*/5/5", "1-5/", "?/2", "1/0", "0-59", "0-60", "1-31", "2-29/3", "L-0", "3L", "0#5", "7#5",
        "\u0661", "1.5", "+1", " ", "\t", "L-30", "L-30W", "32W", "31W", "0W", "5#5", "0L", "7L", "8L", "sat#5", "fri#1", "0-7", "7-0",
        "*,1", "1,*", "?5", "*5", "1/2,3", "59-0", "1-5/7", "*/7", "*/8", "*/12", "*/13", "*/31", "*/32", "JAN/2", "DEC-JAN/12", "0/60",
    ];

    private static readonly string[] MacroNames = ["every_second", "every_minute", "hourly", "daily", "midnight", "weekly", "monthly", "yearly", "annually"];

    private static readonly string[] Gaps = [" ", "  ", "\t", " \t ", "\t\t", "\v", "\f", "\r", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", ""];

    [Theory]
    [InlineData("0 */5 * * * *")]
    [InlineData("0 0 3 * * *")]
    [InlineData("*/15 * * * * *")]
    [InlineData("0 30 2 * * MON-FRI")]
    [InlineData("0 0 12 L * ?")]
    [InlineData("0 0 9 ? * 5#3")]
    [InlineData("0 0 0 15W * *")]
    [InlineData("0 0 0 L-30W * *")]
    [InlineData("0 0 0 lw * *")]
    [InlineData("0 0 22-2 * NOV-FEB SAT-MON")] // ranges wrap
    [InlineData("?/2 ? ? ? ? ?")] // '?' anywhere, even with a step
    [InlineData("05 07 09 01 01 00")] // two digits, leading zero
    [InlineData("* * * * * fril")]
    [InlineData("* * * * * 7#5")]
    [InlineData("* * * * * */7")]
    [InlineData(" \t0 0 3 * * *\t ")]
    [InlineData("@daily")]
    [InlineData("@every_second")]
    [InlineData("\t@Every_Minute \t")]
    public void Valid_AcceptedByBoth(string cron)
    {
        Assert.True(CronosAccepts(cron));
        Assert.Null(CronSyntax.GetProblem(cron));
    }

    [Theory]
    [InlineData("0 */5 * * *")] // five fields: the format needs seconds
    [InlineData("0 0 3 * * * *")] // seven: no year field
    [InlineData("0 0 3 * * * 2030")]
    [InlineData("60 * * * * *")]
    [InlineData("0 0 24 * * *")]
    [InlineData("0 0 0 * 13 *")]
    [InlineData("0 0 0 * 0 *")]
    [InlineData("0 0 0 0 * *")]
    [InlineData("0 0 0 32 * *")]
    [InlineData("0 0 0 * * 8")]
    [InlineData("007 0 0 * * *")] // three digits, though the value is 7
    [InlineData("*/60 * * * * *")] // a step runs from 1 to the field's maximum
    [InlineData("*/0 * * * * *")]
    [InlineData("0 0 0 * * */8")]
    [InlineData("0 0 0 L-31 * *")]
    [InlineData("0 0 0 32W * *")]
    [InlineData("0 0 0 0W * *")]
    [InlineData("0 0 0 1,15W * *")] // the L, W and # forms are a whole field
    [InlineData("0 0 0 L,1 * *")]
    [InlineData("0 0 0 ? * 5#6")]
    [InlineData("0 0 0 ? * 5#0")]
    [InlineData("0 0 0 ? * 1-5#1")]
    [InlineData("0 0 0 ? * L")] // L in days of week needs a day before it
    [InlineData("*,1 * * * * *")] // '*' is no list item
    [InlineData("* * * * JANUARY *")]
    [InlineData("* * * * * FR\u0131")] // ASCII case only: the Turkish dotless i is not 'I'
    [InlineData("@da\u0131ly")]
    [InlineData("0\u00a00 3 * * *")] // only space and tab separate fields
    [InlineData("0\n0 3 * * *")]
    [InlineData("0 0 3 * * *\n")]
    [InlineData("@daily\n")]
    [InlineData("@daily *")]
    [InlineData("@reboot")]
    [InlineData("h * * * * *")]
    [InlineData("")]
    [InlineData(" \t ")]
    public void Invalid_RefusedByBoth_WithAReason(string cron)
    {
        Assert.False(CronosAccepts(cron));
        Assert.NotNull(CronSyntax.GetProblem(cron));
    }

    /// <summary>Jitter needs a seed we never pass: Cronos throws <see cref="MissingSeedException"/>, we say why.</summary>
    [Theory]
    [InlineData("H * * * * *")]
    [InlineData("0 H/5 * * * *")]
    [InlineData("0 0 H(0-5) * * *")]
    [InlineData("0 0 0 * * H")]
    public void Jitter_RefusedByBoth(string cron)
    {
        Assert.Throws<MissingSeedException>(() => CronExpression.Parse(cron, CronFormat.IncludeSeconds));
        Assert.Contains("'H' (jitter) is not supported", CronSyntax.GetProblem(cron), StringComparison.Ordinal);
    }

    /// <summary>Cronos checks the grammar, not the calendar: a day no month has is accepted and never fires. We follow it
    /// (the runtime's <c>PeriodicTiming.Next</c> returns null for it).</summary>
    [Theory]
    [InlineData("0 0 0 30 FEB *")]
    [InlineData("0 0 0 31 4,6,9,11 *")]
    public void ImpossibleDate_AcceptedByBoth_NeverFires(string cron)
    {
        Assert.Null(CronSyntax.GetProblem(cron));
        Assert.Null(CronExpression.Parse(cron, CronFormat.IncludeSeconds).GetNextOccurrence(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
    }

    [Fact]
    public void Problems_NameTheFieldAndWhatIsWrong()
    {
        Assert.Equal("hours: a value must be a number between 0 and 23, not 24", CronSyntax.GetProblem("0 0 24 * * *"));
        Assert.Equal("seconds: a step must be a number between 1 and 59, not 60", CronSyntax.GetProblem("*/60 * * * * *"));
        Assert.Equal("seconds: a value has at most 2 digits: '007'", CronSyntax.GetProblem("007 * * * * *"));
        Assert.Equal("days of month: the offset after 'L-' must be a number between 0 and 30, not 31", CronSyntax.GetProblem("0 0 0 L-31 * *"));
        Assert.Equal("days of week: the occurrence after '#' must be a number between 1 and 5, not 6", CronSyntax.GetProblem("0 0 0 ? * 5#6"));
        Assert.Equal("days of month: '15W' must be the whole field (no list, range or step), but ',' follows it", CronSyntax.GetProblem("0 0 0 15W,1 * *"));
        Assert.Equal("months: expected a number from 1 to 12 or a name from JAN to DEC, found 'F'", CronSyntax.GetProblem("0 0 0 * FOO *"));
        Assert.Equal("seconds: unexpected U+000A", CronSyntax.GetProblem("0\n0 3 * * *"));
        Assert.Equal("the string ends after the months field; six fields are needed", CronSyntax.GetProblem("0 */5 * * *"));
        Assert.Equal("there is a seventh field; six are expected, seconds first and no year", CronSyntax.GetProblem("0 0 3 * * * 2030"));
        Assert.Equal("the cron string is empty", CronSyntax.GetProblem(" "));
        Assert.Equal("the cron string is null", CronSyntax.GetProblem(null));
    }

    /// <summary>
    /// Every field swept through edge values and forms, day-of-month forms against day-of-week forms, each field count
    /// from 0 to 8, odd white space between and around fields, every macro in several cases and with edits, then fields
    /// drawn from valid and broken pieces and random edits of valid strings: about 53,500 distinct strings, each judged
    /// the same by both.
    /// </summary>
    [Fact]
    public void TensOfThousandsOfExpressions_CronSyntaxAgreesWithCronos()
    {
        var random = new Random(12);
        var corpus = new HashSet<string>(StringComparer.Ordinal);
        corpus.UnionWith(FieldSweep());
        corpus.UnionWith(DayForms());
        corpus.UnionWith(FieldCounts());
        corpus.UnionWith(WhiteSpace(random));
        corpus.UnionWith(MacroVariants());
        for (var i = 0; i < 40_000; i++)
        {
            corpus.Add((i % 10) switch
            {
                1 or 2 => Mutate(ValidExpression(random), random),
                3 or 4 or 5 => ValidExpression(random),
                _ => RandomExpression(random),
            });
        }

        var disagreements = new List<string>();
        var valid = 0;
        foreach (var expression in corpus)
        {
            var cronos = CronosAccepts(expression);
            valid += cronos ? 1 : 0;
            if (cronos != CronSyntax.IsValid(expression))
            {
                disagreements.Add($"\"{Escape(expression)}\": Cronos {(cronos ? "accepts" : "refuses")}, CronSyntax {(cronos ? "refuses: " + CronSyntax.GetProblem(expression) : "accepts")}");
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{corpus.Count} distinct strings, {valid} accepted by Cronos, {disagreements.Count} disagreements");
        Assert.True(disagreements.Count == 0, $"{disagreements.Count} of {corpus.Count} disagree ({valid} accepted by Cronos):\n" + string.Join("\n", disagreements.Take(30)));
        Assert.InRange(corpus.Count, 50_000, 70_000);
        Assert.InRange(valid, corpus.Count / 5, corpus.Count * 4 / 5);
    }

    private static bool CronosAccepts(string expression)
    {
        try
        {
            CronExpression.Parse(expression, CronFormat.IncludeSeconds);
            return true;
        }
        catch (Exception ex) when (ex is CronFormatException or MissingSeedException)
        {
            return false;
        }
    }

    /// <summary>Each of the six fields of <c>0 0 0 * * *</c> replaced by each token of <see cref="FieldTokens"/>.</summary>
    private static IEnumerable<string> FieldSweep()
    {
        var tokens = FieldTokens().Distinct().ToList();
        for (var field = 0; field < 6; field++)
        {
            foreach (var token in tokens)
            {
                var fields = new[] { "0", "0", "0", "*", "*", "*" };
                fields[field] = token;
                yield return string.Join(" ", fields);
            }
        }
    }

    private static IEnumerable<string> FieldTokens()
    {
        string N(int n) => n.ToString(CultureInfo.InvariantCulture);
        int[] edges = [0, 1, 5, 6, 7, 8, 11, 12, 13, 22, 23, 24, 29, 30, 31, 32, 58, 59, 60, 61, 99];
        string[] months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
        string[] days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

        foreach (var piece in Pieces)
        {
            yield return piece;
        }

        for (var n = 0; n <= 100; n++)
        {
            yield return N(n);
            yield return "*/" + N(n);
            yield return "?/" + N(n);
        }

        foreach (var digits in new[] { "00", "01", "09", "000", "001", "007", "059", "0000000005", "99999999999", "*/00", "*/05", "*/005", "0/05", "0/005", "L-01", "L-001", "01W", "001W", "05L", "005L", "5#01", "5#001" })
        {
            yield return digits;
        }

        foreach (var a in edges)
        {
            foreach (var b in edges)
            {
                yield return N(a) + "-" + N(b);
            }

            yield return N(a) + "/" + N(a == 0 ? 1 : a);
            yield return "0-" + N(a) + "/" + N(a);
            yield return "1-" + N(a) + "/7";
        }

        for (var n = 0; n <= 33; n++)
        {
            yield return "L-" + N(n);
            yield return "L-" + N(n) + "W";
            yield return N(n) + "W";
            yield return N(n) + "L";
        }

        for (var day = 0; day <= 8; day++)
        {
            for (var nth = 0; nth <= 6; nth++)
            {
                yield return N(day) + "#" + N(nth);
            }
        }

        foreach (var name in months.Concat(days))
        {
            yield return name;
            yield return name.ToLowerInvariant();
            yield return name[0] + name.Substring(1).ToLowerInvariant();
            yield return name + "L";
            yield return name.ToLowerInvariant() + "l";
            yield return name + "#1";
            yield return name + "#5";
            yield return name + "W";
            yield return name + "/2";
            yield return name + "-" + name;
            yield return name.Substring(0, 2);
            yield return name + "X";
            yield return name + "5";
            yield return "1-" + name;
            yield return name + "-7";
        }

        foreach (var odd in new[]
        {
            "L-", "L-3-5", "L-3/2", "L-3,1", "LW-3", "LW/2", "LL", "WL", "15WW", "?W", "*W", "15L", "L/2", "15W/2", "1-5W", "1,L", "1-L",
            "*L", "?L", "*#1", "?#1", "5#", "#1", "5##1", "5LL", "5L#1", "5#1L", "5#1,1", "1,5#1", "5L,1", "5#1/2", "1-5L", "L-2", "5W",
            "*-5", "5-*", "?-5", "**", "1-5-7", "1,*/5", "*/5,1", "?,1", "/5", "1/", "MON-", "MON-FRI-SAT", "MON-FRI/2", "MON-FRI/8",
            "SUN-SAT/7", "FRI-mon", "5-mon", "JAN-3", "3-JAN", "SUNDAY", "MONDAY", "DECEMBER", "JANX", "JAN#1", "H(0-5)", "H/2", "1-H", "*/H",
            "\uff10", "\uff2a\uff21\uff2e", "FR\u0131", "\u017fUN", "MON\u0130", "\u212aW", "L\u0307", "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23",
            "@daily", "@", "1@", "1\u00a0", "1;2", "1 ,2", "0x1", "1e1", "٣",
        })
        {
            yield return odd;
        }
    }

    /// <summary>Day-of-month forms against day-of-week forms, with a few months between them.</summary>
    private static IEnumerable<string> DayForms()
    {
        string[] dom = ["*", "?", "1", "15", "31", "32", "L", "l", "L-0", "L-3", "L-30", "L-31", "LW", "L-3W", "15W", "1W", "31W", "32W", "1-15", "*/10", "28-3", "5L", "3#2"];
        string[] dow = ["*", "?", "0", "7", "8", "MON-FRI", "5L", "FRIL", "0L", "7L", "L", "3#2", "SUN#5", "7#5", "5#6", "1,3,5", "SAT-MON", "mon/2", "15W", "LW", "L-3"];
        foreach (var day in dom)
        {
            foreach (var week in dow)
            {
                foreach (var month in new[] { "*", "FEB", "2", "13" })
                {
                    yield return $"0 0 0 {day} {month} {week}";
                }
            }
        }
    }

    private static IEnumerable<string> FieldCounts()
    {
        foreach (var piece in new[] { "*", "0", "?", "5", "L", "2030" })
        {
            for (var count = 0; count <= 8; count++)
            {
                yield return string.Join(" ", Enumerable.Repeat(piece, count));
                yield return string.Join(" ", Enumerable.Repeat("0", Math.Max(0, count - 1)).Append(piece));
            }
        }

        foreach (var tail in new[] { "", " *", " ?", " 2030", " 2030-2040", " * *", " x" })
        {
            yield return "0 0 3 * * *" + tail;
            yield return "0 3 * * *" + tail;
        }
    }

    /// <summary>Each gap of a valid string replaced by one odd separator, or all of them, with odd text around.</summary>
    private static IEnumerable<string> WhiteSpace(Random random)
    {
        string[][] valid =
        [
            ["0", "*/5", "*", "*", "*", "*"], ["0", "0", "3", "*", "*", "*"], ["0", "30", "2", "?", "*", "MON-FRI"], ["0", "0", "12", "L", "*", "?"],
            ["0", "0", "9", "?", "*", "5#3"], ["0", "0", "0", "15W", "jan-jun", "*"], ["59", "59", "23", "31", "12", "7"], ["*", "*", "*", "*", "*", "*"],
        ];
        foreach (var fields in valid)
        {
            foreach (var gap in Gaps)
            {
                yield return string.Join(gap, fields);
                for (var at = 1; at < fields.Length; at++)
                {
                    yield return string.Join(" ", fields.Take(at)) + gap + string.Join(" ", fields.Skip(at));
                }

                var text = string.Join(" ", fields);
                yield return gap + text;
                yield return text + gap;
                yield return gap + text + gap;
                yield return text + gap + Gaps[random.Next(Gaps.Length)];
            }
        }
    }

    private static IEnumerable<string> MacroVariants()
    {
        foreach (var name in MacroNames.Concat(["reboot", "every", "every_", "every_minutes", "every_seconds", "mid", "m", "e", "every__second", "every-second", "month", "day"]))
        {
            var title = char.ToUpperInvariant(name[0]) + name.Substring(1);
            foreach (var spelling in new[] { name, name.ToUpperInvariant(), title, name.Replace('i', '\u0131'), name.Replace('s', '\u017f') })
            {
                foreach (var (before, after) in new[] { ("", ""), (" ", ""), ("\t", ""), ("", " "), ("", "\t"), (" \t", "\t "), ("", "\n"), ("", "\r"), ("", "\v"), ("", " *"), ("", "x"), ("", "@"), ("* ", "") })
                {
                    yield return before + "@" + spelling + after;
                    yield return before + "@ " + spelling + after;
                }
            }

            for (var length = 0; length < name.Length; length++)
            {
                yield return "@" + name.Substring(0, length);
            }
        }
    }

    private static string RandomExpression(Random random)
    {
        var fields = random.Next(4, 8);
        var separators = new[] { " ", " ", " ", "  ", "\t", " \t" };
        var parts = Enumerable.Range(0, fields).Select(_ => Pieces[random.Next(Pieces.Length)]);
        var text = string.Join(separators[random.Next(separators.Length)], parts);
        return random.Next(6) switch
        {
            0 => " " + text,
            1 => text + " ",
            2 => text + "\t",
            _ => text,
        };
    }

    private static string ValidExpression(Random random)
    {
        string Pick(params string[] options) => options[random.Next(options.Length)];
        var second = Pick("0", "*", "*/5", "10-20", "0,30", "15/15", "59", "5-55/10", "?", "00", "*/59", "59-0");
        var minute = Pick("0", "*", "*/15", "0-29", "5,10,15", "45/5", "30", "?/2", "1-5/2,7");
        var hour = Pick("0", "*", "3", "9-17", "*/2", "22-2", "12/3", "23", "*/23");
        var day = Pick("*", "?", "1", "15", "L", "L-2", "LW", "15W", "1-15", "*/10", "31", "28-3", "l", "L-30", "L-30W", "31W", "lw", "*/31");
        var month = Pick("*", "1", "JAN", "jan-jun", "*/3", "12", "NOV-FEB", "6,12", "Dec", "*/12", "FEB/2");
        var week = Pick("*", "?", "MON-FRI", "0", "7", "SUN", "5L", "3#2", "1,3,5", "SAT-MON", "mon/2", "fril", "7#5", "0L", "*/7", "SUN-SAT/7");
        return string.Join(" ", second, minute, hour, day, month, week);
    }

    private static string Mutate(string expression, Random random)
    {
        const string Alphabet = "0123456789*?/-,#LWH @ \tJANMONxlw\n";
        var chars = expression.ToList();
        for (var edits = random.Next(1, 3); edits > 0; edits--)
        {
            var at = random.Next(chars.Count + 1);
            switch (random.Next(3))
            {
                case 0:
                    chars.Insert(at, Alphabet[random.Next(Alphabet.Length)]);
                    break;
                case 1 when chars.Count > 0 && at < chars.Count:
                    chars.RemoveAt(at);
                    break;
                default:
                    if (at < chars.Count)
                    {
                        chars[at] = Alphabet[random.Next(Alphabet.Length)];
                    }

                    break;
            }
        }

        return new string([.. chars]);
    }

    private static string Escape(string text)
        => string.Concat(text.Select(c => c is >= ' ' and < '\u007f' ? c.ToString() : $"\\u{(int)c:x4}"));
}
