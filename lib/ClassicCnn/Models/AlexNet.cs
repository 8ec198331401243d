using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Models;

/// <summary>Which AlexNet: the 2012 paper's, torchvision's one-tower rewrite, or d2l.ai's Fashion-MNIST version.</summary>
public enum AlexNetLayout { Paper, TorchVision, D2l }

/// <summary>The switches the AlexNet notebook's experiments turn. Defaults depend on the layout (see <see cref="AlexNet"/>).</summary>
public sealed record AlexNetOptions
{
    public AlexNetLayout Layout { get; init; } = AlexNetLayout.Paper;
    public int InputChannels { get; init; } = 3;
    public int Classes { get; init; } = 1000;
    /// <summary>Input height and width; null: 227 for the paper (see <see cref="AlexNet.PaperInputSize"/>), 224 otherwise.</summary>
    public int? InputSize { get; init; }
    /// <summary>LRN after conv1 and conv2; null: on for the paper, off otherwise.</summary>
    public bool? LocalResponseNorm { get; init; }
    /// <summary>Max pooling 3x3 stride 2 (overlapping, the paper's) or 2x2 stride 2 (non-overlapping).</summary>
    public bool OverlappingPooling { get; init; } = true;
    public double Dropout { get; init; } = 0.5;
    public Activation Activation { get; init; } = Activation.ReLU;
    /// <summary>The paper's two towers (conv2, conv4, conv5 grouped by 2); only the paper layout has them.</summary>
    public bool? TwoTowers { get; init; }
    public int HiddenUnits { get; init; } = 4096;
}

/// <summary>
/// AlexNet (Krizhevsky, Sutskever and Hinton 2012). The paper's network, 60,965,224 parameters at 1000 classes:
/// <code>
/// layer  paper                                       towers            output (227 input)
/// conv1  96 x 11x11 stride 4, ReLU, LRN, max 3/2      both see input    96@55x55 -> 27x27
/// conv2  256 x 5x5 pad 2, ReLU, LRN, max 3/2          within a tower    256@27x27 -> 13x13
/// conv3  384 x 3x3 pad 1, ReLU                        reads both        384@13x13
/// conv4  384 x 3x3 pad 1, ReLU                        within a tower    384@13x13
/// conv5  256 x 3x3 pad 1, ReLU, max 3/2               within a tower    256@13x13 -> 6x6
/// fc6    4096, ReLU, dropout 0.5                      reads both        4096
/// fc7    4096, ReLU, dropout 0.5                      reads both        4096
/// fc8    1000                                                           1000
/// </code>
/// The paper says 224x224 inputs, but an 11x11 kernel with stride 4 gives 55x55 maps only from 227x227
/// ((227 - 11) / 4 + 1 = 55; from 224 it would be 54.25). This class takes 227, which keeps the paper's
/// kernel, stride and every later size; torchvision instead pads by 2 and d2l by 1 on 224 inputs.
/// Module names follow torchvision (features.N, classifier.N) so state dictionaries line up.
/// </summary>
public sealed class AlexNet : Module<Tensor, Tensor>
{
    public const int PaperInputSize = 227;

    readonly Sequential features, classifier;
    readonly Module<Tensor, Tensor>? avgpool;
    readonly int[] widths;

    public AlexNetOptions Options { get; }
    public int InputSize { get; }
    public bool HasTowers { get; }
    public bool HasLocalResponseNorm { get; }

    public static AlexNet Paper(AlexNetOptions? options = null) => new((options ?? new()) with { Layout = AlexNetLayout.Paper });
    public static AlexNet TorchVision(AlexNetOptions? options = null) => new((options ?? new()) with { Layout = AlexNetLayout.TorchVision });
    /// <summary>d2l.ai's AlexNet for Fashion-MNIST: one input channel, ten classes, 224x224: 46,764,746 parameters.</summary>
    public static AlexNet D2l(AlexNetOptions? options = null) =>
        new((options ?? new() { InputChannels = 1, Classes = 10 }) with { Layout = AlexNetLayout.D2l });

