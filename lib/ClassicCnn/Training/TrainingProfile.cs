using ClassicCnn.Data;
using ClassicCnn.Notebooks;
using ClassicCnn.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace ClassicCnn.Training;

/// <summary>
/// How much the notebooks train. <c>quick</c> fits a laptop CPU and CI (2 cores): subsets, reduced resolution, few
/// epochs, every training cell in a couple of minutes. <c>full</c> is d2l's setting for a GPU: whole datasets,
/// 224x224 for AlexNet and VGG, 10 epochs. Chosen by device (CUDA: full), overridden by CLASSICCNN_PROFILE.
/// </summary>
public sealed record TrainingProfile
{
    public required string Name { get; init; }
    /// <summary>The MNIST LeNet and LeNet-5 train on: the bundled 10,000-digit sample (quick) or the whole dataset (full).</summary>
    public DatasetInfo Mnist { get; init; } = Datasets.Mnist;
    /// <summary>Fashion-MNIST training and test examples used (null: all 60,000 / 10,000).</summary>
    public int? FashionTrainLimit { get; init; }
    public int? FashionTestLimit { get; init; }
    /// <summary>Input size of AlexNet and VGG (d2l upsamples the 28x28 images to 224).</summary>
    public int AlexNetSize { get; init; }
    public int VggSize { get; init; }
    /// <summary>Width of AlexNet's and VGG's two hidden fully connected layers (4096 in the papers and d2l).</summary>
    public int HiddenUnits { get; init; } = 4096;
    public int LeNetEpochs { get; init; }
    public int LeNet5Epochs { get; init; }
    public int AlexNetEpochs { get; init; }
    public int VggEpochs { get; init; }
    /// <summary>Epochs of each run of the AlexNet ablations (LRN on and off, dropout, pooling, augmentation, towers).</summary>
    public int ExperimentEpochs { get; init; }
    /// <summary>Training examples of each ablation run: few enough, trained long enough, that a network can overfit them.</summary>
    public int? ExperimentTrainLimit { get; init; }
    public int ExperimentSize { get; init; }
    /// <summary>The ablations' AlexNet has this many times fewer kernels than d2l's, so three seeds per arm fit.</summary>
    public int ExperimentWidthDivisor { get; init; } = 1;
    /// <summary>Epochs of the ReLU / tanh / sigmoid comparison.</summary>
    public int ActivationEpochs { get; init; }

    public static TrainingProfile Quick { get; } = new()
    {
        Name = "quick",
        FashionTrainLimit = 8_000, FashionTestLimit = 2_000,
        AlexNetSize = 67, VggSize = 64, HiddenUnits = 1024,
        LeNetEpochs = 15, LeNet5Epochs = 12, AlexNetEpochs = 4, VggEpochs = 4,
        ExperimentEpochs = 15, ExperimentTrainLimit = 500, ExperimentSize = 67, ExperimentWidthDivisor = 4, ActivationEpochs = 5,
    };

    public static TrainingProfile Full { get; } = new()
    {
        Name = "full",
        Mnist = Datasets.MnistFull,
        AlexNetSize = 224, VggSize = 224,
        LeNetEpochs = 20, LeNet5Epochs = 20, AlexNetEpochs = 10, VggEpochs = 10,
        ExperimentEpochs = 10, ExperimentTrainLimit = 10_000, ExperimentSize = 224, ActivationEpochs = 20,
    };

