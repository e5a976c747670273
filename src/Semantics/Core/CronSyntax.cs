namespace TypedTasks.Semantics;

/// <summary>
/// The one definition of the cron strings of <c>[Periodic]</c> and <c>AddPeriodic</c>: what Cronos 0.13.0 accepts with
/// <c>CronFormat.IncludeSeconds</c> (six fields, seconds first: <c>"0 */5 * * * *"</c>), and its macros
/// (<c>@daily</c>, <c>@every_second</c>…). The generator and the analyzer (TT0010) check them with this; the runtime
/// parses them with Cronos itself.
/// </summary>
/// <remarks>
/// <para>
/// Why a validator of our own instead of Cronos in the analyzer: the analyzers run inside the compiler, and a
/// dependency of an analyzer must be shipped next to it under <c>analyzers/dotnet/cs</c> and is loaded into the
/// compiler's and the IDE's process, where two analyzer packages carrying different Cronos versions collide.
/// </para>
/// <para>
/// This is our own recursive-descent reader of the grammar Cronos documents in its README (fields, <c>*</c>, <c>?</c>,
/// ranges, steps, lists, month and day names, <c>L</c>, <c>W</c>, <c>#</c>, macros), driven by the table of fields
/// below. Where the documentation is silent the rule was found by running Cronos 0.13.0 as a black box:
/// numbers are one or two ASCII digits (<c>07</c> is read, <c>007</c> is refused); a step runs from 1 to the field's
/// maximum (<c>*/60</c> is refused for seconds, <c>*/7</c> is the largest for days of week); ranges may wrap
/// (<c>22-2</c>, <c>FRI-MON</c>); <c>?</c> is allowed in every field, also with a step (<c>?/2</c>); <c>*</c> and
/// <c>?</c> cannot be part of a list; the <c>L</c>, <c>W</c> and <c>#</c> forms are a whole field, never a list item,
/// range or step; <c>L</c>, <c>W</c>, names and macros are case-insensitive but ASCII only (<c>FRı</c> is refused);
/// only space and tab separate fields (not <c>\n</c>, <c>\v</c> or a no-break space), and may also lead and trail;
/// a date that never occurs (<c>0 0 0 30 FEB *</c>) is accepted, as by Cronos, and simply never fires.
/// </para>
/// <para>
/// <c>tests/Runtime.Tests/CronSyntaxTests.cs</c> compares this with Cronos on about 53,500 strings (every field swept
/// through edge values and forms, odd white space, macros, random and mutated strings) and requires the same verdict on
/// each, so a Cronos upgrade that changes the grammar fails that test. There is no deliberate difference. Jitter (<c>H</c>, <c>H/5</c>, <c>H(0-5)</c>) needs a seed
/// we do not pass, so it is refused here as by Cronos (which throws <c>MissingSeedException</c>); the test checks
/// that too. Linked into the generator, the analyzers and the runtime: netstandard2.0-compatible and internal.
/// </para>
/// </remarks>
internal static class CronSyntax
{
    /// <summary>What to write instead of an invalid cron string.</summary>
    public const string Fix = "write six fields, seconds first (\"second minute hour day-of-month month day-of-week\"), such as \"0 */5 * * * *\" or \"0 0 3 * * *\"";

    /// <summary>A number is one or two ASCII digits; Cronos refuses a third even when it is a leading zero.</summary>
    private const int MaxDigits = 2;

    /// <summary><c>L-30</c> is the 1st of a 31-day month: the largest offset Cronos takes.</summary>
    private const int MaxLastDayOffset = 30;

    /// <summary><c>5#5</c>, the fifth Friday: no month has a sixth.</summary>
    private const int MaxOccurrence = 5;

    private static readonly string[] Macros = { "every_second", "every_minute", "hourly", "daily", "midnight", "weekly", "monthly", "yearly", "annually" };

