namespace ClassicCnn.Data;

/// <summary>A dataset in the IDX layout of MNIST: four files, gzipped or not, in one folder.</summary>
/// <param name="Name">Display name.</param>
/// <param name="FolderName">The folder name under a data root (data/mnist, /usr/share/datasets/fashion-mnist).</param>
/// <param name="DownloadBase">Where the files can be downloaded from.</param>
/// <param name="Md5">MD5 of each .gz file, by file name.</param>
/// <param name="Classes">Class names, by label.</param>
public sealed record DatasetInfo(string Name, string FolderName, string DownloadBase, IReadOnlyDictionary<string, string> Md5,
    IReadOnlyList<string> Classes, string Licence, string? DebianPackage)
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";
    public static readonly IReadOnlyList<string> FileNames = [TrainImages, TrainLabels, TestImages, TestLabels];

    public override string ToString() => Name;
}

public static class Datasets
{
    /// <summary>MNIST (LeCun, Cortes, Burges). The original host no longer serves the files; torchvision's mirror has the same files and MD5s.</summary>
    public static readonly DatasetInfo Mnist = new("MNIST", "mnist", "https://ossci-datasets.s3.amazonaws.com/mnist/",
        new Dictionary<string, string>
        {
            [DatasetInfo.TrainImages + ".gz"] = "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            [DatasetInfo.TrainLabels + ".gz"] = "d53e105ee54ea40749a09fcbcd1e9432",
            [DatasetInfo.TestImages + ".gz"] = "9fb629c4189551a2d022fa330f9573f3",
            [DatasetInfo.TestLabels + ".gz"] = "ec29112dd5afa0611ce80d1b7f02629c",
        },
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        "CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)", DebianPackage: null);

    /// <summary>Fashion-MNIST (Xiao, Rasul, Vollgraf 2017), MIT licence; Debian packages it as dataset-fashion-mnist.</summary>
    public static readonly DatasetInfo FashionMnist = new("Fashion-MNIST", "fashion-mnist",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        new Dictionary<string, string>
        {
            [DatasetInfo.TrainImages + ".gz"] = "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            [DatasetInfo.TrainLabels + ".gz"] = "25c81989df183df01b3e8a0aad5dffbe",
            [DatasetInfo.TestImages + ".gz"] = "bef4ecab320f06d8554ea6380940ec79",
            [DatasetInfo.TestLabels + ".gz"] = "bb300cfdad3c16e7a12a480ee83cd310",
        },
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        "MIT (Zalando Research)", DebianPackage: "dataset-fashion-mnist");

    /// <summary>
    /// The whole MNIST (60,000 + 10,000 digits) for the full profile, kept apart from the 10,000-digit sample that ships
    /// in data/mnist/: same files and checksums, its own folder (data/mnist-full/ once downloaded).
    /// </summary>
    public static readonly DatasetInfo MnistFull = Mnist with { Name = "MNIST (all 70,000 digits)", FolderName = "mnist-full" };

    /// <summary>What the quick profile needs (the full profile adds <see cref="MnistFull"/>).</summary>
    public static readonly IReadOnlyList<DatasetInfo> All = [Mnist, FashionMnist];
}
