using ClassicCnn.Data;
using ClassicCnn.Models;
using ClassicCnn.Platform;
using ClassicCnn.Training;
using Microsoft.Extensions.Time.Testing;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Tests;

/// <summary>The pipeline and the trainer on a small real subset of the bundled MNIST sample (alone: they seed the global generator).</summary>
[Collection(EnvironmentCollection.Name)]
public class TrainingTests
{
    static ImageDataset Sample(Split split, int count) =>
        ImageDataset.Load(Datasets.Mnist, split, CPU).Subset(count, seed: 5);

    static readonly Preprocessing MnistNormalised = new() { Normalize = (0.13, 0.31) };

    /// <summary>A modern LeNet trained on a few hundred real digits (tested on <paramref name="test"/> when given).</summary>
    static (LeNet Model, TrainingHistory History) TrainTinyLeNet(int trainCount, long seed, int epochs, ImageDataset? test = null)
    {
        using var train = Sample(Split.Train, trainCount);
        TorchRuntime.Seed(seed);
        var model = new LeNet(Activation.ReLU, Pooling.Max);
        var history = new Trainer(model, Quick(epochs)).Fit(new BatchLoader(train, 50, MnistNormalised, seed: seed),
            test is null ? null : new BatchLoader(test, 250, MnistNormalised, shuffle: false), TrainingProgress.Silent);
        return (model, history);
    }

    static TrainingOptions Quick(int epochs = 2) => new() { Epochs = epochs, Optimizer = OptimizerKind.Adam, LearningRate = 0.003, Seed = 3, Device = CPU };

    [Fact]
    public void Batches_have_the_right_shapes_ranges_and_a_seeded_order()
    {
        using var data = Sample(Split.Train, 300);
        var loader = new BatchLoader(data, 64, Preprocessing.LeNet5, seed: 9);
        var batches = loader.Epoch(0, train: false).ToList();
        Assert.Equal(5, batches.Count);
        Assert.Equal([64L, 1, 32, 32], batches[0].Images.shape);
        Assert.Equal([44L, 1, 32, 32], batches[^1].Images.shape);
        Assert.Equal(ScalarType.Float32, batches[0].Images.dtype);
        Assert.Equal(-0.1f, batches[0].Images.min().item<float>(), 4);
        Assert.InRange(batches[0].Images.max().item<float>(), 1.0f, 1.1751f);
        Assert.Equal(ScalarType.Int64, batches[0].Labels.dtype);

        // Same seed and epoch: same order; another epoch: another order; and every example exactly once.
        long[] Labels(int epoch, long seed) => new BatchLoader(data, 64, Preprocessing.None, seed: seed).Epoch(epoch, false)
            .SelectMany(b => b.Labels.data<long>().ToArray()).ToArray();
        Assert.Equal(Labels(0, 9), Labels(0, 9));
        Assert.NotEqual(Labels(0, 9), Labels(1, 9));
        Assert.Equal(data.Labels.data<long>().ToArray().Order(), Labels(1, 9).Order());
    }

    [Fact]
    public void Transforms_work_on_whole_batches()
    {
        using var x = arange(2 * 1 * 4 * 4, dtype: ScalarType.Float32).reshape(2, 1, 4, 4);
        random.manual_seed(0);
        // 64 images that are not mirror-symmetric: each comes back as it was or mirrored, and both happen.
        using var many = arange(64 * 4 * 4, dtype: ScalarType.Float32).reshape(64, 1, 4, 4);
        using var flipped = Preprocessing.RandomHorizontalFlip(many);
        int mirrored = 0;
        for (int i = 0; i < 64; i++)
        {
            bool same = flipped[i].equal(many[i]).all().item<bool>(), flippedOne = flipped[i].equal(many[i].flip(2)).all().item<bool>();
            Assert.True(same ^ flippedOne, $"image {i} is neither itself nor its mirror image");
            if (flippedOne) mirrored++;
        }
        Assert.InRange(mirrored, 16, 48); // about half: 32 expected, outside 16-48 with probability below 1e-4
        using var cropped = Preprocessing.RandomCrop(x, 1);
        Assert.Equal(x.shape, cropped.shape);
        using var resized = new Preprocessing { Resize = 8, Normalize = (0.5, 0.5) }.Apply(zeros(3, 1, 4, 4, dtype: ScalarType.Byte), train: false);
        Assert.Equal([3L, 1, 8, 8], resized.shape);
        Assert.Equal(-1f, resized.max().item<float>());
        var views = Preprocessing.None.TenViews(x);
        Assert.Equal(10, views.Count);
        Assert.All(views, v => Assert.Equal(x.shape, v.shape));
        for (int k = 0; k < 10; k += 2) Assert.True(views[k + 1].equal(views[k].flip(3)).all().item<bool>(), $"view {k + 1} is not view {k} mirrored");
        // The centre view is the image itself, and the caller's float images are left as they were (not divided in place).
        using var scaled = x.div(255);
        Assert.True(views[8].allclose(scaled));
    }

