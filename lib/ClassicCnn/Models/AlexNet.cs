using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Models;

/// <summary>Which AlexNet: the 2012 paper's, torchvision's one-tower rewrite, or d2l.ai's Fashion-MNIST version.</summary>
public enum AlexNetLayout { Paper, TorchVision, D2l }

/// <summary>The switches the AlexNet notebook's experiments turn. A null setting takes the layout's own value (see <see cref="AlexNet"/>).</summary>
public sealed record AlexNetOptions
{
    public AlexNetLayout Layout { get; init; } = AlexNetLayout.Paper;
    /// <summary>null: 1 (grey) for d2l's layout, 3 otherwise.</summary>
    public int? InputChannels { get; init; }
    /// <summary>null: 10 for d2l's layout, 1000 otherwise.</summary>
    public int? Classes { get; init; }
    /// <summary>Input height and width; null: 227 for the paper (see <see cref="AlexNet.PaperInputSize"/>), 224 otherwise.</summary>
    public int? InputSize { get; init; }
    /// <summary>LRN after conv1 and conv2; null: on for the paper, off otherwise.</summary>
    public bool? LocalResponseNorm { get; init; }
    /// <summary>Max pooling 3x3 stride 2 (overlapping, the paper's) or 2x2 stride 2 (non-overlapping).</summary>
    public bool OverlappingPooling { get; init; } = true;
    public double Dropout { get; init; } = 0.5;
    public Activation Activation { get; init; } = Activation.ReLU;
    /// <summary>The paper's two towers (conv2, conv4, conv5 grouped by 2); null: on for the paper. The paper's and d2l's layouts can have them.</summary>
    public bool? TwoTowers { get; init; }
    public int HiddenUnits { get; init; } = 4096;
    /// <summary>Every convolution gets this many times fewer kernels (02's ablations: the profile's ExperimentWidthDivisor, twice it for "half the kernels"); the fully connected layers keep <see cref="HiddenUnits"/>.</summary>
    public int WidthDivisor { get; init; } = 1;
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
/// The paper's and d2l's layers are named conv1..fc8 as in the table; torchvision's keep its names
/// (features.N, avgpool, classifier.N) so its state dictionaries load.
/// </summary>
public sealed class AlexNet : ImageClassifier
{
    public const int PaperInputSize = 227;

    public AlexNetOptions Options { get; }
    public int InputChannels { get; }
    public int Classes { get; }
    public int InputSize { get; }
    public bool HasTowers { get; }
    public bool HasLocalResponseNorm { get; }

    public static AlexNet Paper(AlexNetOptions? options = null) => new((options ?? new()) with { Layout = AlexNetLayout.Paper });
    public static AlexNet TorchVision(AlexNetOptions? options = null) => new((options ?? new()) with { Layout = AlexNetLayout.TorchVision });
    /// <summary>d2l.ai's AlexNet for Fashion-MNIST: one input channel, ten classes, 224x224: 46,764,746 parameters.</summary>
    public static AlexNet D2l(AlexNetOptions? options = null) => new((options ?? new()) with { Layout = AlexNetLayout.D2l });

