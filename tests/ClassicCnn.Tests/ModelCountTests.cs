using ClassicCnn.Inspection;
using ClassicCnn.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Tests;

/// <summary>Every parameter count the papers and torchvision state, exactly.</summary>
public class ModelCountTests
{
    internal static long Trainable(Module model) => model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());

    [Fact]
    public void LeNet5_has_the_papers_layers_and_exactly_60000_trainable_parameters()
    {
        using var model = new LeNet5();
        var summary = ModelSummary.Of(model, [1, 32, 32], depth: 1);
        Assert.Equal(["C1", "S2", "C3", "S4", "C5", "F6", "Output"], summary.Layers.Select(l => l.Name));
        Assert.Equal([156L, 12, 1_516, 32, 48_120, 10_164, 0], summary.Layers.Select(l => l.Trainable));
        Assert.Equal([122_304L, 5_880, 151_600, 2_000, 48_120, 10_164, 840], summary.Layers.Select(l => l.Connections));
        Assert.Equal(["6x28x28", "6x14x14", "16x10x10", "16x5x5", "120x1x1", "84", "10"], summary.Layers.Select(l => l.Shape));
        Assert.Equal(60_000, summary.TrainableParameters);
        Assert.Equal(60_000, Trainable(model));
        Assert.Equal(840, summary.FixedParameters);
        Assert.Equal(340_908, summary.Connections);
    }

    [Fact]
    public void LeNet5_with_a_fully_connected_C3_has_16_kernels_of_6_planes_and_still_runs()
    {
        using var model = new LeNet5(c3Inputs: Enumerable.Range(0, 16).Select(_ => (IReadOnlyList<int>)[0, 1, 2, 3, 4, 5]).ToList());
        var summary = ModelSummary.Of(model, [1, 32, 32], depth: 1);
        Assert.Equal(16 * 6 * 25 + 16, summary["C3"].Trainable); // 2,416 against Table I's 1,516
        Assert.Equal(60_000 - 1_516 + 2_416, summary.TrainableParameters);
        Assert.Equal("16x10x10", summary["C3"].Shape);
    }

    [Theory]
    [InlineData(Activation.Sigmoid, Pooling.Average)]
    [InlineData(Activation.ReLU, Pooling.Max)]
    [InlineData(Activation.Tanh, Pooling.Average)]
    public void Modern_LeNet_has_61706_parameters_whatever_its_activation_and_pooling(Activation activation, Pooling pooling)
    {
        using var model = new LeNet(activation, pooling);
        Assert.Equal(61_706, Trainable(model));
        var summary = ModelSummary.Of(model, [1, 28, 28]);
        Assert.Equal("6x28x28", summary["conv1"].Shape);
        Assert.Equal("16x5x5", summary["pool2"].Shape);
        Assert.Equal("10", summary["fc3"].Shape);
    }

    [Fact]
    public void AlexNet_variants_match_the_paper_torchvision_and_d2l()
    {
        using (var paper = AlexNet.Paper()) Assert.Equal(60_965_224, Trainable(paper));
        using (var torchvision = AlexNet.TorchVision()) Assert.Equal(61_100_840, Trainable(torchvision));
        using (var d2l = AlexNet.D2l()) Assert.Equal(46_764_746, Trainable(d2l));
    }

    /// <summary>02's ablations at the quick profile (67x67, 1,024 hidden units), counted layer by layer by hand: kernels / 4 are
    /// 24-64-96-96-64 (conv1 2,928 + conv2 38,464 + conv3 55,392 + conv4 83,040 + conv5 55,360; pool5 leaves 64 maps of 1x1, so
    /// fc6 66,560, fc7 1,049,600, fc8 10,250); two towers halve what conv2, conv4 and conv5 read (-88,320).</summary>
    [Theory]
    [InlineData(4, false, 1_361_594)]
    [InlineData(4, true, 1_273_274)]
    [InlineData(8, false, 1_153_250)]
    public void The_narrow_AlexNets_of_the_ablations_have_their_counts(int widthDivisor, bool twoTowers, long expected)
    {
        using var model = AlexNet.D2l(new AlexNetOptions { WidthDivisor = widthDivisor, TwoTowers = twoTowers, InputSize = 67, HiddenUnits = 1024 });
        Assert.Equal(expected, Trainable(model));
        Assert.Equal([96 / widthDivisor, 1, 11, 11], model.named_parameters().First(p => p.name == "conv1.weight").parameter.shape);
    }

    [Fact]
    public void AlexNet_paper_layer_shapes_follow_the_paper_from_a_227_input()
    {
        using var model = AlexNet.Paper();
        var summary = ModelSummary.Of(model, [3, 227, 227]);
        Assert.Equal(["conv1", "act1", "norm1", "pool1", "conv2", "act2", "norm2", "pool2", "conv3", "act3", "conv4", "act4", "conv5", "act5", "pool5",
                      "flatten", "fc6", "act6", "drop6", "fc7", "act7", "drop7", "fc8"], summary.Layers.Select(l => l.Name));
        Assert.Equal("96x55x55", summary["conv1"].Shape);
        Assert.Equal("96x27x27", summary["pool1"].Shape);
        Assert.Equal("256x27x27", summary["conv2"].Shape);
        Assert.Equal("256x13x13", summary["pool2"].Shape);
        Assert.Equal("384x13x13", summary["conv3"].Shape);
        Assert.Equal("256x6x6", summary["pool5"].Shape);
        Assert.Equal("1000", summary["fc8"].Shape);
        Assert.Equal(["Conv2d 11x11 /4", "ReLU", "GroupedLocalResponseNorm", "MaxPool2d", "Conv2d 5x5 groups 2"], summary.Layers.Take(5).Select(l => l.Kind));
        // fc6 reads 256 maps of 6x6; the groups halve conv2, conv4 and conv5.
        Assert.Equal([34_944L, 307_456, 885_120, 663_936, 442_624, 37_752_832, 16_781_312, 4_097_000],
            summary.Layers.Where(l => l.Trainable > 0).Select(l => l.Trainable));
        Assert.Equal(60_965_224, summary.TrainableParameters);
    }

    [Theory]
    [InlineData("A", 132_863_336)]
    [InlineData("A-LRN", 132_863_336)]
    [InlineData("B", 133_047_848)]
    [InlineData("C", 133_638_952)]
    [InlineData("D", 138_357_544)]
    [InlineData("E", 143_667_240)]
    [InlineData("VGG16", 138_357_544)]
    public void Vgg_configurations_have_the_exact_parameter_counts(string configuration, long expected)
    {
        using var model = Vgg.Create(configuration);
        Assert.Equal(expected, Trainable(model));
    }

    [Theory]
    [InlineData("A", 132_868_840)]
    [InlineData("B", 133_053_736)]
    [InlineData("E", 143_678_248)]
    public void Vgg_with_batch_norm_matches_torchvision(string configuration, long expected)
    {
        using var model = Vgg.Create(configuration, new VggOptions { BatchNorm = true });
        Assert.Equal(expected, Trainable(model));
    }

    [Fact]
    public void The_small_and_single_channel_vggs_have_their_counts()
    {
        using (var small = Vgg.Small()) Assert.Equal(43_093_322, Trainable(small));
        using (var grey = Vgg.Create("A", new VggOptions { InputChannels = 1, Classes = 10 })) Assert.Equal(128_806_154, Trainable(grey));
    }

    [Fact]
    public void Vgg_depths_are_the_papers()
    {
        Assert.Equal([11, 11, 13, 16, 16, 19], VggConfigurations.Table.Keys.Select(VggConfigurations.Depth));
    }
}

