using System.Diagnostics;
using ClassicCnn.Notebooks;

namespace ClassicCnn.Training;

/// <summary>One arm of an experiment: a name and the recipe it trains for a given seed.</summary>
public sealed record Arm(string Name, Func<int, Recipe> Recipe);

/// <summary>One trained run of an arm: what was measured on it, its history and its wall time.</summary>
public sealed record SeedRun(string Arm, int Seed, IReadOnlyDictionary<string, double> Measures, TrainingHistory History, double Seconds);

/// <summary>Every run of an experiment, with the spreads and verdicts computed from them.</summary>
public sealed class SeedExperimentResult(string title, IReadOnlyList<string> arms, IReadOnlyList<int> seeds, IReadOnlyList<SeedRun> runs, double seconds, int loadedRuns)
{
    public string Title { get; } = title;
    public IReadOnlyList<string> Arms { get; } = arms;
    public IReadOnlyList<int> Seeds { get; } = seeds;
    public IReadOnlyList<SeedRun> Runs { get; } = runs;
    /// <summary>Wall time of the whole experiment, loading included.</summary>
    public double Seconds { get; } = seconds;
    /// <summary>How many of the runs were loaded from their checkpoints instead of trained.</summary>
    public int LoadedRuns { get; } = loadedRuns;

    public SeedSpread Spread(string arm, string measure)
    {
        var runs = Runs.Where(r => r.Arm == arm).ToList();
        if (runs.Count == 0) throw new ArgumentException($"no arm named '{arm}'; the arms are: {string.Join(", ", Arms)}.", nameof(arm));
        if (!runs[0].Measures.ContainsKey(measure))
            throw new ArgumentException($"no measure named '{measure}'; the measures are: {string.Join(", ", runs[0].Measures.Keys)}.", nameof(measure));
        return new SeedSpread(runs.Select(r => r.Measures[measure]).ToList());
    }

    /// <summary>The verdict of <paramref name="variant"/> against <paramref name="baseline"/> on one measure (<see cref="SeedComparison.Judge"/>).</summary>
    public Verdict Judge(string measure, string baseline, string variant, bool higherIsBetter = true, string better = "better", string worse = "worse") =>
        SeedComparison.Judge(Spread(baseline, measure), Spread(variant, measure), higherIsBetter, better, worse);

    /// <summary>
    /// One row per arm: the measure's mean and spread, every seed's value, the difference from the baseline and the
    /// verdict, and the arm's wall time (training, loading and measuring). <paramref name="scale"/> and <paramref name="format"/> shape the numbers
    /// (100 and "0.0" show accuracies in points).
    /// </summary>
    public HtmlTable Table(string measure, string baseline, bool higherIsBetter = true, double scale = 1, string format = "0.00",
        string better = "better", string worse = "worse", string? caption = null)
    {
        string F(double value) => (value * scale).ToString(format, System.Globalization.CultureInfo.InvariantCulture);
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { DisplayLanguage.Text("arm", "实验组"), DisplayLanguage.Text($"{measure}: mean ± sd", $"{measure}：均值 ± 标准差"), DisplayLanguage.Text("each seed", "各随机种子"),
                DisplayLanguage.Text("against the baseline", "与基线之差"), DisplayLanguage.Text("verdict", "结论"), DisplayLanguage.Text("wall seconds (all seeds)", "耗时（秒，全部种子）") },
        };
        foreach (string arm in Arms)
        {
            var spread = Spread(arm, measure);
            string seeds = string.Join(", ", Runs.Where(r => r.Arm == arm).Select(r => $"{F(r.Measures[measure])} (seed {r.Seed})"));
            var verdict = arm == baseline ? null : Judge(measure, baseline, arm, higherIsBetter, better, worse);
            rows.Add([arm, $"{F(spread.Mean)} ± {F(spread.StandardDeviation)}", seeds,
                verdict is null ? DisplayLanguage.Text("(baseline)", "（基线）") : $"{(verdict.Difference >= 0 ? "+" : "")}{F(verdict.Difference)} ± {F(verdict.StandardError)}",
                verdict?.Word ?? "", $"{Runs.Where(r => r.Arm == arm).Sum(r => r.Seconds):0}"]);
        }
        return new HtmlTable(rows, caption ?? DisplayLanguage.Text($"{Title}: {measure} over seeds {string.Join(", ", Seeds)}", $"{Title}：{measure}，随机种子 {string.Join("、", Seeds)}"));
    }
}

