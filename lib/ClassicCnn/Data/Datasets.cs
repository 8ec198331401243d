namespace ClassicCnn.Data;

/// <summary>A dataset in the IDX layout of MNIST: four files, gzipped or not, in one folder.</summary>
/// <param name="Name">Display name.</param>
/// <param name="FolderName">The folder name under a data root (data/mnist, /usr/share/datasets/fashion-mnist).</param>
/// <param name="DownloadBase">Where the files can be downloaded from.</param>
/// <param name="Md5">MD5 of each file's uncompressed content, by file name. A copy compressed again (Debian's package is) has
/// other .gz bytes and the same content, so the content is what a download is checked against.</param>
/// <param name="Classes">Class names, by label.</param>
public sealed record DatasetInfo(string Name, string FolderName, string DownloadBase, IReadOnlyDictionary<string, string> Md5,
    IReadOnlyList<string> Classes, string Licence, string? DebianPackage)
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";
    public static readonly IReadOnlyList<string> FileNames = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>
    /// Mean and standard deviation of the pixels (scaled to [0, 1]) of the whole training set, for normalising inputs;
    /// null for a dataset that does not record them.
    /// </summary>
    public (double Mean, double Std)? PixelStatistics { get; init; }

    public override string ToString() => Name;
}

public static class Datasets
{
    /// <summary>MNIST (LeCun, Cortes, Burges). The original host no longer serves the files; torchvision's mirror has the same files.</summary>
    public static readonly DatasetInfo Mnist = new("MNIST", "mnist", "https://ossci-datasets.s3.amazonaws.com/mnist/",
        new Dictionary<string, string>
        {
            [DatasetInfo.TrainImages] = "6bbc9ace898e44ae57da46a324031adb",
            [DatasetInfo.TrainLabels] = "a25bea736e30d166cdddb491f175f624",
            [DatasetInfo.TestImages] = "2646ac647ad5339dbf082846283269ea",
            [DatasetInfo.TestLabels] = "27ae3e4e09519cfbb04c329615203637",
        },
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        "CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)", DebianPackage: null) { PixelStatistics = (0.1307, 0.3081) };

    /// <summary>Fashion-MNIST (Xiao, Rasul, Vollgraf 2017), MIT licence; Debian packages it as dataset-fashion-mnist.</summary>
    public static readonly DatasetInfo FashionMnist = new("Fashion-MNIST", "fashion-mnist",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        new Dictionary<string, string>
        {
            [DatasetInfo.TrainImages] = "f4a8712d7a061bf5bd6d2ca38dc4d50a",
            [DatasetInfo.TrainLabels] = "9018921c3c673c538a1fc5bad174d6f9",
            [DatasetInfo.TestImages] = "8181f5470baa50b63fa0f6fddb340f0a",
            [DatasetInfo.TestLabels] = "15d484375f8d13e6eb1aabb0c3f46965",
        },
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        "MIT (Zalando Research)", DebianPackage: "dataset-fashion-mnist") { PixelStatistics = (0.2860, 0.3530) };

    /// <summary>
    /// The whole MNIST (60,000 + 10,000 digits) for the full profile, kept apart from the 10,000-digit sample that ships
    /// in data/mnist/: same files and checksums, its own folder (data/mnist-full/ once downloaded).
    /// </summary>
    public static readonly DatasetInfo MnistFull = Mnist with { Name = "MNIST (all 70,000 digits)", FolderName = "mnist-full" };

    /// <summary>What the quick profile needs (the full profile adds <see cref="MnistFull"/>).</summary>
    public static readonly IReadOnlyList<DatasetInfo> All = [Mnist, FashionMnist];
}
