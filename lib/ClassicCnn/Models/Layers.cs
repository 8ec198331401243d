using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Models;

/// <summary>The activation functions the series compares.</summary>
public enum Activation
{
    ReLU,
    Sigmoid,
    Tanh,
    /// <summary>LeNet-5's squashing function 1.7159 tanh(2a/3).</summary>
    ScaledTanh,
}

/// <summary>How a network pools.</summary>
public enum Pooling { Average, Max }

/// <summary>Small building blocks shared by the model classes.</summary>
public static class Layers
{
    public static Module<Tensor, Tensor> Of(Activation activation) => activation switch
    {
        Activation.ReLU => ReLU(),
        Activation.Sigmoid => Sigmoid(),
        Activation.Tanh => Tanh(),
        Activation.ScaledTanh => new ScaledTanh(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "use ReLU, Sigmoid, Tanh or ScaledTanh."),
    };

    /// <summary>
    /// Local response normalisation as Krizhevsky et al. write it: b = a / (k + alpha * sum of a^2 over n neighbours)^beta.
    /// PyTorch's LocalResponseNorm divides alpha by n, so alpha is multiplied by n here to keep the paper's constants.
    /// </summary>
    public static Module<Tensor, Tensor> PaperLrn(int groups = 1) => new GroupedLocalResponseNorm(size: 5, alpha: 1e-4, beta: 0.75, k: 2, groups);

    /// <summary>Xavier-uniform weights and zero biases for every convolution and linear layer (d2l's init_cnn).</summary>
    public static void XavierInit(Module module)
    {
        using var _ = no_grad();
        foreach (var (_, child) in module.named_modules())
        {
            if (child is TorchSharp.Modules.Conv2d conv)
            {
                init.xavier_uniform_(conv.weight);
                if (conv.bias is not null) init.zeros_(conv.bias);
            }
            else if (child is TorchSharp.Modules.Linear linear)
            {
                init.xavier_uniform_(linear.weight);
                if (linear.bias is not null) init.zeros_(linear.bias);
            }
        }
    }

    /// <summary>A Sequential whose layers are named 0, 1, 2... as PyTorch names them; a null layer (switched off by an option) is left out.</summary>
    internal static TorchSharp.Modules.Sequential Numbered(params Module<Tensor, Tensor>?[] layers) =>
        Sequential(layers.OfType<Module<Tensor, Tensor>>().Select((layer, i) => (i.ToString(), layer)).ToArray());

    /// <summary>A Sequential of named layers; a null layer (switched off by an option) is left out.</summary>
    internal static TorchSharp.Modules.Sequential Named(params (string Name, Module<Tensor, Tensor>? Layer)[] layers) =>
        Sequential(layers.Where(l => l.Layer is not null).Select(l => (l.Name, l.Layer!)).ToArray());

    /// <summary>Spatial size after a k x k window with the given stride and padding: floor((n + 2p - k) / s) + 1.</summary>
    public static int SizeAfter(int size, int kernel, int stride = 1, int padding = 0) =>
        size + 2 * padding < kernel ? 0 : (size + 2 * padding - kernel) / stride + 1;
}

/// <summary>f(a) = 1.7159 tanh(2a/3): LeNet-5's squashing function (LeCun et al. 1998, appendix A).</summary>
public sealed class ScaledTanh() : Module<Tensor, Tensor>(nameof(ScaledTanh))
{
    public const double Amplitude = 1.7159;
    public const double Slope = 2.0 / 3.0;
    // Cached because `tensor * double` makes a native Scalar that lives until the garbage collector finalises it: thousands
    // per epoch, scattered among the large activation buffers, fragmented the native heap (LeNet-5's RSS grew ~2 MB a step).
    static readonly Scalar twiceSlope = 2 * Slope, twiceAmplitude = 2 * Amplitude, amplitude = Amplitude;

    public override Tensor forward(Tensor input) => Squash(input);

    /// <summary>
    /// f(a) = A tanh(S a), with the paper's A = 1.7159 and S = 2/3, computed as 2A sigmoid(2S a) - A: the same function
    /// (tanh x = 2 sigmoid(2x) - 1, within 1e-6 in float32), but libtorch's sigmoid kernel is about 4 times faster than
    /// its tanh on a CPU (256x6x28x28: 0.6 against 2.6 ms): LeNet-5's six squashings, forward and backward, take 9.0
    /// instead of 11.4 ms of its 45 ms training step (batch 256, 2 threads).
    /// </summary>
    public static Tensor Squash(Tensor input)
    {
        using var scaled = input.mul(twiceSlope);
        using var squashed = scaled.sigmoid();
        using var stretched = squashed.mul(twiceAmplitude);
        return stretched.sub(amplitude);
    }
}

/// <summary>
/// LRN applied within each of <paramref name="groups"/> channel groups: in AlexNet each GPU normalised across its own
/// kernel maps only, so the one-device model must not mix the two towers' channels.
/// </summary>
internal sealed class GroupedLocalResponseNorm(int size, double alpha, double beta, double k, int groups)
    : Module<Tensor, Tensor>(nameof(GroupedLocalResponseNorm))
{
    public int Groups { get; } = groups;

    public override Tensor forward(Tensor input)
    {
        // PyTorch's formula is a / (k + alpha/n * sum)^beta; the paper's is a / (k + alpha * sum)^beta.
        double torchAlpha = alpha * size;
        if (Groups == 1) return functional.local_response_norm(input, size, torchAlpha, beta, k);
        long n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3];
        using var grouped = input.reshape(n * Groups, c / Groups, h, w);
        using var normalised = functional.local_response_norm(grouped, size, torchAlpha, beta, k);
        return normalised.reshape(n, c, h, w);
    }
}