    public AlexNet(AlexNetOptions options)
        : base(nameof(AlexNet), $"AlexNet ({options.Layout})", ChannelsOf(options), SizeOf(options), SizeOf(options))
    {
        Options = options;
        var layout = options.Layout;
        InputChannels = ChannelsOf(options);
        Classes = options.Classes ?? (layout == AlexNetLayout.D2l ? 10 : 1000);
        InputSize = SizeOf(options);
        HasTowers = options.TwoTowers ?? layout == AlexNetLayout.Paper;
        HasLocalResponseNorm = options.LocalResponseNorm ?? layout == AlexNetLayout.Paper;
        if (options.TwoTowers == true && layout == AlexNetLayout.TorchVision)
            throw new ArgumentException("TwoTowers needs Layout = Paper or D2l: torchvision's layout has one tower (its widths do not split the paper's way).", nameof(options));
        CheckOptions(InputChannels, Classes, options.Dropout, nameof(options));
        if (options.HiddenUnits < 1 || (HasTowers && options.HiddenUnits % 2 != 0))
            throw new ArgumentException($"HiddenUnits is {options.HiddenUnits}; use a positive number{(HasTowers ? ", even so the two towers split it" : "")}.", nameof(options));
        int conv1Padding = layout switch { AlexNetLayout.TorchVision => 2, AlexNetLayout.D2l => 1, _ => 0 };
        int mapSize = MapSizeAfterPool5(InputSize, conv1Padding, options.OverlappingPooling);
        if (mapSize < 1)
        {
            int minimum = Enumerable.Range(1, 1024).First(size => MapSizeAfterPool5(size, conv1Padding, options.OverlappingPooling) >= 1);
            throw new ArgumentException($"InputSize {InputSize} is too small for AlexNet ({layout}): the feature maps vanish before fc6. Use at least {minimum}.", nameof(options));
        }

        int c = InputChannels, towers = HasTowers ? 2 : 1, hidden = options.HiddenUnits, classes = Classes, divisor = options.WidthDivisor;
        int[] widths = layout == AlexNetLayout.TorchVision ? [64, 192, 384, 256] : [96, 256, 384];
        bool Fits(int d) => d >= 1 && widths.All(w => w % d == 0 && w / d % towers == 0);
        if (!Fits(divisor))
            throw new ArgumentException($"WidthDivisor is {divisor}; use a positive number that divides every layer's kernels ({string.Join(", ", widths)})" +
                $"{(towers > 1 ? " and leaves each an even number, for the two towers" : "")}: one of {string.Join(", ", Enumerable.Range(1, widths.Min()).Where(Fits))}.", nameof(options));
        int W(int kernels) => kernels / divisor;
        double p = options.Dropout;
        Module<Tensor, Tensor> Act() => NewActivation();
        Module<Tensor, Tensor> Pool() => NewPool();
        Module<Tensor, Tensor>? Lrn() => HasLocalResponseNorm ? Layers.PaperLrn(towers) : null; // each tower normalises its own maps

        switch (layout)
        {
            case AlexNetLayout.Paper:
                Stack(
                    ("conv1", Conv2d(c, W(96), 11, stride: 4)),                         ("act1", Act()), ("norm1", Lrn()), ("pool1", Pool()),
                    ("conv2", Conv2d(W(96), W(256), 5, padding: 2, groups: towers)),    ("act2", Act()), ("norm2", Lrn()), ("pool2", Pool()),
                    ("conv3", Conv2d(W(256), W(384), 3, padding: 1)),                   ("act3", Act()),
                    ("conv4", Conv2d(W(384), W(384), 3, padding: 1, groups: towers)),   ("act4", Act()),
                    ("conv5", Conv2d(W(384), W(256), 3, padding: 1, groups: towers)),   ("act5", Act()), ("pool5", Pool()),
                    ("flatten", Flatten()),
                    ("fc6", Linear(W(256) * mapSize * mapSize, hidden)),                ("act6", Act()), ("drop6", Dropout(p)),
                    ("fc7", Linear(hidden, hidden)),                                    ("act7", Act()), ("drop7", Dropout(p)),
                    ("fc8", Linear(hidden, classes)));
                break;
            case AlexNetLayout.D2l: // the paper's widths (on one tower unless asked), conv1 padded by 1 for 224x224 inputs
                Stack(
                    ("conv1", Conv2d(c, W(96), 11, stride: 4, padding: 1)),             ("act1", Act()), ("norm1", Lrn()), ("pool1", Pool()),
                    ("conv2", Conv2d(W(96), W(256), 5, padding: 2, groups: towers)),    ("act2", Act()), ("norm2", Lrn()), ("pool2", Pool()),
                    ("conv3", Conv2d(W(256), W(384), 3, padding: 1)),                   ("act3", Act()),
                    ("conv4", Conv2d(W(384), W(384), 3, padding: 1, groups: towers)),   ("act4", Act()),
                    ("conv5", Conv2d(W(384), W(256), 3, padding: 1, groups: towers)),   ("act5", Act()), ("pool5", Pool()),
                    ("flatten", Flatten()),
                    ("fc6", Linear(W(256) * mapSize * mapSize, hidden)),                ("act6", Act()), ("drop6", Dropout(p)),
                    ("fc7", Linear(hidden, hidden)),                                    ("act7", Act()), ("drop7", Dropout(p)),
                    ("fc8", Linear(hidden, classes)));
                break;
            default: // torchvision: narrower convolutions, pooled to 6x6 whatever the input size, dropout before each hidden layer
                Stack(
                    ("features", Layers.Numbered(
                        Conv2d(c, W(64), 11, stride: 4, padding: 2),       Act(), Lrn(), Pool(),
                        Conv2d(W(64), W(192), 5, padding: 2),              Act(), Lrn(), Pool(),
                        Conv2d(W(192), W(384), 3, padding: 1),             Act(),
                        Conv2d(W(384), W(256), 3, padding: 1),             Act(),
                        Conv2d(W(256), W(256), 3, padding: 1),             Act(), Pool())),
                    ("avgpool", AdaptiveAvgPool2d(6)),
                    ("flatten", Flatten()),
                    ("classifier", Layers.Numbered(
                        Dropout(p), Linear(W(256) * 6 * 6, hidden), Act(),
                        Dropout(p), Linear(hidden, hidden),         Act(),
                        Linear(hidden, classes))));
                break;
        }
        // Every layout starts as d2l's does (Xavier), so the layouts differ only in shape; the paper's own start (weights
        // N(0, 0.01), biases 1 in conv2, conv4, conv5, fc6 and fc7, 0 elsewhere) is not used.
        Layers.XavierInit(this);
    }

