using ClassicCnn.Models;
using ClassicCnn.Training;

namespace ClassicCnn.Tests;

public class SeedComparisonTests
{
    static SeedSpread S(params double[] values) => new(values);

    [Fact]
    public void A_difference_larger_than_the_seed_spread_allows_is_measurable()
    {
        // By hand: means 2 and 5, both sd 1; standard error sqrt(1/3 + 1/3) = 0.8165; t = 3.674; Welch df = 4; t(0.975, 4) = 2.776.
        var verdict = SeedComparison.Judge(S(1, 2, 3), S(4, 5, 6));
        Assert.Equal(3, verdict.Difference, 12);
        Assert.Equal(Math.Sqrt(2.0 / 3), verdict.StandardError, 12);
        Assert.Equal(4, verdict.DegreesOfFreedom);
        Assert.Equal(2.776, verdict.Critical);
        Assert.Equal(3.674, verdict.T, 3);
        Assert.True(verdict.Measurable);
        Assert.Equal("better", verdict.Word);
        Assert.Equal("worse", SeedComparison.Judge(S(4, 5, 6), S(1, 2, 3)).Word);
    }

    [Fact]
    public void A_verdict_the_text_relies_on_passes_and_any_other_stops_the_cell_naming_the_claim()
    {
        var better = SeedComparison.Judge(S(1, 2, 3), S(4, 5, 6));
        Assert.Same(better, better.Expect("the variant is better", "better"));
        Assert.Same(better, better.Expect("the variant is not worse", "better", Verdict.NoDifference));

        var noise = SeedComparison.Judge(S(1, 2, 3), S(1.5, 2.5, 3.5));
        var error = Assert.Throws<InvalidOperationException>(() => noise.Expect("the variant is better", "better"));
        Assert.Contains("The text says the variant is better", error.Message);
        Assert.Contains($"\"{Verdict.NoDifference}\"", error.Message);
        Assert.Contains("expected \"better\"", error.Message);
        Assert.Contains("+0.5 ± 0.8165", error.Message);
        Assert.Throws<ArgumentException>(() => better.Expect("anything"));
    }

    [Fact]
    public void A_difference_within_the_seed_spread_is_no_measurable_difference()
    {
        // t = 0.5 / 0.8165 = 0.61, far below 2.776.
        var verdict = SeedComparison.Judge(S(1, 2, 3), S(1.5, 2.5, 3.5));
        Assert.False(verdict.Measurable);
        Assert.Equal(Verdict.NoDifference, verdict.Word);
        Assert.Equal("no measurable difference at this scale", verdict.ToString());
    }

    [Fact]
    public void Lower_is_better_for_epochs_to_a_target_and_the_words_are_the_callers()
    {
        var verdict = SeedComparison.Judge(S(3.0, 3.1, 2.9), S(1.0, 1.1, 0.9), higherIsBetter: false, better: "faster", worse: "slower");
        Assert.Equal("faster", verdict.Word);
        Assert.Equal("slower", SeedComparison.Judge(S(1.0, 1.1, 0.9), S(3.0, 3.1, 2.9), higherIsBetter: false, better: "faster", worse: "slower").Word);
    }

    [Fact]
    public void Unequal_spreads_use_welchs_degrees_of_freedom_rounded_down()
    {
        // Variances 1 and 62.5 over 3 and 5 seeds: (1/3 + 12.5)^2 / ((1/3)^2/2 + 12.5^2/4) = 164.7 / 39.12 = 4.21 -> 4.
        var verdict = SeedComparison.Judge(S(1, 2, 3), S(-8, 2, 12, -3, 7));
        Assert.Equal(4, verdict.DegreesOfFreedom);
        Assert.False(verdict.Measurable);
    }

