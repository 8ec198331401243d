using System.Globalization;

namespace ClassicCnn.Training;

/// <summary>One measurement repeated with several seeds: the values, their mean and their spread.</summary>
public sealed record SeedSpread(IReadOnlyList<double> Values)
{
    public int Count => Values.Count;
    public double Mean => Values.Average();

    /// <summary>The sample standard deviation (divided by n - 1); NaN for a single value.</summary>
    public double StandardDeviation => Count < 2 ? double.NaN : Math.Sqrt(Values.Sum(v => (v - Mean) * (v - Mean)) / (Count - 1));

    public double Min => Values.Min();
    public double Max => Values.Max();

    /// <summary>"55.3 ± 4.1" with the given number format (the ± part is the standard deviation over the seeds).</summary>
    public string Format(string format = "0.00") =>
        $"{Mean.ToString(format, CultureInfo.InvariantCulture)} ± {StandardDeviation.ToString(format, CultureInfo.InvariantCulture)}";

    public override string ToString() => $"{Format()} (n = {Count})";
}

/// <summary>
/// The verdict of one comparison, computed by <see cref="SeedComparison.Judge"/>: the difference of the means, its
/// standard error, and the word it earns.
/// </summary>
public sealed record Verdict(double Difference, double StandardError, int DegreesOfFreedom, double Critical, bool Measurable, string Word)
{
    public const string NoDifference = "no measurable difference at this scale";

    /// <summary>t = difference / standard error; infinite where the seeds of both arms agree exactly.</summary>
    public double T => StandardError > 0 ? Difference / StandardError : Difference == 0 ? 0 : double.PositiveInfinity * Math.Sign(Difference);

    /// <summary>
    /// Stops a notebook whose text no longer matches its data: returns this verdict when its word is one of
    /// <paramref name="words"/>, and otherwise throws, naming the claim and what the seeds showed.
    /// </summary>
    /// <param name="claim">What the text says, e.g. "ReLU reaches the target faster than the sigmoid".</param>
    /// <param name="words">The verdicts that support the claim.</param>
    public Verdict Expect(string claim, params string[] words)
    {
        if (words.Length == 0) throw new ArgumentException("name at least one verdict that supports the claim.", nameof(words));
        return words.Contains(Word) ? this : throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"The text says {claim}, but this run's verdict is \"{Word}\" (difference {Difference:+0.####;-0.####} ± {StandardError:0.####}, " +
            $"t = {T:0.00} against {Critical:0.00}); it expected {string.Join(" or ", words.Select(w => $"\"{w}\""))}. Read the results and change the text, or find what changed."));
    }

    public override string ToString() => Word;
}

/// <summary>
/// The series' one rule for telling an effect from seed noise: Welch's t-test, two-sided, at the 5% level, on the
/// per-seed values of two arms. A difference counts only when it is larger than the seeds' own spread would produce
/// by chance one time in twenty; otherwise the verdict is "no measurable difference at this scale", which says
/// nothing about larger scales. Every verdict a notebook prints comes from here.
/// </summary>
public static class SeedComparison
{
    /// <summary>At least this many seeds per arm: with two, a spread is a single difference and the test has one degree of freedom.</summary>
    public const int MinimumSeeds = 3;

    /// <param name="baseline">The reference arm's values, one per seed.</param>
    /// <param name="variant">The changed arm's values, one per seed.</param>
    /// <param name="higherIsBetter">True for accuracies; false for errors, losses, epochs to a target.</param>
    /// <param name="better">The word for a measurable improvement ("better", "faster").</param>
    /// <param name="worse">The word for a measurable loss ("worse", "slower").</param>
    public static Verdict Judge(SeedSpread baseline, SeedSpread variant, bool higherIsBetter = true, string better = "better", string worse = "worse")
    {
        Check(baseline, nameof(baseline));
        Check(variant, nameof(variant));
        double difference = variant.Mean - baseline.Mean;
        double a = baseline.StandardDeviation * baseline.StandardDeviation / baseline.Count;
        double b = variant.StandardDeviation * variant.StandardDeviation / variant.Count;
        double standardError = Math.Sqrt(a + b);
        // Welch-Satterthwaite degrees of freedom, rounded down (the conservative side).
        int degrees = a + b == 0 ? baseline.Count + variant.Count - 2
            : Math.Max(1, (int)Math.Floor((a + b) * (a + b) / (a * a / (baseline.Count - 1) + b * b / (variant.Count - 1))));
        return Decide(difference, standardError, degrees, higherIsBetter, better, worse);
    }

    /// <summary>
    /// The same rule for two measures taken on the same runs (one view against ten views of the same trained model):
    /// the paired t-test on the per-seed differences, with n - 1 degrees of freedom. Pairing removes what the seeds
    /// share, so it can see a consistent small change that the unpaired test would call noise.
    /// </summary>
    public static Verdict JudgePaired(SeedSpread before, SeedSpread after, bool higherIsBetter = true, string better = "better", string worse = "worse")
    {
        if (before.Count != after.Count)
            throw new ArgumentException($"{before.Count} and {after.Count} values: a paired comparison needs one value of each per run.", nameof(after));
        Check(before, nameof(before));
        Check(after, nameof(after));
        var differences = new SeedSpread(before.Values.Zip(after.Values, (b, a) => a - b).ToList());
        return Decide(differences.Mean, differences.StandardDeviation / Math.Sqrt(differences.Count), differences.Count - 1, higherIsBetter, better, worse);
    }

    static void Check(SeedSpread arm, string name)
    {
        if (arm.Count < MinimumSeeds)
            throw new ArgumentException($"{arm.Count} value(s): a verdict needs at least {MinimumSeeds} seeds per arm, so that the spread can be estimated.", name);
        if (arm.Values.Any(v => !double.IsFinite(v)))
            throw new ArgumentException($"values {string.Join(", ", arm.Values)} include one that is not a finite number (a measure not taken for this arm, or a target never reached: use the budget it was given, and say so).", name);
    }

    /// <summary>The rule itself: measurable when the difference exceeds the two-sided 5% critical value times its standard error.</summary>
    static Verdict Decide(double difference, double standardError, int degrees, bool higherIsBetter, string better, string worse)
    {
        double critical = StudentT975(degrees);
        bool measurable = difference != 0 && Math.Abs(difference) > critical * standardError;
        string word = !measurable ? Verdict.NoDifference : (difference > 0) == higherIsBetter ? better : worse;
        return new Verdict(difference, standardError, degrees, critical, measurable, word);
    }

    /// <summary>The 97.5% quantile of Student's t distribution (the two-sided 5% critical value), from the standard table.</summary>
    public static double StudentT975(int degreesOfFreedom) => degreesOfFreedom switch
    {
        < 1 => throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "needs at least one degree of freedom."),
        <= 30 => Table[degreesOfFreedom - 1],
        // Between table rows, the value of the row below (fewer degrees of freedom): the conservative side.
        <= 40 => 2.042,
        <= 60 => 2.021,
        <= 120 => 2.000,
        _ => 1.980,
    };

    static readonly double[] Table =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
}
