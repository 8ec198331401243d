using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Models;

/// <summary>
/// The six columns of Table 1 of Simonyan and Zisserman (2014), written the way the <c>cfgs</c> tables of torchvision's
/// vgg.py and of the article this series follows write them: a number is a 3x3 convolution of that width (padding 1, then ReLU), "M" a 2x2 max pool with stride 2,
/// "LRN" local response normalisation, and "256/1" a 1x1 convolution of width 256 (configuration C).
/// </summary>
public static class VggConfigurations
{
    public static readonly IReadOnlyDictionary<string, string> Table = new Dictionary<string, string>
    {
        ["A"] = "64 M 128 M 256 256 M 512 512 M 512 512 M",
        ["A-LRN"] = "64 LRN M 128 M 256 256 M 512 512 M 512 512 M",
        ["B"] = "64 64 M 128 128 M 256 256 M 512 512 M 512 512 M",
        ["C"] = "64 64 M 128 128 M 256 256 256/1 M 512 512 512/1 M 512 512 512/1 M",
        ["D"] = "64 64 M 128 128 M 256 256 256 M 512 512 512 M 512 512 512 M",
        ["E"] = "64 64 M 128 128 M 256 256 256 256 M 512 512 512 512 M 512 512 512 512 M",
    };

    /// <summary>The usual names: VGG11 is A, VGG13 B, VGG16 D, VGG19 E.</summary>
    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>
    {
        ["VGG11"] = "A", ["VGG13"] = "B", ["VGG16"] = "D", ["VGG19"] = "E",
    };

    /// <summary>The configuration's name in the paper (A, A-LRN, B, C, D, E) for a paper name or an alias, any case.</summary>
    public static string Resolve(string name)
    {
        string key = name.Trim().ToUpperInvariant().Replace("_", "-");
        if (Aliases.TryGetValue(key, out var alias)) key = alias;
        return Table.ContainsKey(key)
            ? key
            : throw new ArgumentException(
                $"Unknown VGG configuration '{name}'. Valid ones: {string.Join(", ", Table.Keys)} (or {string.Join(", ", Aliases.Select(a => $"{a.Key} = {a.Value}"))}).",
                nameof(name));
    }

    /// <summary>Weight layers (convolutions plus the three fully connected layers): 11, 11, 13, 16, 16, 19.</summary>
    public static int Depth(string name) =>
        Tokens(Resolve(name)).Count(t => t.Kind == VggLayerKind.Convolution) + 3;

    internal static IReadOnlyList<VggLayer> Tokens(string name) =>
        Table[Resolve(name)].Split(' ').Select(token => token switch
        {
            "M" => new VggLayer(VggLayerKind.MaxPool, 0, 0),
            "LRN" => new VggLayer(VggLayerKind.LocalResponseNorm, 0, 0),
            _ when token.EndsWith("/1") => new VggLayer(VggLayerKind.Convolution, int.Parse(token[..^2]), 1),
            _ => new VggLayer(VggLayerKind.Convolution, int.Parse(token), 3),
        }).ToList();
}

internal enum VggLayerKind { Convolution, MaxPool, LocalResponseNorm }

internal sealed record VggLayer(VggLayerKind Kind, int Channels, int Kernel);

public sealed record VggOptions
{
    /// <summary>A, A-LRN, B, C, D, E (or VGG11, VGG13, VGG16, VGG19).</summary>
    public string Configuration { get; init; } = "D";
    public bool BatchNorm { get; init; }
    /// <summary>Divides every convolution's width (d2l's small VGG uses 4); the fully connected layers keep <see cref="HiddenUnits"/>.</summary>
    public int WidthDivisor { get; init; } = 1;
    public int InputChannels { get; init; } = 3;
    public int Classes { get; init; } = 1000;
    public int InputSize { get; init; } = 224;
    /// <summary>torchvision's adaptive average pooling to 7x7 before the classifier; off, the classifier reads (InputSize/32)^2 positions.</summary>
    public bool AdaptivePool { get; init; } = true;
    public int HiddenUnits { get; init; } = 4096;
    public double Dropout { get; init; } = 0.5;
}

