namespace ClassicCnn.References;

/// <summary>A published result: what was measured, by whom, and the numbers.</summary>
public sealed record PublishedError(string Model, double Top1Error, double Top5Error, string Note = "");

/// <summary>
/// The numbers the papers and their successors report, which the notebooks chart and compare against. Sources:
/// LeCun et al. 1998; Krizhevsky et al. 2012 (Table 2); Simonyan and Zisserman 2014 (Tables 2 and 3);
/// torchvision's model documentation; d2l.ai chapter 8.
/// </summary>
public static class PublishedResults
{
    public const double LeNet5MnistTestError = 0.95;
    public const double LeNet5MnistTestErrorDistorted = 0.8;

    /// <summary>AlexNet, ILSVRC-2012 validation error (%). Models marked * were pre-trained on ImageNet 2011 Fall.</summary>
    public static readonly IReadOnlyList<PublishedError> AlexNetIlsvrc2012 =
    [
        new("1 CNN", 40.7, 18.2),
        new("5 CNNs", 38.1, 16.4),
        new("1 CNN*", 39.0, 16.6, "a sixth convolutional layer, pre-trained on ImageNet 2011 Fall"),
        new("7 CNNs*", 36.7, 15.4, "test set top-5: 15.3; runner-up 26.2"),
    ];

    /// <summary>What the AlexNet paper credits each design choice with (top-1 / top-5 points of error).</summary>
    public static readonly IReadOnlyList<(string Choice, string Claim)> AlexNetClaims =
    [
        ("ReLU", "reaches 25% training error on CIFAR-10 six times faster than tanh (Fig. 1, a four-layer CNN)"),
        ("local response normalisation", "lowers top-1 / top-5 error by 1.4 / 1.2 points"),
        ("overlapping pooling (z=3, s=2)", "lowers top-1 / top-5 error by 0.4 / 0.3 points and overfits slightly less"),
        ("dropout 0.5 in fc6 and fc7", "prevents substantial overfitting; doubles the iterations to converge"),
        ("data augmentation + ten-view test", "without it the network overfits substantially"),
        ("two GPUs", "lowers top-1 / top-5 error by 1.7 / 1.2 points against half the kernels on one GPU"),
    ];

    /// <summary>VGG single-scale ILSVRC-2012 validation error (%), train scale 256 (Table 3).</summary>
    public static readonly IReadOnlyList<PublishedError> VggSingleScale =
    [
        new("A", 29.6, 10.4), new("A-LRN", 29.7, 10.5), new("B", 28.7, 9.9),
        new("C", 28.1, 9.4), new("D", 27.0, 8.8), new("E", 27.3, 9.0),
    ];

    /// <summary>VGG parameter counts as Table 2 states them, in millions.</summary>
    public static readonly IReadOnlyDictionary<string, int> VggTable2Millions = new Dictionary<string, int>
    {
        ["A"] = 133, ["A-LRN"] = 133, ["B"] = 133, ["C"] = 134, ["D"] = 138, ["E"] = 144,
    };

    /// <summary>torchvision's ImageNet accuracy (%) and MACs (G) per 224x224 image.</summary>
    public static readonly IReadOnlyList<(string Model, double Top1, double Top5, double GigaMacs, long Parameters)> TorchVision =
    [
        ("AlexNet", 56.5, 79.1, 0.71, 61_100_840),
        ("VGG11", 69.0, 88.6, 7.61, 132_863_336),
        ("VGG13", 69.9, 89.2, 11.31, 133_047_848),
        ("VGG16", 71.6, 90.4, 15.47, 138_357_544),
        ("VGG19", 72.4, 90.9, 19.63, 143_667_240),
    ];

    /// <summary>d2l.ai's Fashion-MNIST results (PyTorch, 10 epochs, one GPU).</summary>
    public static readonly IReadOnlyList<(string Model, string Setting, double TrainLoss, double TrainAccuracy, double TestAccuracy, double ExamplesPerSecond)> D2lFashionMnist =
    [
        ("LeNet (sigmoid)", "28x28, batch 256, lr 0.9", 0.469, 0.824, 0.776, 89_332),
        ("AlexNet", "224x224, batch 128, lr 0.01", 0.329, 0.879, 0.879, 4_166),
        ("VGG-11 / 4", "224x224, batch 128, lr 0.05", 0.171, 0.937, 0.916, 2_559),
    ];
}
