using ClassicCnn.Models;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Tests;

/// <summary>The zoo against TorchVision's own constructors: same counts, and state dictionaries with the same names and shapes.</summary>
public class TorchVisionCrossCheckTests
{
    static void AssertSameStateDictionary(Module ours, Module theirs)
    {
        var a = ours.state_dict().Where(kv => kv.Value.is_floating_point()).ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var b = theirs.state_dict().Where(kv => kv.Value.is_floating_point()).ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(b.Keys.Order(), a.Keys.Order());
        foreach (var (key, shape) in b) Assert.Equal(shape, a[key]);
        Assert.Equal(ModelCountTests.Trainable(theirs), ModelCountTests.Trainable(ours));
    }

    [Fact]
    public void AlexNet_lines_up_with_torchvision()
    {
        using var ours = AlexNet.TorchVision();
        using var theirs = torchvision.models.alexnet();
        AssertSameStateDictionary(ours, theirs);
        // The same weights give the same outputs.
        ours.load_state_dict(theirs.state_dict());
        ours.eval(); theirs.eval();
        using var input = torch.randn(2, 3, 224, 224);
        using var a = ours.call(input);
        using var b = theirs.call(input);
        Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-5));
    }

    [Theory]
    [InlineData("A", false)]
    [InlineData("B", true)]
    [InlineData("D", false)]
    [InlineData("D", true)]
    [InlineData("E", false)]
    public void Vgg_lines_up_with_torchvision(string configuration, bool batchNorm)
    {
        using var ours = Vgg.Create(configuration, new VggOptions { BatchNorm = batchNorm });
        using Module theirs = (configuration, batchNorm) switch
        {
            ("A", false) => torchvision.models.vgg11(),
            ("B", true) => torchvision.models.vgg13_bn(),
            ("D", false) => torchvision.models.vgg16(),
            ("D", true) => torchvision.models.vgg16_bn(),
            _ => torchvision.models.vgg19(),
        };
        AssertSameStateDictionary(ours, theirs);
        // The same weights give the same outputs (a layer out of place keeps every shape, not the output).
        ours.load_state_dict(theirs.state_dict());
        ours.eval(); theirs.eval();
        using var input = torch.randn(1, 3, 224, 224);
        using var a = ours.call(input);
        using var b = ((Module<torch.Tensor, torch.Tensor>)theirs).call(input);
        Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-5), $"largest difference {(a - b).abs().max().item<float>():E2}");
    }
}