    public AlexNet(AlexNetOptions options) : base(nameof(AlexNet))
    {
        Options = options;
        var layout = options.Layout;
        InputSize = options.InputSize ?? (layout == AlexNetLayout.Paper ? PaperInputSize : 224);
        HasTowers = options.TwoTowers ?? layout == AlexNetLayout.Paper;
        HasLocalResponseNorm = options.LocalResponseNorm ?? layout == AlexNetLayout.Paper;
        Validate(options);

        // (width, kernel, stride, padding) of conv1..conv5.
        var convs = layout switch
        {
            AlexNetLayout.TorchVision => new[] { (64, 11, 4, 2), (192, 5, 1, 2), (384, 3, 1, 1), (256, 3, 1, 1), (256, 3, 1, 1) },
            AlexNetLayout.D2l => [(96, 11, 4, 1), (256, 5, 1, 2), (384, 3, 1, 1), (384, 3, 1, 1), (256, 3, 1, 1)],
            _ => [(96, 11, 4, 0), (256, 5, 1, 2), (384, 3, 1, 1), (384, 3, 1, 1), (256, 3, 1, 1)],
        };
        widths = convs.Select(c => c.Item1).ToArray();
        int[] groups = HasTowers ? [1, 2, 1, 2, 2] : [1, 1, 1, 1, 1];
        int poolKernel = options.OverlappingPooling ? 3 : 2;

        var layers = new List<(string, Module<Tensor, Tensor>)>();
        void Add(Module<Tensor, Tensor> m) => layers.Add((layers.Count.ToString(), m));
        int channels = options.InputChannels, size = InputSize;
        for (int i = 0; i < 5; i++)
        {
            var (width, kernel, stride, padding) = convs[i];
            Add(Conv2d(channels, width, kernel, stride: stride, padding: padding, groups: groups[i]));
            Add(Layers.Of(options.Activation));
            size = Layers.SizeAfter(size, kernel, stride, padding);
            if (i < 2 && HasLocalResponseNorm) Add(Layers.PaperLrn(HasTowers ? 2 : 1));
            if (i is 0 or 1 or 4)
            {
                Add(MaxPool2d(poolKernel, 2));
                size = Layers.SizeAfter(size, poolKernel, 2);
            }
            channels = width;
        }
        if (size < 1)
            throw new ArgumentException(
                $"InputSize {InputSize} is too small for AlexNet ({layout}): the feature maps vanish before fc6. Use at least {MinimumInputSize(convs, poolKernel)}.",
                nameof(options));
        features = Sequential(layers.ToArray());
        register_module("features", features);

        int spatial = size;
        if (layout == AlexNetLayout.TorchVision)
        {
            avgpool = AdaptiveAvgPool2d(6);
            register_module("avgpool", avgpool);
            spatial = 6;
        }
        FeatureSize = size;
        long flat = (long)channels * spatial * spatial;
        int hidden = options.HiddenUnits;
        classifier = layout == AlexNetLayout.TorchVision
            ? Sequential(("0", Dropout(options.Dropout)), ("1", Linear(flat, hidden)), ("2", Layers.Of(options.Activation)),
                ("3", Dropout(options.Dropout)), ("4", Linear(hidden, hidden)), ("5", Layers.Of(options.Activation)), ("6", Linear(hidden, options.Classes)))
            : Sequential(("0", Linear(flat, hidden)), ("1", Layers.Of(options.Activation)), ("2", Dropout(options.Dropout)),
                ("3", Linear(hidden, hidden)), ("4", Layers.Of(options.Activation)), ("5", Dropout(options.Dropout)), ("6", Linear(hidden, options.Classes)));
        register_module("classifier", classifier);
        Layers.XavierInit(this);
    }

    /// <summary>Height and width of conv5's pooled maps.</summary>
    public int FeatureSize { get; }

    public override Tensor forward(Tensor input)
    {
        InputCheck.Image($"AlexNet ({Options.Layout})", input, Options.InputChannels, InputSize, InputSize);
        using var mapped = features.call(input);
        using var pooled = avgpool is null ? mapped.alias() : avgpool.call(mapped);
        using var flat = pooled.flatten(1);
        return classifier.call(flat);
    }