/// <summary>Runs alone: the check seeds libtorch's process-wide generator and builds two networks from it.</summary>
[Collection(EnvironmentCollection.Name)]
public class NetworkCheckTests
{
    static Module<Tensor, Tensor> WrittenLeNet(int hidden)
    {
        var net = Sequential(
            ("conv1", Conv2d(1, 6, 5, padding: 2)), ("act1", ReLU()), ("pool1", MaxPool2d(2, 2)),
            ("conv2", Conv2d(6, 16, 5)), ("act2", ReLU()), ("pool2", MaxPool2d(2, 2)), ("flatten", Flatten()),
            ("fc1", Linear(400, hidden)), ("act3", ReLU()), ("fc2", Linear(hidden, 84)), ("act4", ReLU()), ("fc3", Linear(84, 10)));
        Layers.XavierInit(net);
        return net;
    }

    [Fact]
    public void A_network_written_out_is_held_to_the_librarys_count_output_and_initial_weights()
    {
        string report = NetworkCheck.AgainstLibrary("LeNet", () => WrittenLeNet(120), () => new LeNet(Activation.ReLU, Pooling.Max), [1, 28, 28]);
        Assert.Equal("LeNet as written: 61,706 parameters, output [1, 10] for one image, the same initial weights as the library's model.", report);
        var wider = Assert.Throws<InvalidOperationException>(() => NetworkCheck.AgainstLibrary("LeNet", () => WrittenLeNet(128), () => new LeNet(Activation.ReLU, Pooling.Max), [1, 28, 28]));
        Assert.Equal("LeNet as written has 65,586 parameters, the library's 61,706. If you changed the network on purpose, delete this check: " +
            "it holds the version written here to the library's tested model.", wider.Message);
        // Same layers, initialised otherwise: the check notices (and can be told the difference is meant).
        Func<Module<Tensor, Tensor>> unscaled = () => Sequential(
            ("conv1", Conv2d(1, 6, 5, padding: 2)), ("act1", ReLU()), ("pool1", MaxPool2d(2, 2)),
            ("conv2", Conv2d(6, 16, 5)), ("act2", ReLU()), ("pool2", MaxPool2d(2, 2)), ("flatten", Flatten()),
            ("fc1", Linear(400, 120)), ("act3", ReLU()), ("fc2", Linear(120, 84)), ("act4", ReLU()), ("fc3", Linear(84, 10)));
        string otherWeights = Assert.Throws<InvalidOperationException>(() => NetworkCheck.AgainstLibrary("LeNet", unscaled, () => new LeNet(Activation.ReLU, Pooling.Max), [1, 28, 28])).Message;
        Assert.Contains("not its initial weights", otherWeights);
        Assert.EndsWith("delete this check: it holds the version written here to the library's tested model.", otherWeights);
        Assert.EndsWith("other initial weights than the library's model.", NetworkCheck.AgainstLibrary("LeNet", unscaled, () => new LeNet(Activation.ReLU, Pooling.Max), [1, 28, 28], sameWeightsRequired: false));
    }
}
