namespace TypedTasks.Semantics;

/// <summary>
/// The one definition of the cron strings of <c>[Periodic]</c> and <c>AddPeriodic</c>: what Cronos 0.13.0 accepts with
/// <c>CronFormat.IncludeSeconds</c> (six fields, seconds first: <c>"0 */5 * * * *"</c>), and its macros
/// (<c>@daily</c>, <c>@every_second</c>…). The generator and the analyzer (TT0010) check them with this; the runtime
/// parses them with Cronos itself.
/// </summary>
/// <remarks>
/// Why a validator of our own instead of Cronos in the analyzer: the analyzers run inside the compiler, and a
/// dependency of an analyzer must be shipped next to it under <c>analyzers/dotnet/cs</c> and is loaded into the
/// compiler's and the IDE's process, where two analyzer packages carrying different Cronos versions collide. This file
/// is a line-by-line port of Cronos 0.13.0's <c>CronParser</c> (MIT, HangfireIO/Cronos) reduced to accepting or
/// refusing; <c>tests/Runtime.Tests/CronSyntaxTests.cs</c> compares both on thousands of expressions, so a Cronos
/// upgrade that changes the grammar fails that test. One deliberate difference: Cronos's jitter fields (<c>H</c>)
/// need a seed we do not pass, so <c>H</c> is refused by both (Cronos throws <c>MissingSeedException</c> there).
/// Linked into the generator, the analyzers and the runtime: netstandard2.0-compatible and internal.
/// </remarks>
internal static class CronSyntax
{
    /// <summary>What to write instead of an invalid cron string.</summary>
    public const string Fix = "write six fields, seconds first (\"second minute hour day-of-month month day-of-week\"), such as \"0 */5 * * * *\" or \"0 0 3 * * *\"";