    static void Validate(AlexNetOptions options)
    {
        if (options.TwoTowers == true && options.Layout != AlexNetLayout.Paper)
            throw new ArgumentException($"TwoTowers needs Layout = Paper: the {options.Layout} layout has one tower (its widths do not split the paper's way).", nameof(options));
        if (options.InputChannels < 1) throw new ArgumentException($"InputChannels is {options.InputChannels}; use 1 (grey) or 3 (colour).", nameof(options));
        if (options.Classes < 2) throw new ArgumentException($"Classes is {options.Classes}; a classifier needs at least 2.", nameof(options));
        if (options.Dropout is < 0 or >= 1) throw new ArgumentException($"Dropout is {options.Dropout}; use a probability in [0, 1).", nameof(options));
        if (options.HiddenUnits % 2 != 0) throw new ArgumentException($"HiddenUnits is {options.HiddenUnits}; use an even number so the two towers split it.", nameof(options));
    }

    static int MinimumInputSize((int, int Kernel, int Stride, int Padding)[] convs, int poolKernel)
    {
        for (int size = 1; ; size++)
        {
            int s = size;
            for (int i = 0; i < 5; i++)
            {
                s = Layers.SizeAfter(s, convs[i].Kernel, convs[i].Stride, convs[i].Padding);
                if (i is 0 or 1 or 4) s = Layers.SizeAfter(s, poolKernel, 2);
                if (s < 1) break;
            }
            if (s >= 1) return size;
        }
    }

    internal Sequential Features => features;
    internal Sequential Classifier => classifier;
    internal IReadOnlyList<int> Widths => widths;

    /// <summary>
    /// The paper's model parallelism: each tower's half of every layer on its own device, exchanging activations only
    /// where the paper's GPUs did (into conv3, fc6, fc7 and fc8). The weights are copied from this model, so both give
    /// the same outputs; on one device the grouped convolutions of this model do the same work in one call.
    /// </summary>
    public TwoDeviceAlexNet PlaceTowers(Device first, Device second)
    {
        if (!HasTowers)
            throw new InvalidOperationException("Only the paper's layout with TwoTowers has towers to place on two devices; build it with AlexNet.Paper().");
        return new TwoDeviceAlexNet(this, first, second);
    }
}

/// <summary>AlexNet split across two devices, tower by tower, as on the paper's two GTX 580 GPUs. Build it with <see cref="AlexNet.PlaceTowers"/>.</summary>
public sealed class TwoDeviceAlexNet : Module<Tensor, Tensor>
{
    readonly Device[] devices;
    readonly Sequential[] lower = new Sequential[2], upper = new Sequential[2];
    readonly Sequential[] fc6 = new Sequential[2], fc7 = new Sequential[2];
    readonly Linear fc8;
    readonly AlexNet source;

