using System.Reflection;
using ClassicCnn.Data;
using ClassicCnn.Models;
using ClassicCnn.Platform;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Training;

/// <summary>A trained model with its history, its test data and the examples it was trained on, ready for evaluation and plots.</summary>
public sealed class TrainingRun(string name, Module<Tensor, Tensor> model, TrainingHistory history, BatchLoader test, BatchLoader trainingExamples) : IDisposable
{
    public string Name { get; } = name;
    public Module<Tensor, Tensor> Model { get; } = model;
    public TrainingHistory History { get; } = history;
    public BatchLoader Test { get; } = test;
    /// <summary>
    /// The training examples with the test preprocessing, unshuffled: what the model scores on the data it saw,
    /// measured in eval mode like the test set (the history's train accuracy is taken during training, with dropout on
    /// and augmented images).
    /// </summary>
    public BatchLoader TrainingExamples { get; } = trainingExamples;
    public double TestAccuracy => History.FinalTestAccuracy ?? double.NaN;

    public Predictions Predictions() => Evaluation.PredictAll(Model, Test);

    public void Dispose()
    {
        Model.Dispose();
        Test.Data.Dispose();
        TrainingExamples.Data.Dispose();
    }
}

/// <summary>Everything needed to train one model the series' way: the model, the data and its preprocessing, the optimiser.</summary>
public sealed record Recipe
{
    public required string Name { get; init; }
    public required Func<Module<Tensor, Tensor>> Build { get; init; }
    public required DatasetInfo Dataset { get; init; }
    public int? TrainLimit { get; init; }
    public int? TestLimit { get; init; }
    public required Preprocessing TrainPreprocessing { get; init; }
    public required Preprocessing TestPreprocessing { get; init; }
    public required int BatchSize { get; init; }
    /// <summary>Evaluation batches: larger than training ones is fine, since no gradients are kept.</summary>
    const int TestBatchSize = 256;
    public required TrainingOptions Options { get; init; }
    /// <summary>Keep a checkpoint per epoch and reuse a finished one (the comparison notebook relies on this).</summary>
    public bool Checkpoint { get; init; } = true;

    /// <summary>
    /// Seeds, builds the model, loads the data onto the training device and trains. With <see cref="Checkpoint"/>, a
    /// run that this build of the library already finished is loaded instead of trained again.
    /// </summary>
    public TrainingRun Train(ITrainingProgress? progress = null)
    {
        TorchRuntime.Seed(Options.Seed);
        var device = Options.ResolvedDevice;
        var owned = new List<IDisposable>(); // freed if anything below throws (an interrupted cell, a diverged run)
        try
        {
            var model = Build();
            owned.Add(model);
            string? checkpoint = Checkpoint ? CheckpointPath(model) : null;
            var trainAll = ImageDataset.Load(Dataset, Split.Train, device);
            owned.Add(trainAll);
            var testAll = ImageDataset.Load(Dataset, Split.Test, device);
            owned.Add(testAll);
            var train = TrainLimit is { } n ? trainAll.Subset(n, Options.Seed + 1) : trainAll;
            var test = TestLimit is { } m ? testAll.Subset(m, Options.Seed + 2) : testAll;
            owned.AddRange([train, test]);
            if (!ReferenceEquals(train, trainAll)) { trainAll.Dispose(); owned.Remove(trainAll); }
            if (!ReferenceEquals(test, testAll)) { testAll.Dispose(); owned.Remove(testAll); }

            var trainer = new Trainer(model, Options with { CheckpointPath = checkpoint }, Name);
            var testLoader = new BatchLoader(test, TestBatchSize, TestPreprocessing, shuffle: false);
            var history = trainer.Fit(new BatchLoader(train, BatchSize, TrainPreprocessing, seed: Options.Seed), testLoader, progress);
            return new TrainingRun(Name, model, history, testLoader, new BatchLoader(train, TestBatchSize, TestPreprocessing, shuffle: false));
        }
        catch
        {
            foreach (var item in owned.Distinct()) item.Dispose();
            throw;
        }
    }

    /// <summary>The checkpoint <see cref="Train"/> would use: the model is built after seeding, as there, to fingerprint it.</summary>
    public string CheckpointPath()
    {
        TorchRuntime.Seed(Options.Seed);
        using var model = Build();
        return CheckpointPath(model);
    }