    public static TrainingProfile Current =>
        Environment.GetEnvironmentVariable(EnvironmentVariables.Profile)?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" => TorchRuntime.Device.type == DeviceType.CUDA ? Full : Quick,
            "quick" => Quick,
            "full" => Full,
            var other => throw new ArgumentException($"{EnvironmentVariables.Profile} is '{other}'; use quick, full or auto.", EnvironmentVariables.Profile),
        };

    /// <summary>
    /// The full profile's whole MNIST, or the split the quick profile trains on, counted from the labels where the lookup
    /// finds them: the bundled sample in data/mnist/, unless CLASSICCNN_DATA holds another copy.
    /// </summary>
    string MnistExamples()
    {
        if (Mnist == Datasets.MnistFull) return DisplayLanguage.Text("all 60,000 / 10,000", "全部 60,000 / 10,000");
        if (DatasetLocator.Find(Mnist) is not { } found) return DisplayLanguage.Text("not found (see data/README.md)", "未找到（见 data/README.md）");
        int train = Idx.Read(found.FileOf(DatasetInfo.TrainLabels), expectedDimensions: 1).Count;
        int test = Idx.Read(found.FileOf(DatasetInfo.TestLabels), expectedDimensions: 1).Count;
        bool bundled = ProjectFolders.RepositoryRoot() is { } repository && string.Equals(
            Path.TrimEndingDirectorySeparator(Path.GetFullPath(found.Folder)), Path.Combine(repository, "data", Mnist.FolderName),
            OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        return bundled
            ? DisplayLanguage.Text($"the bundled sample: {train:N0} train / {test:N0} test", $"仓库自带的样本：训练 {train:N0} / 测试 {test:N0}")
            : DisplayLanguage.Text($"{train:N0} train / {test:N0} test, from {found.Folder}", $"训练 {train:N0} / 测试 {test:N0}，来自 {found.Folder}");
    }

    /// <summary>The profile's settings as a table, in the display language (the site finds it by its first row).</summary>
    public HtmlTable Describe() => HtmlTable.FromPairs(
    [
        (DisplayLanguage.Text("profile", "配置"), $"{Name} ({(Environment.GetEnvironmentVariable(EnvironmentVariables.Profile) is { Length: > 0 } v ? $"{EnvironmentVariables.Profile}={v}" : DisplayLanguage.Text($"chosen for {TorchRuntime.Device}", $"按 {TorchRuntime.Device} 选择"))})"),
        (DisplayLanguage.Text("MNIST examples", "MNIST 样本数"), MnistExamples()),
        (DisplayLanguage.Text("Fashion-MNIST examples", "Fashion-MNIST 样本数"), FashionTrainLimit is null
            ? DisplayLanguage.Text("all 60,000 / 10,000", "全部 60,000 / 10,000")
            : DisplayLanguage.Text($"{FashionTrainLimit:N0} train / {FashionTestLimit:N0} test", $"训练 {FashionTrainLimit:N0} / 测试 {FashionTestLimit:N0}")),
        (DisplayLanguage.Text("AlexNet / VGG input", "AlexNet / VGG 输入"), $"{Size(AlexNetSize)} / {Size(VggSize)}"),
        (DisplayLanguage.Text("hidden units (AlexNet, VGG)", "隐藏单元数（AlexNet、VGG）"), HiddenUnits.ToString("N0")),
        (DisplayLanguage.Text("epochs: LeNet, LeNet-5, AlexNet, VGG", "迭代周期：LeNet、LeNet-5、AlexNet、VGG"),
            DisplayLanguage.Text($"{LeNetEpochs}, {LeNet5Epochs}, {AlexNetEpochs}, {VggEpochs}", $"{LeNetEpochs}、{LeNet5Epochs}、{AlexNetEpochs}、{VggEpochs}")),
        (DisplayLanguage.Text("AlexNet ablations", "AlexNet 消融实验"), DisplayLanguage.Text(
            $"width / {ExperimentWidthDivisor}, {Size(ExperimentSize)}, {(ExperimentTrainLimit is { } n ? $"{n:N0}" : "all")} training images, {ExperimentEpochs} epochs",
            $"宽度 / {ExperimentWidthDivisor}，{Size(ExperimentSize)}，{(ExperimentTrainLimit is { } m ? $"{m:N0}" : "全部")} 张训练图像，{ExperimentEpochs} 个迭代周期")),
    ], DisplayLanguage.Text("setting", "设置"), DisplayLanguage.Text("value", "值"), DisplayLanguage.Text("Training profile", "训练配置"));

    /// <summary>An image size, as "67x67" (Chinese: "67×67").</summary>
    static string Size(int pixels) => DisplayLanguage.Text($"{pixels}x{pixels}", $"{pixels}×{pixels}");
}