/// <summary>
/// Trains every arm of an experiment once per seed, measures each run as it finishes and then frees it (so memory
/// stays flat however many runs there are), and shows which run is training and how long is left.
/// </summary>
public static class SeedExperiment
{
    public static SeedExperimentResult Run(string title, IReadOnlyList<Arm> arms, IReadOnlyList<int> seeds,
        Func<TrainingRun, IReadOnlyDictionary<string, double>> measure)
    {
        if (arms.Count == 0) throw new ArgumentException("an experiment needs at least one arm.", nameof(arms));
        if (arms.Select(a => a.Name).Distinct().Count() != arms.Count)
            throw new ArgumentException($"two arms share a name: {string.Join(", ", arms.Select(a => a.Name))}.", nameof(arms));
        if (seeds.Count < SeedComparison.MinimumSeeds || seeds.Distinct().Count() != seeds.Count)
            throw new ArgumentException($"seeds {string.Join(", ", seeds)}: give at least {SeedComparison.MinimumSeeds} different seeds, so the spread can be estimated.", nameof(seeds));

        var clock = Stopwatch.StartNew();
        var status = new StatusLine();
        int total = arms.Count * seeds.Count;
        var runs = new List<SeedRun>();
        var loads = new LoadCounter();
        foreach (var seed in seeds)
            foreach (var arm in arms)
            {
                double left = runs.Count == 0 ? double.NaN : clock.Elapsed.TotalSeconds / runs.Count * (total - runs.Count);
                status.Show($"{title}: training {arm.Name}, seed {seed} (run {runs.Count + 1} of {total}; {TrainingProgress.Duration(clock.Elapsed.TotalSeconds)} so far" +
                            (double.IsNaN(left) ? ")" : $", about {TrainingProgress.Duration(left)} left)"));
                var recipe = Seeded(arm.Recipe(seed), seed);
                var started = clock.Elapsed.TotalSeconds;
                using var run = recipe.Train(loads);
                runs.Add(new SeedRun(arm.Name, seed, measure(run), run.History, clock.Elapsed.TotalSeconds - started));
            }
        status.Show($"{title}: {total} runs ({arms.Count} arms x {seeds.Count} seeds) in {TrainingProgress.Duration(clock.Elapsed.TotalSeconds)}" +
                    (loads.Count > 0 ? $"; {loads.Count} of them loaded from their checkpoints, finished before with the same build of the library" : ""), final: true);
        // Order the runs by arm, then seed, whatever order they trained in.
        var ordered = arms.SelectMany(a => runs.Where(r => r.Arm == a.Name).OrderBy(r => seeds.ToList().IndexOf(r.Seed))).ToList();
        return new SeedExperimentResult(title, arms.Select(a => a.Name).ToList(), seeds, ordered, clock.Elapsed.TotalSeconds, loads.Count);
    }

    /// <summary>The recipe an experiment trains for one seed: the seed in its options and in its name (and so in its checkpoint's name).</summary>
    public static Recipe Seeded(Recipe recipe, int seed) =>
        recipe with { Name = $"{recipe.Name}, seed {seed}", Options = recipe.Options with { Seed = seed } };

    /// <summary>Reports nothing while runs train (the status line does), and counts the runs loaded instead.</summary>
    sealed class LoadCounter : ITrainingProgress
    {
        public int Count { get; private set; }
        public void Started(string model, string settings, int epochs, int stepsPerEpoch) { }
        public void Step(int epoch, int step, double loss, double examplesPerSecond) { }
        public void EpochEnded(EpochRecord record, TrainingHistory history) { }
        public void Loaded(string model, string checkpoint, TrainingHistory history) => Count++;
    }

    /// <summary>One line redrawn in a notebook; a printed line per change in a console.</summary>
    sealed class StatusLine
    {
        IDisplayHandle? handle;

        public void Show(string text, bool final = false)
        {
            if (!LiveDisplay.InNotebook) { Console.WriteLine(text); return; }
            // A headless run keeps every redraw as an output of its own: there, only the first and the last line.
            if (handle is not null && LiveDisplay.Headless && !final) return;
            var html = HtmlText.Status(text);
            if (handle is null) handle = LiveDisplay.Show(html);
            else handle.Update(html);
        }
    }
}