    /// <summary>A new activation layer of the kind the options ask for.</summary>
    internal Module<Tensor, Tensor> NewActivation() => Layers.Of(Options.Activation);

    /// <summary>A new max pool: 3x3 with stride 2 (overlapping, the paper's) or 2x2 with stride 2.</summary>
    internal Module<Tensor, Tensor> NewPool() => Options.OverlappingPooling ? MaxPool2d(3, 2) : MaxPool2d(2, 2);

    static int ChannelsOf(AlexNetOptions options) => options.InputChannels ?? (options.Layout == AlexNetLayout.D2l ? 1 : 3);
    static int SizeOf(AlexNetOptions options) => options.InputSize ?? (options.Layout == AlexNetLayout.Paper ? PaperInputSize : 224);

    /// <summary>Height and width of pool5's maps: conv1 (11x11, stride 4) and three pools shrink them; conv2..conv5 keep the size.</summary>
    static int MapSizeAfterPool5(int inputSize, int conv1Padding, bool overlapping)
    {
        int window = overlapping ? 3 : 2;
        int size = Layers.SizeAfter(inputSize, 11, 4, conv1Padding);
        for (int pool = 0; pool < 3; pool++) size = Layers.SizeAfter(size, window, 2);
        return size;
    }

    /// <summary>
    /// The paper's model parallelism: each tower's half of every layer on its own device, exchanging activations only
    /// where the paper's GPUs did (into conv3, fc6, fc7 and fc8). The weights are copied from this model, so both give
    /// the same outputs; on one device the grouped convolutions of this model do the same work in one call.
    /// </summary>
    public TwoDeviceAlexNet PlaceTowers(Device first, Device second)
    {
        if (!HasTowers)
            throw new InvalidOperationException("Only an AlexNet with two towers has towers to place on two devices; build it with AlexNet.Paper(), or AlexNet.D2l(new AlexNetOptions { TwoTowers = true }).");
        return new TwoDeviceAlexNet(this, first, second);
    }