    private static readonly string[] MonthNames = { string.Empty, "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
    private static readonly string[] DayNames = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN" };

    private static readonly Field Seconds = new("seconds", 0, 59, null);
    private static readonly Field Minutes = new("minutes", 0, 59, null);
    private static readonly Field Hours = new("hours", 0, 23, null);
    private static readonly Field DaysOfMonth = new("days of month", 1, 31, null);
    private static readonly Field Months = new("months", 1, 12, MonthNames);
    private static readonly Field DaysOfWeek = new("days of week", 0, 7, DayNames);

    /// <summary>Whether Cronos accepts <paramref name="expression"/> in the six-field format.</summary>
    public static bool IsValid(string? expression) => GetProblem(expression) is null;

    /// <summary>What is wrong with <paramref name="expression"/> (in words, without the fix), or <see langword="null"/>.</summary>
    public static string? GetProblem(string? expression)
    {
        if (expression is null)
        {
            return "the cron string is null";
        }

        var parser = new Parser(expression);
        try
        {
            parser.Parse();
            return null;
        }
        catch (CronSyntaxException ex)
        {
            return ex.Message;
        }
    }

    private sealed class Field
    {
        public Field(string name, int first, int last, string[]? names)
        {
            Name = name;
            First = first;
            Last = last;
            Names = names;
        }

        public string Name { get; }

        public int First { get; }

        public int Last { get; }

        public string[]? Names { get; }
    }

    private sealed class CronSyntaxException : System.Exception
    {
        public CronSyntaxException(string message)
            : base(message)
        {
        }
    }

    /// <summary>Cronos reads a NUL-terminated buffer; <see cref="Peek"/> returns '\0' past the end, as it does.</summary>
    private sealed class Parser
    {
        private readonly string _text;
        private int _position;

        public Parser(string text)
        {
            _text = text;
        }

        private char Peek => _position < _text.Length ? _text[_position] : '\0';

        public void Parse()
        {
            SkipWhiteSpaces();
            if (Accept('@'))
            {
                if (!ParseMacro())
                {
                    throw Error("the macro is not one of @every_second, @every_minute, @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually");
                }

                SkipWhiteSpaces();
                if (Peek != '\0')
                {
                    throw Error($"unexpected '{Peek}' after the macro");
                }

                return;
            }

            ParseField(Seconds);
            ParseWhiteSpace(Seconds);
            ParseField(Minutes);
            ParseWhiteSpace(Minutes);
            ParseField(Hours);
            ParseWhiteSpace(Hours);
            ParseDayOfMonth();
            ParseWhiteSpace(DaysOfMonth);
            ParseField(Months);
            ParseWhiteSpace(Months);
            ParseDayOfWeek();
            ParseEndOfString();
        }

        private bool ParseMacro()
        {
            var upper = ToUpper(Peek);
            _position++;
            switch (upper)
            {
                case 'A':
                    return AcceptWord("NNUALLY");
                case 'D':
                    return AcceptWord("AILY");
                case 'E':
                    if (!AcceptWord("VERY") || !Accept('_'))
                    {
                        return false;
                    }

                    if (AcceptWord("MINUTE"))
                    {
                        return true;
                    }

                    // Cronos goes on to SECOND only when nothing of MINUTE was consumed.
                    return _text[_position - 1] == '_' && AcceptWord("SECOND");
                case 'H':
                    return AcceptWord("OURLY");
                case 'M':
                    if (AcceptWord("ONTHLY"))
                    {
                        return true;
                    }

                    return ToUpper(_text[_position - 1]) == 'M' && AcceptWord("IDNIGHT");
                case 'W':
                    return AcceptWord("EEKLY");
                case 'Y':
                    return AcceptWord("EARLY");
                default:
                    _position--;
                    return false;
            }
        }

        /// <summary>Cronos's chained <c>AcceptCharacter</c>: consumes letters while they match, stops at the first that does not.</summary>
        private bool AcceptWord(string upperWord)
        {
            foreach (var c in upperWord)
            {
                if (!AcceptCharacter(c))
                {
                    return false;
                }
            }

            return true;
        }

        private void ParseField(Field field)
        {
            if (Accept('*') || Accept('?'))
            {
                ParseStar(field);
                return;
            }

            RefuseHash(field);
            var number = ParseValue(field);
            ParseRange(field, number);
            if (Accept(','))
            {
                ParseList(field);
            }
        }

        private void ParseDayOfMonth()
        {
            var field = DaysOfMonth;
            if (Accept('*') || Accept('?'))
            {
                ParseStar(field);
                return;
            }

            RefuseHash(field);
            if (AcceptCharacter('L'))
            {
                if (Accept('-'))
                {
                    ParseNumber(field, 0, field.Last - 1);
                }

                AcceptCharacter('W');
                return;
            }

            var day = ParseValue(field);
            if (AcceptCharacter('W'))
            {
                return;
            }

            ParseRange(field, day);
            if (Accept(','))
            {
                ParseList(field);
            }
        }

        private void ParseDayOfWeek()
        {
            var field = DaysOfWeek;
            if (Accept('*') || Accept('?'))
            {
                ParseStar(field);
                return;
            }

            RefuseHash(field);
            var day = ParseValue(field);
            if (AcceptCharacter('L'))
            {
                return;
            }

            if (Accept('#'))
            {
                ParseNumber(field, 1, 5);
                return;
            }

            ParseRange(field, day);
            if (Accept(','))
            {
                ParseList(field);
            }
        }

        private void RefuseHash(Field field)
        {
            if (Peek == 'H')
            {
                throw Error($"{field.Name}: 'H' (jitter) is not supported");
            }
        }

        private void ParseStar(Field field)
        {
            if (Accept('/'))
            {
                ParseNumber(field, 1, field.Last);
            }
        }

        private void ParseList(Field field)
        {
            var number = ParseValue(field);
            ParseRange(field, number);
            while (Accept(','))
            {
                ParseList(field);
            }
        }

        private void ParseRange(Field field, int low)
        {
            if (!Accept('-'))
            {
                if (Accept('/'))
                {
                    ParseNumber(field, 1, field.Last);
                }

                return;
            }

            ParseValue(field);
            if (Accept('/'))
            {
                ParseNumber(field, 1, field.Last);
            }
        }

        private int ParseNumber(Field field, int low, int high)
        {
            var number = GetNumber(null);
            if (number == -1 || number < low || number > high)
            {
                throw Error($"{field.Name}: a value must be a number between {low} and {high}");
            }

            return number;
        }

        private int ParseValue(Field field)
        {
            var number = GetNumber(field.Names);
            if (number == -1 || number < field.First || number > field.Last)
            {
                throw Error($"{field.Name}: a value must be a number between {field.First} and {field.Last}"
                    + (field.Names is null ? string.Empty : " or a three-letter name"));
            }

            return number;
        }

        private int GetNumber(string[]? names)
        {
            if (IsDigit(Peek))
            {
                var number = Peek - '0';
                _position++;
                if (!IsDigit(Peek))
                {
                    return number;
                }

                number = (number * 10) + (Peek - '0');
                _position++;
                return IsDigit(Peek) ? -1 : number;
            }

            if (names is null)
            {
                return -1;
            }

            var letters = new char[3];
            for (var i = 0; i < 3; i++)
            {
                if (!IsLetter(Peek))
                {
                    return -1;
                }

                letters[i] = ToUpper(Peek);
                _position++;
            }

            var word = new string(letters);
            for (var i = 0; i < names.Length; i++)
            {
                if (names[i] == word)
                {
                    return i;
                }
            }

            return -1;
        }

        private void ParseWhiteSpace(Field previous)
        {
            if (!IsWhiteSpace(Peek))
            {
                throw Error(Peek == '\0'
                    ? $"the string ends after the {previous.Name} field; six fields are needed"
                    : $"{previous.Name}: unexpected '{Peek}'");
            }

            SkipWhiteSpaces();
        }

        private void ParseEndOfString()
        {
            if (!IsWhiteSpace(Peek) && Peek != '\0')
            {
                throw Error($"{DaysOfWeek.Name}: unexpected '{Peek}'");
            }

            SkipWhiteSpaces();
            if (Peek != '\0')
            {
                throw Error($"unexpected '{Peek}' after the sixth field (a seventh field, or a five-field string without seconds?)");
            }
        }

        private void SkipWhiteSpaces()
        {
            while (IsWhiteSpace(Peek))
            {
                _position++;
            }
        }

        private bool Accept(char c)
        {
            if (Peek == c)
            {
                _position++;
                return true;
            }

            return false;
        }

        private bool AcceptCharacter(char upper)
        {
            if (ToUpper(Peek) == upper)
            {
                _position++;
                return true;
            }

            return false;
        }

        private static bool IsWhiteSpace(char c) => c is '\t' or ' ';

        private static bool IsDigit(char c) => c is >= '0' and <= '9';

        private static bool IsLetter(char c) => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z');

        private static char ToUpper(char c) => c is >= 'a' and <= 'z' ? (char)(c - 32) : c;

        private static CronSyntaxException Error(string message) => new(message);
    }
}