    [Fact]
    public void A_paired_comparison_sees_a_consistent_change_the_unpaired_one_calls_noise()
    {
        // Three seeds spread widely, each improved by about 1: differences 1.0, 1.1, 0.9 (mean 1, sd 0.1, t = 17.3, df 2).
        var before = S(60, 70, 80);
        var after = S(61, 71.1, 80.9);
        Assert.False(SeedComparison.Judge(before, after).Measurable);
        var paired = SeedComparison.JudgePaired(before, after);
        Assert.Equal(1.0, paired.Difference, 10);
        Assert.Equal(0.1 / Math.Sqrt(3), paired.StandardError, 10);
        Assert.Equal(2, paired.DegreesOfFreedom);
        Assert.Equal("better", paired.Word);
        Assert.Throws<ArgumentException>(() => SeedComparison.JudgePaired(S(1, 2, 3), S(1, 2, 3, 4)));
    }

    [Fact]
    public void Seeds_that_agree_exactly_make_any_difference_measurable_and_none_no_difference()
    {
        Assert.True(SeedComparison.Judge(S(0.5, 0.5, 0.5), S(0.6, 0.6, 0.6)).Measurable);
        Assert.False(SeedComparison.Judge(S(0.5, 0.5, 0.5), S(0.5, 0.5, 0.5)).Measurable);
    }

    [Fact]
    public void Too_few_seeds_or_a_value_that_is_not_a_number_are_refused_with_what_to_do()
    {
        var few = Assert.Throws<ArgumentException>(() => SeedComparison.Judge(S(1, 2), S(1, 2, 3)));
        Assert.Equal("baseline", few.ParamName);
        Assert.Contains("at least 3 seeds per arm", few.Message);
        var nan = Assert.Throws<ArgumentException>(() => SeedComparison.Judge(S(1, 2, 3), S(1, double.PositiveInfinity, 3)));
        Assert.Equal("variant", nan.ParamName);
        Assert.Contains("a target never reached: use the budget it was given", nan.Message);
    }

    [Theory]
    [InlineData(1, 12.706)]
    [InlineData(2, 4.303)]
    [InlineData(10, 2.228)]
    [InlineData(30, 2.042)]
    [InlineData(31, 2.042)] // between rows: the row with fewer degrees of freedom (the true value is 2.040)
    [InlineData(1000, 1.980)]
    public void The_critical_values_are_students_t_at_97_5_percent(int degrees, double expected) =>
        Assert.Equal(expected, SeedComparison.StudentT975(degrees));

    [Fact]
    public void The_spread_is_the_sample_standard_deviation()
    {
        var spread = S(2, 4, 4, 4, 5, 5, 7, 9);
        Assert.Equal(5, spread.Mean);
        Assert.Equal(Math.Sqrt(32.0 / 7), spread.StandardDeviation, 12);
        Assert.Equal("5.00 ± 2.14", spread.Format());
        Assert.True(double.IsNaN(S(1).StandardDeviation));
    }
}

[Collection(EnvironmentCollection.Name)]
public class SeedExperimentTests
{
    static Recipe Tiny(Activation activation) => Recipes.LeNet(activation, Pooling.Max, TrainingProfile.Quick) with
    {
        Name = $"tiny LeNet ({activation})", TrainLimit = 300, TestLimit = 200, Checkpoint = false,
        Options = Recipes.LeNet(activation, Pooling.Max, TrainingProfile.Quick).Options with { Epochs = 1 },
    };