    /// <summary>One of the named layers (conv1..fc8) of the paper's or d2l's layout.</summary>
    internal T Layer<T>(string name) where T : Module =>
        named_children().FirstOrDefault(child => child.name == name).module as T
        ?? throw new InvalidOperationException($"This AlexNet ({Options.Layout}) has no {typeof(T).Name} named {name}.");
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
        Conv2d Conv(int i) => source.Layer<Conv2d>($"conv{i}");
        Module<Tensor, Tensor> Act() => source.NewActivation();
        Module<Tensor, Tensor> Pool() => source.NewPool();
        Module<Tensor, Tensor>? Lrn() => source.HasLocalResponseNorm ? Layers.PaperLrn() : null;
        static Sequential Named(params (string Name, Module<Tensor, Tensor>? Layer)[] layers) => Layers.Named(layers);
        using var _ = no_grad();
        for (int t = 0; t < 2; t++)
        {
            // conv1 and conv2 (with LRN and pooling) stay inside tower t; conv3 reads both towers; conv4 and conv5 stay inside.
            lower[t] = Named(
                ("conv1", Half(Conv(1), t)), ("act1", Act()), ("norm1", Lrn()), ("pool1", Pool()),
                ("conv2", Half(Conv(2), t)), ("act2", Act()), ("norm2", Lrn()), ("pool2", Pool()));
            upper[t] = Named(
                ("conv3", Half(Conv(3), t)), ("act3", Act()),
                ("conv4", Half(Conv(4), t)), ("act4", Act()),
                ("conv5", Half(Conv(5), t)), ("act5", Act()), ("pool5", Pool()));
            fc6[t] = Named(("linear", HalfLinear(source.Layer<Linear>("fc6"), t)), ("act", Act()), ("drop", Dropout(options.Dropout)));
            fc7[t] = Named(("linear", HalfLinear(source.Layer<Linear>("fc7"), t)), ("act", Act()), ("drop", Dropout(options.Dropout)));
            lower[t].to(devices[t]); upper[t].to(devices[t]); fc6[t].to(devices[t]); fc7[t].to(devices[t]);
            register_module($"tower{t}_lower", lower[t]);
            register_module($"tower{t}_upper", upper[t]);
            register_module($"tower{t}_fc6", fc6[t]);
            register_module($"tower{t}_fc7", fc7[t]);
        }
        var whole8 = source.Layer<Linear>("fc8");
        fc8 = Linear(whole8.in_features, whole8.out_features);
        fc8.weight!.copy_(whole8.weight!);
        fc8.bias!.copy_(whole8.bias!);
        fc8.to(devices[0]);
        register_module("fc8", fc8);
    }

    /// <summary>Tower t's half of a convolution: half its output channels, reading the in-channels its grouped weight reads.</summary>
    static Conv2d Half(Conv2d whole, int tower)
    {
        long outHalf = whole.weight!.shape[0] / 2;
        var part = Conv2d(whole.weight.shape[1], outHalf, whole.kernel_size[0], stride: whole.stride[0], padding: whole.padding![0]);
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
        ImageClassifier.CheckImage("AlexNet (two devices)", input, source.InputChannels, source.InputSize, source.InputSize);
        using var scope = NewDisposeScope();
        var low = new[] { lower[0].call(input.to(devices[0])), lower[1].call(input.to(devices[1])) };
        // The first exchange: conv3 of each tower reads both towers' conv2 maps.
        var high = Enumerable.Range(0, 2).Select(t => upper[t].call(cat([low[0].to(devices[t]), low[1].to(devices[t])], 1))).ToArray();
        var h6 = Enumerable.Range(0, 2).Select(t => fc6[t].call(cat([high[0].to(devices[t]).flatten(1), high[1].to(devices[t]).flatten(1)], 1))).ToArray();
        var h7 = Enumerable.Range(0, 2).Select(t => fc7[t].call(cat([h6[0].to(devices[t]), h6[1].to(devices[t])], 1))).ToArray();
        return fc8.call(cat([h7[0].to(devices[0]), h7[1].to(devices[0])], 1)).MoveToOuterDisposeScope();
    }
}