    private static readonly CronField[] Fields =
    {
        new("seconds", 0, 59),
        new("minutes", 0, 59),
        new("hours", 0, 23),
        new("days of month", 1, 31, specials: Specials.LastDayOfMonth | Specials.NearestWeekday),
        new("months", 1, 12, names: new[] { "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" }),
        new("days of week", 0, 7, names: new[] { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT" }, specials: Specials.LastWeekday | Specials.NthWeekday),
    };

    /// <summary>The forms a field may take besides values, ranges, steps and lists; each is the whole field.</summary>
    [System.Flags]
    private enum Specials
    {
        None = 0,

        /// <summary><c>L</c>, <c>L-3</c>, <c>LW</c>, <c>L-3W</c>: the last day, three days before it, the weekday nearest either.</summary>
        LastDayOfMonth = 1,

        /// <summary><c>15W</c>: the weekday nearest the 15th.</summary>
        NearestWeekday = 2,

        /// <summary><c>5L</c>, <c>FRIL</c>: the last Friday of the month.</summary>
        LastWeekday = 4,

        /// <summary><c>5#3</c>, <c>FRI#3</c>: the third Friday of the month.</summary>
        NthWeekday = 8,
    }

    /// <summary>Whether Cronos accepts <paramref name="expression"/> in the six-field format.</summary>
    public static bool IsValid(string? expression) => GetProblem(expression) is null;

    /// <summary>What is wrong with <paramref name="expression"/> (in words, without the fix), or <see langword="null"/>.</summary>
    public static string? GetProblem(string? expression)
    {
        if (expression is null)
        {
            return "the cron string is null";
        }

        var reader = new Reader(expression);
        reader.SkipBlanks();
        if (reader.AtEnd)
        {
            return "the cron string is empty";
        }

        return reader.Current == '@' ? reader.ReadMacro() : reader.ReadFields();
    }

    private sealed class CronField
    {
        public CronField(string name, int min, int max, string[]? names = null, Specials specials = Specials.None)
        {
            Name = name;
            Min = min;
            Max = max;
            Names = names;
            Specials = specials;
        }

        public string Name { get; }

        public int Min { get; }

        public int Max { get; }

        /// <summary>Three-letter names, the first meaning <see cref="Min"/>; <c>SUN</c> is 0, while 7 has no name.</summary>
        public string[]? Names { get; }

        public Specials Specials { get; }

        public string Expected => Names is null
            ? $"a number from {Min} to {Max}"
            : $"a number from {Min} to {Max} or a name from {Names[0]} to {Names[Names.Length - 1]}";

        public bool Allows(Specials special) => (Specials & special) != 0;
    }

    /// <summary>Reads one cron string left to right; each method returns the problem, or null and moves past what it read.</summary>
    private sealed class Reader
    {
        private readonly string _text;
        private int _position;

        public Reader(string text) => _text = text;

        public bool AtEnd => _position >= _text.Length;

        /// <summary>The character at the position; '\0' at the end, which no rule accepts.</summary>
        public char Current => AtEnd ? '\0' : _text[_position];

        private bool AtFieldEnd => AtEnd || IsBlank(Current);

        public void SkipBlanks()
        {
            while (!AtEnd && IsBlank(Current))
            {
                _position++;
            }
        }

        /// <summary><c>@</c>, a name from <see cref="Macros"/> in any ASCII case, then only blanks.</summary>
        public string? ReadMacro()
        {
            var start = ++_position;
            while (!AtFieldEnd)
            {
                _position++;
            }

            var word = _text.Substring(start, _position - start);
            var known = false;
            foreach (var macro in Macros)
            {
                known |= EqualsAsciiIgnoreCase(word, macro);
            }

            if (!known)
            {
                return "the macro is not one of @" + string.Join(", @", Macros);
            }

            SkipBlanks();
            return AtEnd ? null : $"a macro is the whole cron string, but {Describe(Current)} follows @{word}";
        }

        /// <summary>Six fields from <see cref="Fields"/>, separated by blanks; nothing after the last.</summary>
        public string? ReadFields()
        {
            for (var i = 0; i < Fields.Length; i++)
            {
                var field = Fields[i];
                if (AtEnd)
                {
                    return $"the string ends after the {Fields[i - 1].Name} field; six fields are needed";
                }

                var problem = ReadField(field) ?? (AtFieldEnd ? null : $"unexpected {Describe(Current)}");
                if (problem is not null)
                {
                    return field.Name + ": " + problem;
                }

                SkipBlanks();
            }

            return AtEnd ? null : "there is a seventh field; six are expected, seconds first and no year";
        }

        private string? ReadField(CronField field)
        {
            if (Current is '*' or '?')
            {
                var wildcard = Current;
                _position++;
                var problem = Current == '/' ? ReadStep(field) : null;
                return problem ?? (AtFieldEnd ? null : $"'{wildcard}' takes only a step such as '{wildcard}/5', not {Describe(Current)}");
            }

            if (field.Allows(Specials.LastDayOfMonth) && IsLetter(Current, 'L'))
            {
                return ReadLastDayOfMonth();
            }

            return ReadList(field);
        }

        /// <summary>Items such as <c>5</c>, <c>1-5</c>, <c>10/15</c>, <c>MON-FRI/2</c>, separated by commas.</summary>
        private string? ReadList(CronField field)
        {
            for (var first = true; ; first = false)
            {
                var start = _position;
                if (ReadValue(field) is { } problem)
                {
                    return problem;
                }

                if (IsSpecialSuffix(field, Current))
                {
                    return first
                        ? ReadSpecialSuffix(field, start)
                        : $"'{Current}' makes a form that must be the whole field, not an item of a list";
                }

                if (Current == '-')
                {
                    _position++;
                    if (ReadValue(field) is { } end)
                    {
                        return end;
                    }
                }

                if (Current == '/' && ReadStep(field) is { } step)
                {
                    return step;
                }

                if (Current != ',')
                {
                    return null;
                }

                _position++;
            }
        }

        /// <summary>A number or a name within the field's range.</summary>
        private string? ReadValue(CronField field)
        {
            if (Current == 'H')
            {
                // Cronos reads H as jitter and needs a seed we do not pass (MissingSeedException); 'h' is no value at all.
                return "'H' (jitter) is not supported";
            }

            if (IsDigit(Current))
            {
                return ReadNumber("a value", field.Min, field.Max);
            }

            if (field.Names is { } names)
            {
                foreach (var name in names)
                {
                    if (_position + name.Length <= _text.Length && EqualsAsciiIgnoreCase(_text.Substring(_position, name.Length), name))
                    {
                        _position += name.Length;
                        return null;
                    }
                }
            }

            return $"expected {field.Expected}, found {Describe(Current)}";
        }

        /// <summary><c>/</c> and a step from 1 to the field's maximum.</summary>
        private string? ReadStep(CronField field)
        {
            _position++;
            return IsDigit(Current) ? ReadNumber("a step", 1, field.Max) : $"expected a step from 1 to {field.Max} after '/', found {Describe(Current)}";
        }

        /// <summary><c>W</c> after a day of month, <c>L</c> or <c>#n</c> after a day of week.</summary>
        private string? ReadSpecialSuffix(CronField field, int valueStart)
        {
            var marker = Current;
            _position++;
            if (marker == '#')
            {
                if (!IsDigit(Current))
                {
                    return $"expected the occurrence 1 to {MaxOccurrence} after '#', found {Describe(Current)}";
                }

                if (ReadNumber("the occurrence after '#'", 1, MaxOccurrence) is { } problem)
                {
                    return problem;
                }
            }

            return AtFieldEnd ? null : WholeFieldProblem(_text.Substring(valueStart, _position - valueStart));
        }

        /// <summary><c>L</c>, then an optional offset <c>-n</c> (0 to 30), then an optional <c>W</c>.</summary>
        private string? ReadLastDayOfMonth()
        {
            var start = _position++;
            if (Current == '-')
            {
                _position++;
                if (!IsDigit(Current))
                {
                    return $"expected an offset from 0 to {MaxLastDayOffset} after 'L-', found {Describe(Current)}";
                }

                if (ReadNumber("the offset after 'L-'", 0, MaxLastDayOffset) is { } problem)
                {
                    return problem;
                }
            }

            if (IsLetter(Current, 'W'))
            {
                _position++;
            }

            return AtFieldEnd ? null : WholeFieldProblem(_text.Substring(start, _position - start));
        }

        /// <summary>Digits at the position (there is at least one), as a number from <paramref name="min"/> to <paramref name="max"/>.</summary>
        private string? ReadNumber(string what, int min, int max)
        {
            var start = _position;
            var value = 0;
            while (IsDigit(Current))
            {
                // Capped so that a long run of digits cannot overflow; it is refused for its length anyway.
                value = System.Math.Min(value * 10 + (Current - '0'), 1000);
                _position++;
            }

            var digits = _text.Substring(start, _position - start);
            if (digits.Length > MaxDigits)
            {
                return $"{what} has at most {MaxDigits} digits: '{digits}'";
            }

            return value < min || value > max ? $"{what} must be a number between {min} and {max}, not {digits}" : null;
        }

        private string WholeFieldProblem(string form)
            => $"'{form}' must be the whole field (no list, range or step), but {Describe(Current)} follows it";

        private static bool IsSpecialSuffix(CronField field, char c)
            => (field.Allows(Specials.NearestWeekday) && IsLetter(c, 'W'))
                || (field.Allows(Specials.LastWeekday) && IsLetter(c, 'L'))
                || (field.Allows(Specials.NthWeekday) && c == '#');

        private string Describe(char c) => AtEnd ? "the end of the string" : c switch
        {
            ' ' => "a space",
            '\t' => "a tab",
            _ when c > ' ' && c < '\u007f' => $"'{c}'",
            _ => $"U+{(int)c:X4}",
        };

        private static bool IsBlank(char c) => c is ' ' or '\t';

        private static bool IsDigit(char c) => c is >= '0' and <= '9';

        /// <summary>ASCII only: Cronos does not take the Turkish 'ı' for 'I' nor the long 'ſ' for 'S'.</summary>
        private static bool IsLetter(char c, char upper) => ToAsciiUpper(c) == upper;

        private static bool EqualsAsciiIgnoreCase(string a, string b)
        {
            if (a.Length != b.Length)
            {
                return false;
            }

            for (var i = 0; i < a.Length; i++)
            {
                if (ToAsciiUpper(a[i]) != ToAsciiUpper(b[i]))
                {
                    return false;
                }
            }

            return true;
        }

        private static char ToAsciiUpper(char c) => c is >= 'a' and <= 'z' ? (char)(c - ('a' - 'A')) : c;
    }
}