    [Fact]
    public void The_ten_test_views_have_black_borders_like_the_training_crops_not_the_grey_of_a_normalised_zero()
    {
        // A white 8x8 image, normalised to +1 with black at -1: the top-left view is shifted by the padding, so its
        // first row and column are border. Padding after normalising would make them 0 (mid-grey), a colour the
        // training crops (padded before normalising) never show.
        using var white = full(1, 1, 8, 8, 255, dtype: ScalarType.Byte);
        var preprocessing = new Preprocessing { Normalize = (0.5, 0.5), RandomCropPadding = 1 };
        var views = preprocessing.TenViews(white);
        Assert.Equal(-1f, views[0][0, 0, 0, 0].item<float>());
        Assert.Equal(1f, views[0][0, 0, 1, 1].item<float>());
        Assert.Equal(1f, views[8].min().item<float>()); // the centre view holds no border
        // Training crops of the same image (16 copies: some shifted) pad with the same black.
        random.manual_seed(5);
        using var crop = preprocessing.Apply(white.expand(16, 1, 8, 8), train: true);
        Assert.Equal([-1f, 1f], crop.unique().Item1.data<float>().ToArray());

        // Without training crops the views take the paper's geometry: at 224, 16 pixels a side (224 crops of 256).
        using var large = full(1, 1, 224, 224, 255, dtype: ScalarType.Byte);
        var paper = Preprocessing.None.TenViews(large);
        Assert.Equal(0f, paper[0][0, 0, 15, 15].item<float>());
        Assert.Equal(1f, paper[0][0, 0, 16, 16].item<float>());
    }

    [Fact]
    public void A_tiny_lenet_learns_a_tiny_real_subset_well_above_chance()
    {
        using var test = Sample(Split.Test, 500);
        var (model, history) = TrainTinyLeNet(1000, seed: 3, epochs: 3, test);
        using var _ = model;
        Assert.Equal(3, history.Epochs.Count);
        Assert.True(history.FinalTestAccuracy > 0.7, $"test accuracy {history.FinalTestAccuracy}");
        Assert.True(history.Epochs[^1].TrainLoss < history.Epochs[0].TrainLoss);
        Assert.True(history.TrainLoss.Count >= 3 * 4);
    }

    [Fact]
    public void Lenet5_trains_with_its_rbf_loss()
    {
        using var train = Sample(Split.Train, 1000);
        TorchRuntime.Seed(3);
        using var model = new LeNet5();
        var history = new Trainer(model, Quick(3)).Fit(new BatchLoader(train, 32, Preprocessing.LeNet5, seed: 3), null, TrainingProgress.Silent);
        Assert.True(history.Epochs[2].TrainAccuracy > 0.5, $"train accuracies {string.Join(", ", history.Epochs.Select(e => e.TrainAccuracy))}");
        Assert.True(history.Epochs[2].TrainLoss < history.Epochs[0].TrainLoss);
        Assert.Null(history.Epochs[2].TestAccuracy);
    }

