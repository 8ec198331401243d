using ClassicCnn.Models;
using static TorchSharp.torch;

namespace ClassicCnn.Tests;

public class ModelErrorTests
{
    [Fact]
    public void A_wrong_input_size_names_the_model_the_expected_shape_and_what_was_given()
    {
        using var model = new LeNet5();
        using var digits = zeros(2, 1, 28, 28);
        var error = Assert.Throws<ArgumentException>(() => model.call(digits));
        Assert.Contains("LeNet5 expects input of shape [N, 1, 32, 32] but was given [2, 1, 28, 28] (28x28 images)", error.Message);
        Assert.Contains("Pad 28x28 digits by 2", error.Message);
    }

    [Fact]
    public void A_wrong_channel_count_is_named()
    {
        using var model = Vgg.Small(64);
        using var colour = zeros(1, 3, 64, 64);
        var error = Assert.Throws<ArgumentException>(() => model.call(colour));
        Assert.Contains("VGG A expects input of shape [N, 1, 64, 64] but was given [1, 3, 64, 64] (3 channel(s))", error.Message);
    }

    [Fact]
    public void A_bad_C3_connection_table_names_the_entry_and_what_to_give()
    {
        var few = Assert.Throws<ArgumentException>(() => new LeNet5(LeNet5.C3Inputs.Take(12).ToList()));
        Assert.Contains("c3Inputs has 12 entries, but C3 has 16 maps (C5 reads 16)", few.Message);

        List<IReadOnlyList<int>> Table(IReadOnlyList<int> third) => [.. LeNet5.C3Inputs.Take(3), third, .. LeNet5.C3Inputs.Skip(4)];
        Assert.Contains("output map 3 reads input map 7, but the layer has 6 input maps (0 to 5)",
            Assert.Throws<ArgumentException>(() => new LeNet5(Table([0, 7]))).Message);
        Assert.Contains("output map 3 reads no input map", Assert.Throws<ArgumentException>(() => new LeNet5(Table([]))).Message);
        Assert.Contains("output map 3 lists an input map more than once (1, 2, 1)", Assert.Throws<ArgumentException>(() => new LeNet5(Table([1, 2, 1]))).Message);

        // A table that leaves S2 maps unread still fits S2's six maps.
        using var model = new LeNet5(Enumerable.Range(0, 16).Select(_ => (IReadOnlyList<int>)[0, 1]).ToList());
        using var digits = zeros(2, 1, 32, 32);
        using var distances = model.call(digits);
        Assert.Equal([2L, 10], distances.shape);
    }

    [Fact]
    public void An_unknown_vgg_configuration_lists_the_valid_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => Vgg.Create("F"));
        Assert.Contains("Unknown VGG configuration 'F'", error.Message);
        Assert.Contains("A, A-LRN, B, C, D, E", error.Message);
        Assert.Contains("VGG16 = D", error.Message);
    }

    [Fact]
    public void Impossible_options_say_which_option_to_change()
    {
        var size = Assert.Throws<ArgumentException>(() => Vgg.Create("A", new VggOptions { InputSize = 100, AdaptivePool = false }));
        Assert.Contains("InputSize 100 is not a multiple of 32", size.Message);
        Assert.Contains("AdaptivePool = true", size.Message);

        var width = Assert.Throws<ArgumentException>(() => Vgg.Create("A", new VggOptions { WidthDivisor = 3 }));
        Assert.Contains("WidthDivisor is 3", width.Message);

        var hidden = Assert.Throws<ArgumentException>(() => Vgg.Small(64, hiddenUnits: 0));
        Assert.Contains("HiddenUnits is 0; use a positive number", hidden.Message);

        var towers = Assert.Throws<ArgumentException>(() => AlexNet.TorchVision(new AlexNetOptions { TwoTowers = true }));
        Assert.Contains("TwoTowers needs Layout = Paper or D2l", towers.Message);

        var narrow = Assert.Throws<ArgumentException>(() => AlexNet.D2l(new AlexNetOptions { WidthDivisor = 3 }));
        Assert.StartsWith("WidthDivisor is 3; use a positive number that divides every layer's kernels (96, 256, 384): one of 1, 2, 4, 8, 16, 32.", narrow.Message);
        var odd = Assert.Throws<ArgumentException>(() => AlexNet.D2l(new AlexNetOptions { WidthDivisor = 32, TwoTowers = true }));
        Assert.StartsWith("WidthDivisor is 32; use a positive number that divides every layer's kernels (96, 256, 384) and leaves each an even number, for the two towers: one of 1, 2, 4, 8, 16.", odd.Message);
        var huge = Assert.Throws<ArgumentException>(() => AlexNet.D2l(new AlexNetOptions { WidthDivisor = int.MaxValue, TwoTowers = true }));
        Assert.StartsWith($"WidthDivisor is {int.MaxValue}; use a positive number", huge.Message);
        var vision = Assert.Throws<ArgumentException>(() => AlexNet.TorchVision(new AlexNetOptions { WidthDivisor = 0 }));
        Assert.StartsWith("WidthDivisor is 0; use a positive number that divides every layer's kernels (64, 192, 384, 256): one of 1, 2, 4, 8, 16, 32, 64.", vision.Message);

        var tiny = Assert.Throws<ArgumentException>(() => AlexNet.D2l(new AlexNetOptions { InputSize = 32 }));
        Assert.Contains("InputSize 32 is too small for AlexNet (D2l)", tiny.Message);
        Assert.Contains("Use at least 65", tiny.Message);

        using var d2l = AlexNet.D2l();
        var place = Assert.Throws<InvalidOperationException>(() => d2l.PlaceTowers(CPU, CPU));
        Assert.Contains("AlexNet.Paper()", place.Message);
        Assert.Contains("AlexNet.D2l(new AlexNetOptions { TwoTowers = true })", place.Message);
    }
}