/// <summary>
/// VGG (Simonyan and Zisserman 2014): blocks of 3x3 convolutions, each block ending in a 2x2 max pool that halves
/// the maps while the widths double, then three fully connected layers. Built from <see cref="VggConfigurations"/>
/// with torchvision's module names (features.N, avgpool, classifier.N) so state dictionaries line up.
/// </summary>
public sealed class Vgg : ImageClassifier
{
    public VggOptions Options { get; }
    public string Configuration { get; }

    public static Vgg Create(string configuration, VggOptions? options = null) =>
        new((options ?? new()) with { Configuration = configuration });

    /// <summary>d2l.ai's small VGG-11 for Fashion-MNIST: widths divided by 4, one input channel, ten classes: 43,093,322 parameters at 224.</summary>
    public static Vgg Small(int inputSize = 224, int hiddenUnits = 4096) =>
        new(new VggOptions { Configuration = "A", WidthDivisor = 4, InputChannels = 1, Classes = 10, InputSize = inputSize, AdaptivePool = false, HiddenUnits = hiddenUnits });

    public Vgg(VggOptions options)
        : base(nameof(Vgg), $"VGG {VggConfigurations.Resolve(options.Configuration)}", options.InputChannels, options.InputSize, options.InputSize)
    {
        Options = options;
        Configuration = VggConfigurations.Resolve(options.Configuration);
        Validate(options);

        var features = new List<Module<Tensor, Tensor>?>();
        int channels = options.InputChannels;
        foreach (var layer in VggConfigurations.Tokens(Configuration))
        {
            if (layer.Kind == VggLayerKind.MaxPool) features.Add(MaxPool2d(2, 2));
            else if (layer.Kind == VggLayerKind.LocalResponseNorm) features.Add(Layers.PaperLrn());
            else
            {
                int width = layer.Channels / options.WidthDivisor;
                features.AddRange([Conv2d(channels, width, layer.Kernel, padding: layer.Kernel / 2), options.BatchNorm ? BatchNorm2d(width) : null, ReLU()]);
                channels = width;
            }
        }
        // torchvision pools adaptively to 7x7, so any input size gives the classifier 512x7x7 values.
        int spatial = options.AdaptivePool ? 7 : options.InputSize / 32;
        int hidden = options.HiddenUnits;
        double p = options.Dropout;
        Stack(
            ("features", Layers.Numbered([.. features])),
            ("avgpool", options.AdaptivePool ? AdaptiveAvgPool2d(7) : null),
            ("flatten", Flatten()),
            ("classifier", Layers.Numbered(
                Linear((long)channels * spatial * spatial, hidden), ReLU(), Dropout(p),
                Linear(hidden, hidden),                             ReLU(), Dropout(p),
                Linear(hidden, options.Classes))));
        Layers.XavierInit(this);
    }

    static void Validate(VggOptions options)
    {
        if (options.WidthDivisor < 1 || 64 % options.WidthDivisor != 0)
            throw new ArgumentException($"WidthDivisor is {options.WidthDivisor}; it must divide 64 (use 1, 2, 4, 8, 16, 32 or 64).", nameof(options));
        if (options.InputSize < 32)
            throw new ArgumentException($"InputSize is {options.InputSize}; VGG halves the maps five times, so use at least 32.", nameof(options));
        if (!options.AdaptivePool && options.InputSize % 32 != 0)
            throw new ArgumentException(
                $"InputSize {options.InputSize} is not a multiple of 32, so the five pools do not divide it evenly. Use a multiple of 32 (32, 64, 96, 224) or set AdaptivePool = true.",
                nameof(options));
        if (options.HiddenUnits < 1)
            throw new ArgumentException($"HiddenUnits is {options.HiddenUnits}; use a positive number (the paper's 4,096).", nameof(options));
        CheckOptions(options.InputChannels, options.Classes, options.Dropout, nameof(options));
    }
}