    [Fact]
    public void A_cpu_run_repeats_exactly_with_the_same_seed()
    {
        using var train = Sample(Split.Train, 256);
        float[] Run()
        {
            TorchRuntime.Seed(11);
            using var model = new LeNet(Activation.ReLU);
            new Trainer(model, Quick(2)).Fit(new BatchLoader(train, 32, new Preprocessing { RandomFlip = true, RandomCropPadding = 2 }, seed: 4), null, TrainingProgress.Silent);
            return model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Interrupting_and_resuming_gives_the_same_weights_as_an_uninterrupted_run()
    {
        using var temp = new TempFolder();
        using var train = Sample(Split.Train, 256);
        var loader = new BatchLoader(train, 32, new Preprocessing { RandomCropPadding = 1 }, seed: 4);
        Module<Tensor, Tensor> Fresh()
        {
            TorchRuntime.Seed(21);
            return new LeNet(Activation.ReLU); // dropout-free, but the crops are random: the RNG must be restored too
        }

        using var straight = Fresh();
        new Trainer(straight, Quick(4) with { Optimizer = OptimizerKind.Sgd, LearningRate = 0.05 }).Fit(loader, null, TrainingProgress.Silent);

        string checkpoint = temp.File("run.ckpt");
        var options = Quick(4) with { Optimizer = OptimizerKind.Sgd, LearningRate = 0.05, CheckpointPath = checkpoint };
        using (var interrupted = Fresh())
        {
            using var cancel = new CancellationTokenSource();
            var progress = new StopAfter(2, cancel);
            var partial = new Trainer(interrupted, options).Fit(loader, null, progress, cancel.Token);
            Assert.Equal(2, partial.Epochs.Count);
        }
        using var resumed = Fresh(); // a new process would start from scratch like this
        var history = new Trainer(resumed, options).Fit(loader, null, TrainingProgress.Silent);
        Assert.Equal([1, 2, 3, 4], history.Epochs.Select(e => e.Epoch));

        var a = straight.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        var b = resumed.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        Assert.Equal(a, b);
    }

    sealed class StopAfter(int epochs, CancellationTokenSource cancel) : ITrainingProgress
    {
        public void Started(string model, string settings, int epochs, int stepsPerEpoch) { }
        public void Step(int epoch, int step, double loss, double examplesPerSecond) { }
        public void EpochEnded(EpochRecord record, TrainingHistory history) { if (record.Epoch == epochs) cancel.Cancel(); }
        public void Loaded(string model, string checkpoint, TrainingHistory history) { }
    }

    static Recipe TinyRecipe() => Recipes.LeNet(profile: TrainingProfile.Quick) with
    {
        TrainLimit = 200, TestLimit = 100, Options = Recipes.LeNet(profile: TrainingProfile.Quick).Options with { Epochs = 1 },
    };

    [Fact]
    public void A_checkpoint_is_reused_only_when_everything_that_shapes_the_run_is_the_same()
    {
        var recipe = TinyRecipe();
        // Seeded, then built, as Recipe.Train does, so the fingerprint's digest of the initial tensors repeats.
        static string Path(Recipe r) => r.CheckpointPath();
        Assert.Equal(Path(recipe), Path(recipe));
        var changes = new Dictionary<string, Recipe>
        {
            ["learning rate"] = recipe with { Options = recipe.Options with { LearningRate = 0.001 } },
            ["seed"] = recipe with { Options = recipe.Options with { Seed = 2 } },
            ["training subset"] = recipe with { TrainLimit = 300 },
            ["preprocessing"] = recipe with { TrainPreprocessing = recipe.TrainPreprocessing with { RandomCropPadding = 3 } },
            ["network: another activation"] = recipe with { Build = () => new LeNet(Activation.Tanh, Pooling.Max) },
            ["network: another pooling"] = recipe with { Build = () => new LeNet(Activation.ReLU, Pooling.Average) },
            ["network: a wider layer"] = recipe with { Build = () => nn.Sequential(nn.Flatten(), nn.Linear(784, 20), nn.ReLU(), nn.Linear(20, 10)) },
        };
        var paths = changes.ToDictionary(c => c.Key, c => Path(c.Value));
        foreach (var (change, path) in paths) Assert.True(path != Path(recipe), $"changing the {change} kept the checkpoint {path}");
        // A connection table with as many planes changes no tensor shape: the layer's Inputs setting tells them apart.
        var fullC3 = Enumerable.Range(0, 16).Select(_ => (IReadOnlyList<int>)[0, 1, 2, 3, 4, 5]).ToList();
        var lenet5 = Recipes.LeNet5(TrainingProfile.Quick);
        var otherTable = LeNet5.C3Inputs.Select(inputs => (IReadOnlyList<int>)inputs.Select(i => (i + 1) % 6).ToList()).ToList();
        Assert.NotEqual(Path(lenet5), Path(lenet5 with { Build = () => new LeNet5(c3Inputs: otherTable) }));
        Assert.NotEqual(Path(lenet5), Path(lenet5 with { Build = () => new LeNet5(c3Inputs: fullC3) }));
        // A layer's settings count even where no tensor shape shows them.
        using var stride1 = nn.Sequential(nn.Conv2d(1, 4, 3, stride: 1), nn.Flatten());
        using var stride2 = nn.Sequential(nn.Conv2d(1, 4, 3, stride: 2), nn.Flatten());
        Assert.NotEqual(recipe.Fingerprint(stride1), recipe.Fingerprint(stride2));
    }

    [Fact]
    public void The_most_confident_mistakes_are_ranked_by_margin_which_does_not_saturate_like_the_probability()
    {
        var predictions = new Predictions
        {
            Labels = [0, 1, 2, 3, 4], Predicted = [0, 2, 3, 4, 0],
            Confidence = [1.0, 1.0, 1.0, 0.9, 1.0], Margin = [9, 3.5, 12, 0.2, 7], Classes = ["a", "b", "c", "d", "e"],
        };
        var mistakes = predictions.MostConfidentMistakes(3);
        Assert.Equal([2, 4, 1], mistakes.Select(m => m.Index)); // all three at probability 1.0, told apart by the margin
        Assert.Equal(12, mistakes[0].Margin);
    }

    [Fact]
    public void Predictions_come_in_the_datasets_order_with_each_examples_margin_between_the_two_best_scores()
    {
        using var test = Sample(Split.Test, 100);
        using var model = TrainTinyLeNet(300, seed: 2, epochs: 1).Model;
        // A shuffling loader: the predictions must still come in the dataset's order (checked below against the logits of
        // the images in that order), beside its labels.
        var loader = new BatchLoader(test, 50, MnistNormalised, seed: 8);
        var predictions = Evaluation.PredictAll(model, loader);
        // The reference: the logits themselves, sorted per example.
        double[] values;
        using (no_grad())
        {
            model.eval();
            using var images = MnistNormalised.Apply(test.Images, train: false);
            using var logits = model.call(images);
            values = logits.to(ScalarType.Float64).cpu().data<double>().ToArray();
        }
        var rows = values.Chunk(10).ToArray();
        for (int i = 0; i < rows.Length; i++)
        {
            var sorted = rows[i].OrderDescending().ToArray();
            Assert.Equal(sorted[0] - sorted[1], predictions.Margin[i], 4);
            Assert.Equal(Array.IndexOf(rows[i], sorted[0]), predictions.Predicted[i]);
        }
    }

    [Fact]
    public void Settings_that_cannot_train_and_empty_or_mismatched_data_are_named()
    {
        using var model = new LeNet(Activation.ReLU, Pooling.Max);
        Assert.Contains("Epochs is 0; train for at least 1 epoch", Assert.Throws<ArgumentException>(() => new Trainer(model, Quick(0))).Message);
        Assert.Contains("LearningRate is NaN; use a positive number", Assert.Throws<ArgumentException>(() => new Trainer(model, Quick() with { LearningRate = double.NaN })).Message);
        Assert.Contains("Momentum is 1; use a value from 0 up to", Assert.Throws<ArgumentException>(() => new Trainer(model, Quick() with { Momentum = 1 })).Message);

        using var data = Sample(Split.Test, 10);
        Assert.Contains("needs at least one example", Assert.Throws<ArgumentOutOfRangeException>(() => data.Subset(0)).Message);
        using var none = new ImageDataset("empty", zeros([0, 1, 28, 28], dtype: ScalarType.Byte), zeros([0], dtype: ScalarType.Int64), data.Classes);
        Assert.Contains("empty has no examples to cut into batches", Assert.Throws<ArgumentException>(() => new BatchLoader(none, 32, Preprocessing.None)).Message);
        Assert.Contains("label 10 is outside the 10 classes (0 to 9)", Assert.Throws<ArgumentException>(
            () => new ImageDataset("tens", zeros([1, 1, 28, 28], dtype: ScalarType.Byte), tensor(new long[] { 10 }), data.Classes)).Message);
        Assert.Contains("labels must be int64", Assert.Throws<ArgumentException>(
            () => new ImageDataset("bytes", zeros([2, 1, 28, 28], dtype: ScalarType.Byte), zeros([2], dtype: ScalarType.Byte), data.Classes)).Message);
    }

    [Fact]
    public void Time_left_goes_by_the_pace_of_the_epochs_trained_in_this_session()
    {
        // Resumed after epoch 2 of 4, 10 steps an epoch: half an epoch in 10 s leaves 1.5 epochs, 30 s.
        var (done, left) = TrainingClock.Estimate(epochs: 4, stepsPerEpoch: 10, firstEpoch: 2, epoch: 2, step: 5, elapsedSeconds: 10);
        Assert.Equal(0.625, done, 9);
        Assert.Equal(30, left, 9);
        // From the start at the same pace: 2.5 epochs in 50 s also leaves 30 s.
        Assert.Equal(30, TrainingClock.Estimate(4, 10, firstEpoch: 0, epoch: 2, step: 5, elapsedSeconds: 50).SecondsLeft, 9);
        Assert.True(double.IsNaN(TrainingClock.Estimate(4, 10, firstEpoch: 2, epoch: 2, step: 0, elapsedSeconds: 0).SecondsLeft));

        // The clock takes the epoch of the first step it is told of as where the session began.
        var time = new FakeTimeProvider();
        var clock = new TrainingClock(time);
        clock.Start(epochs: 4, stepsPerEpoch: 10);
        time.Advance(TimeSpan.FromSeconds(2));
        clock.At(epoch: 2, step: 1);
        time.Advance(TimeSpan.FromSeconds(8));
        var resumed = clock.At(epoch: 2, step: 5);
        Assert.Equal(0.625, resumed.Done, 9);
        Assert.Equal(30, resumed.SecondsLeft, 9);
        Assert.Equal(TimeSpan.FromSeconds(10), clock.Elapsed);
    }

    sealed class Recorder : ITrainingProgress
    {
        public List<string> Events { get; } = [];
        public void Started(string model, string settings, int epochs, int stepsPerEpoch) => Events.Add($"started {settings}");
        public void Step(int epoch, int step, double loss, double examplesPerSecond) { }
        public void EpochEnded(EpochRecord record, TrainingHistory history) => Events.Add($"epoch {record.Epoch}");
        public void Loaded(string model, string checkpoint, TrainingHistory history) => Events.Add($"loaded {checkpoint} {history.TrainingSeconds}");
    }

    [Fact]
    public void A_reused_run_says_it_was_loaded_and_from_where_with_the_original_training_time()
    {
        var recipe = TinyRecipe() with { Options = TinyRecipe().Options with { Seed = 1234 } };
        string path = recipe.CheckpointPath();
        File.Delete(path);
        try
        {
            var first = new Recorder();
            using (var trained = recipe.Train(first)) Assert.Equal(["started", "epoch 1"], first.Events.Select(e => e.StartsWith("started") ? "started" : e));
            var second = new Recorder();
            using var loaded = recipe.Train(second);
            var only = Assert.Single(second.Events);
            Assert.StartsWith($"loaded {path} ", only);
            Assert.True(double.Parse(only.Split(' ')[^1]) > 0);
            var console = new StringWriter();
            new ConsoleProgress(console).Loaded("LeNet", path, loaded.History);
            Assert.Contains($"LeNet: loaded the finished run from {path} instead of training (1 epoch, originally trained in 0:0", console.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_diverging_run_stops_with_advice_to_lower_the_learning_rate()
    {
        using var train = Sample(Split.Train, 256);
        TorchRuntime.Seed(1);
        using var model = new LeNet(Activation.ReLU);
        var trainer = new Trainer(model, Quick(1) with { Optimizer = OptimizerKind.Sgd, LearningRate = 1e12, Momentum = 0 });
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(new BatchLoader(train, 32, Preprocessing.None, seed: 1), null, TrainingProgress.Silent));
        Assert.Contains("the training loss became", error.Message);
        Assert.Contains("lower the learning rate (try 100000000000)", error.Message);
    }

    [Fact]
    public void A_checkpoint_from_another_architecture_names_the_mismatched_tensors()
    {
        using var temp = new TempFolder();
        string path = temp.File("lenet.ckpt");
        using var lenet = new LeNet();
        using var optimizer = optim.SGD(lenet.parameters(), 0.1);
        Checkpoint.Save(path, lenet, optimizer, new TrainingHistory { Model = "LeNet" });

        using var lenet5 = new LeNet5();
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, lenet5));
        Assert.Contains($"{path} was saved from a different architecture than LeNet5", error.Message);
        Assert.Contains("missing from the checkpoint: C1.conv.weight", error.Message);
        Assert.Contains("not in the model: conv1.weight", error.Message);

        using var wider = new LeNet(classes: 12);
        var shapes = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, wider));
        Assert.Contains("fc3.weight (checkpoint [10, 84], model [12, 84])", shapes.Message);

        File.WriteAllText(temp.File("junk.ckpt"), "not a zip");
        Assert.Contains("not a ClassicCnn checkpoint", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(temp.File("junk.ckpt"), lenet)).Message);
    }

    [Fact]
    public void Every_tensor_a_step_touches_lives_on_the_trainers_device()
    {
        using var train = Sample(Split.Train, 64);
        using var model = new LeNet(Activation.ReLU);
        var devices = new HashSet<string>();
        foreach (var (_, module) in model.named_modules())
            if (module is Module<Tensor, Tensor> m)
                m.register_forward_hook((_, input, output) => { devices.Add(input.device.ToString()); devices.Add(output.device.ToString()); return null!; });
        new Trainer(model, Quick(1)).Fit(new BatchLoader(train, 32, Preprocessing.None, seed: 1), null, TrainingProgress.Silent);
        Assert.Equal(["cpu"], devices.Select(d => d.ToLowerInvariant()).Distinct());
        Assert.All(model.parameters(), p => Assert.Equal(DeviceType.CPU, p.device.type));
        Assert.All(model.parameters(), p => Assert.Equal(DeviceType.CPU, p.grad!.device.type));
    }

    [Fact]
    public void The_history_saves_as_csv_and_json_and_reads_back()
    {
        using var temp = new TempFolder();
        var history = new TrainingHistory { Model = "m", Epochs = [new EpochRecord(1, 0.5, 0.8, 0.6, 0.75, 1000, 2.5, 0.1, 123)], TrainLoss = [new LossPoint(0.5, 0.7, 0.6), new LossPoint(1, 0.4, 0.8)] };
        history.Save(temp.File("h.csv"));
        history.Save(temp.File("h.json"));
        Assert.Equal("1,0.5,0.8,0.6,0.75,1000,2.5,0.1,123", File.ReadAllLines(temp.File("h.csv"))[1]);
        var back = TrainingHistory.FromJson(File.ReadAllText(temp.File("h.json")));
        Assert.Equal(history.Epochs, back.Epochs);
        Assert.Equal(history.TrainLoss, back.TrainLoss);
        Assert.Equal(1, back.EpochsTo(0.7));
        Assert.Null(back.EpochsTo(0.9));
        Assert.Equal(1, back.EpochsToTrainingError(0.25));
        Assert.Equal(0.5, back.EpochsToTrainingError(0.45));
    }

    [Fact]
    public void Data_on_another_device_is_refused_rather_than_moved()
    {
        using var train = Sample(Split.Train, 32);
        using var model = new LeNet();
        var trainer = new Trainer(model, Quick(1) with { Device = new Device(DeviceType.META) });
        var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(new BatchLoader(train, 32, Preprocessing.None), null, TrainingProgress.Silent));
        Assert.Contains("nothing is moved silently", error.Message);
    }
}