    [Fact]
    public void Every_arm_trains_once_per_seed_and_each_run_is_measured_and_judged()
    {
        var result = SeedExperiment.Run("tiny", [new Arm("ReLU", _ => Tiny(Activation.ReLU)), new Arm("sigmoid", _ => Tiny(Activation.Sigmoid))], [1, 2, 3],
            run => new Dictionary<string, double> { ["test accuracy"] = run.TestAccuracy, ["seed seen"] = run.Name.EndsWith("seed 2") ? 2 : 0 });

        Assert.Equal(["ReLU", "ReLU", "ReLU", "sigmoid", "sigmoid", "sigmoid"], result.Runs.Select(r => r.Arm));
        Assert.Equal([1, 2, 3, 1, 2, 3], result.Runs.Select(r => r.Seed));
        Assert.Equal([0, 2, 0], result.Spread("ReLU", "seed seen").Values); // the seed reached the recipe
        var relu = result.Spread("ReLU", "test accuracy");
        Assert.Equal(3, relu.Values.Distinct().Count()); // seeds change the initialisation and the data order
        Assert.All(relu.Values, v => Assert.InRange(v, 0.15, 1.0)); // above chance (0.1) after one short epoch
        Assert.All(result.Runs, r => Assert.True(r.Seconds > 0 && r.History.Epochs.Count == 1));
        var verdict = result.Judge("test accuracy", "sigmoid", "ReLU");
        Assert.Equal(relu.Mean - result.Spread("sigmoid", "test accuracy").Mean, verdict.Difference, 12);
        var table = result.Table("test accuracy", "sigmoid", scale: 100, format: "0.0");
        Assert.Equal(3, table.Rows.Count);
        Assert.Equal(verdict.Word, table.Rows[1][4]);
        Assert.Equal("(baseline)", table.Rows[2][3]);
        Assert.Contains("(seed 3)", table.Rows[1][2]);
        Assert.Throws<ArgumentException>(() => result.Spread("tanh", "test accuracy"));
    }

    [Fact]
    public void The_activation_experiment_run_again_is_loaded_with_the_readings_its_measure_needs()
    {
        // 02's activation experiment, cut to one short epoch of 1,280 images (10 steps, a training-error reading after each).
        var recipe = Recipes.ActivationExperiment(Activation.ReLU, TrainingProfile.Quick) with { TrainLimit = 1_280, TestLimit = 128 };
        recipe = recipe with { Options = recipe.Options with { Epochs = 1 } };
        int[] seeds = [5101, 5102, 5103];
        var paths = seeds.Select(seed => SeedExperiment.Seeded(recipe, seed).CheckpointPath()).ToList();
        paths.ForEach(File.Delete);
        try
        {
            SeedExperimentResult Run() => SeedExperiment.Run("activation, tiny", [new Arm("ReLU", _ => recipe)], seeds,
                run => new Dictionary<string, double> { ["epochs to 85% training error"] = run.History.EpochsToTrainingError(0.85) ?? -1 });
            var first = Run();
            Assert.Equal(0, first.LoadedRuns);
            Assert.All(paths, path => Assert.True(File.Exists(path), $"no checkpoint at {path}"));
            var second = Run();
            Assert.Equal(3, second.LoadedRuns);
            foreach (var (trained, loaded) in first.Runs.Zip(second.Runs))
            {
                Assert.Equal(10, loaded.History.TrainLoss.Count);
                Assert.Equal(trained.History.TrainLoss, loaded.History.TrainLoss);
                Assert.Equal(trained.History.Epochs, loaded.History.Epochs); // their wall times too: loaded, not trained again
                Assert.Equal(trained.Measures["epochs to 85% training error"], loaded.Measures["epochs to 85% training error"]);
            }
        }
        finally
        {
            paths.ForEach(File.Delete);
        }
    }

    [Fact]
    public void An_experiment_needs_three_distinct_seeds_and_distinct_arm_names()
    {
        var arm = new Arm("ReLU", _ => Tiny(Activation.ReLU));
        Assert.Contains("at least 3 different seeds", Assert.Throws<ArgumentException>(() => SeedExperiment.Run("t", [arm], [1, 2], _ => new Dictionary<string, double>())).Message);
        Assert.Contains("at least 3 different seeds", Assert.Throws<ArgumentException>(() => SeedExperiment.Run("t", [arm], [1, 1, 2], _ => new Dictionary<string, double>())).Message);
        Assert.Contains("two arms share a name", Assert.Throws<ArgumentException>(() => SeedExperiment.Run("t", [arm, arm], [1, 2, 3], _ => new Dictionary<string, double>())).Message);
    }
}