    internal TwoDeviceAlexNet(AlexNet source, Device first, Device second) : base(nameof(TwoDeviceAlexNet))
    {
        this.source = source;
        devices = [first, second];
        var options = source.Options;
        var f = source.Features;
        var convs = f.children().OfType<Conv2d>().ToArray();
        var linears = source.Classifier.children().OfType<Linear>().ToArray();
        int poolKernel = options.OverlappingPooling ? 3 : 2;
        using var _ = no_grad();
        for (int t = 0; t < 2; t++)
        {
            // conv1 and conv2 (with LRN and pooling) stay inside tower t.
            var lowerLayers = new List<(string, Module<Tensor, Tensor>)>
            {
                ("conv1", Half(convs[0], t, options.InputChannels)), ("act1", Layers.Of(options.Activation)),
            };
            if (source.HasLocalResponseNorm) lowerLayers.Add(("lrn1", Layers.PaperLrn()));
            lowerLayers.Add(("pool1", MaxPool2d(poolKernel, 2)));
            lowerLayers.Add(("conv2", Half(convs[1], t, convs[1].weight.shape[1])));
            lowerLayers.Add(("act2", Layers.Of(options.Activation)));
            if (source.HasLocalResponseNorm) lowerLayers.Add(("lrn2", Layers.PaperLrn()));
            lowerLayers.Add(("pool2", MaxPool2d(poolKernel, 2)));
            lower[t] = Sequential(lowerLayers.ToArray());
            // conv3 reads both towers; conv4 and conv5 stay inside the tower.
            upper[t] = Sequential(
                ("conv3", Half(convs[2], t, convs[2].weight.shape[1])), ("act3", Layers.Of(options.Activation)),
                ("conv4", Half(convs[3], t, convs[3].weight.shape[1])), ("act4", Layers.Of(options.Activation)),
                ("conv5", Half(convs[4], t, convs[4].weight.shape[1])), ("act5", Layers.Of(options.Activation)),
                ("pool5", MaxPool2d(poolKernel, 2)));
            fc6[t] = Sequential(("linear", HalfLinear(linears[0], t)), ("act", Layers.Of(options.Activation)), ("dropout", Dropout(options.Dropout)));
            fc7[t] = Sequential(("linear", HalfLinear(linears[1], t)), ("act", Layers.Of(options.Activation)), ("dropout", Dropout(options.Dropout)));
            lower[t].to(devices[t]); upper[t].to(devices[t]); fc6[t].to(devices[t]); fc7[t].to(devices[t]);
            register_module($"tower{t}_lower", lower[t]);
            register_module($"tower{t}_upper", upper[t]);
            register_module($"tower{t}_fc6", fc6[t]);
            register_module($"tower{t}_fc7", fc7[t]);
        }
        fc8 = Linear(linears[2].in_features, linears[2].out_features);
        fc8.weight!.copy_(linears[2].weight!);
        fc8.bias!.copy_(linears[2].bias!);
        fc8.to(devices[0]);
        register_module("fc8", fc8);
    }

    /// <summary>Tower t's half of a convolution: half its output channels, reading in-channels as the grouped weight says.</summary>
    static Conv2d Half(Conv2d whole, int tower, long inputChannels)
    {
        long outHalf = whole.weight!.shape[0] / 2;
        var part = Conv2d(inputChannels, outHalf, whole.kernel_size[0], stride: whole.stride[0], padding: whole.padding![0]);
        part.weight!.copy_(whole.weight.narrow(0, tower * outHalf, outHalf));
        part.bias!.copy_(whole.bias!.narrow(0, tower * outHalf, outHalf));
        return part;
    }

    static Linear HalfLinear(Linear whole, int tower)
    {
        long outHalf = whole.out_features / 2;
        var part = Linear(whole.in_features, outHalf);
        part.weight!.copy_(whole.weight!.narrow(0, tower * outHalf, outHalf));
        part.bias!.copy_(whole.bias!.narrow(0, tower * outHalf, outHalf));
        return part;
    }

    public override Tensor forward(Tensor input)
    {
        InputCheck.Image("AlexNet (two devices)", input, source.Options.InputChannels, source.InputSize, source.InputSize);
        using var scope = NewDisposeScope();
        var low = new[] { lower[0].call(input.to(devices[0])), lower[1].call(input.to(devices[1])) };
        // The first exchange: conv3 of each tower reads both towers' conv2 maps.
        var high = Enumerable.Range(0, 2).Select(t => upper[t].call(cat([low[0].to(devices[t]), low[1].to(devices[t])], 1))).ToArray();
        var h6 = Enumerable.Range(0, 2).Select(t => fc6[t].call(cat([high[0].to(devices[t]).flatten(1), high[1].to(devices[t]).flatten(1)], 1))).ToArray();
        var h7 = Enumerable.Range(0, 2).Select(t => fc7[t].call(cat([h6[0].to(devices[t]), h6[1].to(devices[t])], 1))).ToArray();
        return fc8.call(cat([h7[0].to(devices[0]), h7[1].to(devices[0])], 1)).MoveToOuterDisposeScope();
    }
}