    /// <summary>
    /// artifacts/checkpoints/NAME-EPOCHSep-DEVICE-HASH.ckpt in the repository (else ~/.classiccnn/checkpoints), where
    /// HASH digests <see cref="Fingerprint"/>: a run is reused only when everything that shapes it is the same.
    /// </summary>
    public string CheckpointPath(nn.Module model)
    {
        string folder = ProjectFolders.CheckoutOrHome(Path.Combine("artifacts", "checkpoints"), "checkpoints");
        string safe = string.Concat(Name.Select(c => char.IsLetterOrDigit(c) ? c : '-'));
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Fingerprint(model))))[..12];
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, $"{safe}-{Options.Epochs}ep-{Options.ResolvedDevice.type}-{hash}.ckpt");
    }

    /// <summary>
    /// Everything that shapes a run, as text: the library's version, the recipe (data, subset sizes, preprocessing,
    /// batch size, every training option, the device) and the network (each module's type and settings, each tensor's
    /// name, shape and type, and a digest of the freshly initialised tensors, which catches an initialisation no
    /// property shows), and where the dataset was found. Changing a learning rate, the
    /// profile or a layer in a notebook cell changes it; training the same recipe twice does not (the model is built
    /// right after seeding).
    /// </summary>
    public string Fingerprint(nn.Module model)
    {
        string version = typeof(Recipe).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";
        var lines = new List<string>
        {
            $"library {version}",
            $"recipe {Name}; {Dataset.Name} in {Dataset.FolderName}; train limit {TrainLimit}; test limit {TestLimit}; batch {BatchSize}",
            $"train preprocessing {TrainPreprocessing}",
            $"test preprocessing {TestPreprocessing}",
            $"options {Settings(Options with { CheckpointPath = null })}; device {Options.ResolvedDevice}",
            $"data {DatasetLocator.Find(Dataset)?.Folder ?? "not found"}",
            $"model {model.GetType().FullName} {Settings(model)}",
        };
        lines.AddRange(model.named_modules().Select(m => $"module {m.name}: {m.module.GetType().FullName} {Settings(m.module)}"));
        lines.AddRange(model.named_parameters().Select(p => $"parameter {p.name} {p.parameter.dtype} [{string.Join(",", p.parameter.shape)}] {p.parameter.requires_grad}"));
        lines.AddRange(model.named_buffers().Select(b => $"buffer {b.name} {b.buffer.dtype} [{string.Join(",", b.buffer.shape)}]"));
        using var digest = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var tensor in model.parameters().Concat(model.buffers()))
        {
            using var host = tensor.detach().cpu().contiguous();
            digest.AppendData(host.bytes);
        }
        lines.Add($"initial tensors {Convert.ToHexStringLower(digest.GetHashAndReset())}");
        return string.Join("\n", lines);
    }

    /// <summary>An object's public settings of simple types (numbers, flags, enums, text, arrays of numbers), by name.</summary>
    static string Settings(object value) =>
        string.Join(", ", value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "training" && IsSimple(Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={Show(Read(p, value))}"));

    static object? Read(PropertyInfo property, object value)
    {
        try { return property.GetValue(value); }
        catch (TargetInvocationException) { return "?"; } // a getter that needs state the module lacks
    }

    /// <summary>Numbers, flags, enums, text, tuples of those, and arrays or lists of them, nested (a C3 connection table).</summary>
    static bool IsSimple(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
        || type.IsArray && type.GetElementType() is { } element && IsSimple(element)
        || type.IsGenericType && type.FullName!.StartsWith("System.ValueTuple") && type.GetGenericArguments().All(IsSimple)
        || type.IsInterface && type.IsGenericType && type.GetGenericTypeDefinition() is var definition
           && (definition == typeof(IEnumerable<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(IReadOnlyCollection<>))
           && IsSimple(type.GetGenericArguments()[0]);

    static string Show(object? value) => value switch
    {
        null => "null",
        string text => text,
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        System.Collections.IEnumerable items => $"[{string.Join(",", items.Cast<object>().Select(Show))}]",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}

/// <summary>The training runs of the series, sized by a <see cref="TrainingProfile"/>.</summary>
public static class Recipes
{
    /// <summary>LeNet as taught today, on the profile's MNIST (the bundled sample in the quick profile): Adam with a cosine schedule and small random shifts.</summary>
    public static Recipe LeNet(Activation activation = Activation.ReLU, Pooling pooling = Pooling.Max, TrainingProfile? profile = null)
    {
        profile ??= TrainingProfile.Current;
        return new Recipe
        {
            Name = $"LeNet ({activation}, {pooling} pooling)",
            Build = () => new LeNet(activation, pooling),
            Dataset = profile.Mnist,
            TrainPreprocessing = new Preprocessing { Normalize = profile.Mnist.PixelStatistics, RandomCropPadding = 2 },
            TestPreprocessing = new Preprocessing { Normalize = profile.Mnist.PixelStatistics },
            BatchSize = 128,
            Options = new TrainingOptions { Epochs = profile.LeNetEpochs, Optimizer = OptimizerKind.Adam, LearningRate = 0.002, Schedule = Schedule.Cosine, Seed = 1 },
        };
    }

    /// <summary>LeNet-5 as published, on the profile's MNIST padded to 32x32 and scaled to [-0.1, 1.175], with the paper's RBF loss.</summary>
    public static Recipe LeNet5(TrainingProfile? profile = null)
    {
        profile ??= TrainingProfile.Current;
        return new Recipe
        {
            Name = "LeNet-5 (1998)",
            Build = () => new LeNet5(),
            Dataset = profile.Mnist,
            TrainPreprocessing = Preprocessing.LeNet5 with { RandomCropPadding = 2 },
            TestPreprocessing = Preprocessing.LeNet5,
            BatchSize = 64,
            Options = new TrainingOptions { Epochs = profile.LeNet5Epochs, Optimizer = OptimizerKind.Adam, LearningRate = 0.003, Seed = 1 },
        };
    }

    /// <summary>
    /// The AlexNet paper's activation experiment (its Fig. 1 used a four-layer CNN on CIFAR-10), on Fashion-MNIST:
    /// a LeNet-shaped CNN with the given activation, plain SGD with momentum, many loss readings per epoch so the
    /// epoch at which the training error crosses a target can be read to a tenth of an epoch.
    /// </summary>
    public static Recipe ActivationExperiment(Activation activation, TrainingProfile? profile = null, double learningRate = 0.03)
    {
        profile ??= TrainingProfile.Current;
        return new Recipe
        {
            Name = FormattableString.Invariant($"CNN with {activation}, lr {learningRate}"),
            Build = () => new LeNet(activation, Pooling.Max),
            Dataset = Datasets.FashionMnist,
            TrainLimit = profile.FashionTrainLimit,
            TestLimit = profile.FashionTestLimit,
            TrainPreprocessing = new Preprocessing { Normalize = Datasets.FashionMnist.PixelStatistics },
            TestPreprocessing = new Preprocessing { Normalize = Datasets.FashionMnist.PixelStatistics },
            BatchSize = 128,
            Options = new TrainingOptions { Epochs = profile.ActivationEpochs, Optimizer = OptimizerKind.Sgd, LearningRate = learningRate, Momentum = 0.9, Seed = 1, LossPointsPerEpoch = 20 },
        };
    }

    /// <summary>d2l's AlexNet on Fashion-MNIST at the profile's resolution; <paramref name="options"/> switch the paper's innovations.</summary>
    public static Recipe AlexNet(AlexNetOptions? options = null, string? name = null, TrainingProfile? profile = null, int? epochs = null, int? trainLimit = null, int? size = null)
    {
        profile ??= TrainingProfile.Current;
        int inputSize = size ?? profile.AlexNetSize;
        var modelOptions = (options ?? new AlexNetOptions()) with { Layout = AlexNetLayout.D2l, InputSize = inputSize, HiddenUnits = profile.HiddenUnits };
        return Fashion(name ?? "AlexNet (d2l)", () => new AlexNet(modelOptions), inputSize, profile, epochs ?? profile.AlexNetEpochs, trainLimit,
            new TrainingOptions { Optimizer = OptimizerKind.Adam, LearningRate = 0.0005, Seed = 1 });
    }

    /// <summary>d2l's small VGG-11 (widths / 4) on Fashion-MNIST at the profile's resolution.</summary>
    public static Recipe SmallVgg(TrainingProfile? profile = null, int? epochs = null)
    {
        profile ??= TrainingProfile.Current;
        int size = profile.VggSize;
        return Fashion("VGG-11 / 4 (d2l)", () => Vgg.Small(size, profile.HiddenUnits), size, profile, epochs ?? profile.VggEpochs, null,
            new TrainingOptions { Optimizer = OptimizerKind.Adam, LearningRate = 0.0005, Seed = 1 });
    }

    static Recipe Fashion(string name, Func<Module<Tensor, Tensor>> build, int size, TrainingProfile profile, int epochs, int? trainLimit, TrainingOptions options) => new()
    {
        Name = name,
        Build = build,
        Dataset = Datasets.FashionMnist,
        TrainLimit = trainLimit ?? profile.FashionTrainLimit,
        TestLimit = profile.FashionTestLimit,
        TrainPreprocessing = new Preprocessing { Resize = size, Normalize = Datasets.FashionMnist.PixelStatistics },
        TestPreprocessing = new Preprocessing { Resize = size, Normalize = Datasets.FashionMnist.PixelStatistics },
        BatchSize = profile.Name == "full" ? 128 : 64,
        Options = options with { Epochs = epochs },
    };
}
