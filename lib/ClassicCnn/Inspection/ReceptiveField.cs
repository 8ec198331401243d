using ClassicCnn.Platform;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Inspection;

/// <summary>A stack of k x k stride-1 convolutions of C channels in, C out (biases left out, as in the VGG paper's argument).</summary>
public sealed record ConvolutionStack(int Kernel, int Layers, long Channels)
{
    /// <summary>Each layer widens the view by k - 1: three 3x3 layers see 7x7, two see 5x5.</summary>
    public int ReceptiveField => 1 + Layers * (Kernel - 1);

    /// <summary>Layers x k^2 x C^2: three 3x3 layers have 27 C^2 weights against 49 C^2 for one 7x7.</summary>
    public long Weights => Layers * (long)Kernel * Kernel * Channels * Channels;

    /// <summary>The non-linearities the stack interleaves (one per layer): more decision power for the same view.</summary>
    public int NonLinearities => Layers;
}

public static class ReceptiveField
{
    /// <summary>
    /// Measures how many input pixels (height, width) can change the centre output of <paramref name="model"/>:
    /// the extent of the non-zero input gradient of that one output. It overwrites the model's weights with a positive
    /// constant, so no gradient cancels out by chance: pass a freshly built model. Max pooling is refused: it passes the
    /// gradient to one input of each window, so the gradient would show only part of the field.
    /// </summary>
    public static (int Height, int Width) Measure(Module<Tensor, Tensor> model, int channels, int size)
    {
        // MaxPool1d/2d/3d, AdaptiveMaxPool and FractionalMaxPool alike.
        if (model.modules().Prepend(model).FirstOrDefault(m => m.GetType().Name.Contains("MaxPool")) is { } maxPool)
            throw new ArgumentException(
                $"{model.GetName()} has max pooling ({maxPool.GetName()}), which passes the gradient to one input of each window, so the input gradient " +
                "would show only part of the receptive field. Measure the same network with average pooling (AvgPool2d of the same size and stride): its field is the same.",
                nameof(model));
        using var scope = NewDisposeScope();
        ConvolutionGuard.Protect(model);
        using (no_grad())
            foreach (var p in model.parameters()) p.fill_(0.01);
        var input = ones(1, channels, size, size, requires_grad: true);
        var output = model.call(input);
        if (output.dim() != 4)
            throw new ArgumentException($"{model.GetName()} gives an output of shape [{string.Join(", ", output.shape)}]; the receptive field needs feature maps [N, C, H, W].", nameof(model));
        long centreH = output.shape[2] / 2, centreW = output.shape[3] / 2;
        output[0, .., centreH, centreW].sum().backward();
        var gradient = input.grad!;
        if (!gradient.isfinite().all().item<bool>())
            throw new InvalidOperationException(
                $"The input gradient of {model.GetName()} holds NaN or infinite values, so no receptive field can be read from it. " +
                $"The convolution check says: {ConvolutionGuard.Check.Summary}");
        var touched = gradient.abs().sum([0, 1]) > 0;
        var rows = touched.any(1).nonzero();
        var cols = touched.any(0).nonzero();
        if (rows.numel() == 0 || cols.numel() == 0)
            throw new InvalidOperationException(
                $"No input pixel of the {size}x{size} input changes the centre output of {model.GetName()}: its input gradient is all zero " +
                "(a layer that blocks gradients, or weights that cancel out). Measure a model of convolutions and average pooling only. " +
                $"The convolution check says: {ConvolutionGuard.Check.Summary}");
        int height = (int)(rows.max().item<long>() - rows.min().item<long>() + 1);
        int width = (int)(cols.max().item<long>() - cols.min().item<long>() + 1);
        return (height, width);
    }
}
