using Cronos;
using TypedTasks.Semantics;

namespace TypedTasks.Runtime.Tests;

/// <summary>
/// The analyzer checks cron strings with <see cref="CronSyntax"/>, the runtime parses them with Cronos: both must say
/// the same of every string, or a schedule the build accepted would stop a worker at start-up (or the reverse).
/// </summary>
public sealed class CronSyntaxTests
{
    private static readonly string[] Pieces =
    [
        "*", "?", "*/5", "*/0", "*/61", "0", "5", "59", "60", "7", "8", "12", "13", "23", "24", "31", "32", "00", "05", "007", "1-5", "5-1",
        "1-5/2", "10/15", "1,2,3", "1,,2", "1,", ",1", "1-", "-1", "1--2", "L", "l", "L-3", "L-31", "LW", "lw", "L-2W", "15W", "15w", "W",
        "5L", "FRIL", "3#2", "3#6", "3#0", "MON#1", "#", "H", "H/5", "h", "JAN", "jan", "Dec", "JAN-MAR", "MON-FRI", "mon,wed,fri", "SUN",
        "SUNDAY", "JA", "FOO", "x", "", "*/", "*/5/5", "1-5/", "?/2", "1/0", "0-59", "0-60", "1-31", "2-29/3", "L-0", "3L", "0#5", "7#5",
        "\u0661", "1.5", "+1", " ", "\t",
    ];

    private static readonly string[] Macros =
    [
        "@every_second", "@every_minute", "@Every_Minute", "@EVERY_SECOND", "@hourly", "@daily", "@midnight", "@weekly", "@monthly",
        "@yearly", "@annually", "@ANNUALLY", "@every", "@every_", "@every_sec", "@every_minutes", "@hourlyx", "@month", "@mid",
        "@", "@ daily", "@daily ", " @daily", "@daily x", "@reboot", "@m", "@e", "@every__second", "@every-second", "@yearly\t",
    ];

    [Theory]
    [InlineData("0 */5 * * * *")]
    [InlineData("0 0 3 * * *")]
    [InlineData("*/15 * * * * *")]
    [InlineData("0 30 2 * * MON-FRI")]
    [InlineData("0 0 12 L * ?")]
    [InlineData("0 0 9 ? * 5#3")]
    [InlineData("0 0 0 15W * *")]
    [InlineData("@daily")]
    [InlineData("@every_second")]
    public void Valid_AcceptedByBoth(string cron)
    {
        Assert.True(CronosAccepts(cron));
        Assert.Null(CronSyntax.GetProblem(cron));
    }

    [Theory]
    [InlineData("0 */5 * * *")] // five fields: the format needs seconds
    [InlineData("0 0 3 * * * *")]
    [InlineData("60 * * * * *")]
    [InlineData("0 0 24 * * *")]
    [InlineData("0 0 0 * 13 *")]
    [InlineData("0 0 0 * * 8")]
    [InlineData("H * * * * *")]
    [InlineData("@reboot")]
    [InlineData("")]
    public void Invalid_RefusedByBoth_WithAReason(string cron)
    {
        Assert.False(CronosAccepts(cron));
        Assert.NotNull(CronSyntax.GetProblem(cron));
    }

    /// <summary>Fields drawn from valid and broken pieces, field counts 4 to 7, odd white space, macros, and random
    /// edits of valid strings: tens of thousands of strings, about half valid, each judged the same by both.</summary>
    [Fact]
    public void ThousandsOfExpressions_CronSyntaxAgreesWithCronos()
    {
        var random = new Random(12);
        var disagreements = new List<string>();
        var valid = 0;
        const int Count = 40_000;
        for (var i = 0; i < Count; i++)
        {
            var expression = (i % 10) switch
            {
                0 => Macros[random.Next(Macros.Length)],
                1 or 2 => Mutate(ValidExpression(random), random),
                3 or 4 or 5 => ValidExpression(random),
                _ => RandomExpression(random),
            };
            var cronos = CronosAccepts(expression);
            valid += cronos ? 1 : 0;
            if (cronos != CronSyntax.IsValid(expression))
            {
                disagreements.Add($"\"{expression}\": Cronos {(cronos ? "accepts" : "refuses")}, CronSyntax {(cronos ? "refuses: " + CronSyntax.GetProblem(expression) : "accepts")}");
            }
        }

        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements.Take(30)));
        Assert.InRange(valid, Count / 5, Count * 4 / 5);
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
        var second = Pick("0", "*", "*/5", "10-20", "0,30", "15/15", "59", "5-55/10");
        var minute = Pick("0", "*", "*/15", "0-29", "5,10,15", "45/5", "30");
        var hour = Pick("0", "*", "3", "9-17", "*/2", "22-2", "12/3");
        var day = Pick("*", "?", "1", "15", "L", "L-2", "LW", "15W", "1-15", "*/10", "31", "28-3");
        var month = Pick("*", "1", "JAN", "jan-jun", "*/3", "12", "NOV-FEB", "6,12");
        var week = Pick("*", "?", "MON-FRI", "0", "7", "SUN", "5L", "3#2", "1,3,5", "SAT-MON", "mon/2");
        return string.Join(" ", second, minute, hour, day, month, week);
    }

    private static string Mutate(string expression, Random random)
    {
        const string Alphabet = "0123456789*?/-,#LWH @ \tJANMONxl";
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
}
