using System.Diagnostics;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Platform;

/// <summary>What the convolution self-check found on this CPU and what the library does about it.</summary>
/// <param name="WorstError">The largest relative error of a float32 input gradient against the float64 reference (NaN counts as infinite).</param>
/// <param name="Faulty">libtorch's CPU convolution returned a wrong input gradient for at least one checked shape.</param>
/// <param name="Routed">Convolutions whose output-channel count is not a multiple of 16 are widened to one (see <see cref="ConvolutionGuard"/>).</param>
/// <param name="Summary">One line for a learner: what was found and what is done.</param>
public sealed record ConvolutionCheck(double WorstError, bool Faulty, bool Routed, string Summary)
{
    public override string ToString() => Summary;
}

/// <summary>
/// libtorch 2.10 computes float32 convolutions on x86 CPUs with oneDNN 3.7.1, whose AVX2 and AVX-512 backward-data
/// kernels return wrong input gradients (errors of 5% to NaN, changing from run to run) in two cases: output channels
/// per group not a multiple of 16, and strided convolutions whose input channels per group are above 32 and not a
/// multiple of 32 (33-48, 65-80, ...). Forward passes and weight gradients are right, and so is every other shape.
/// So the route around it is narrow: on a CPU where the self-check finds the fault, such a convolution is computed
/// with its kernels padded by zeros up to those multiples (and its input by zero channels where the input channels
/// are padded), then the extra output channels are sliced off. The result and every gradient are the same numbers,
/// now from kernels that are right; the extra channels cost a little compute on the few layers concerned.
/// Set CLASSICCNN_CONV_ROUTE to on (always widen on the CPU), off (never) or auto (widen where the check finds the fault).
/// </summary>
public static class ConvolutionGuard
{
    public const string Variable = "CLASSICCNN_CONV_ROUTE";

    /// <summary>oneDNN's AVX-512 kernels work on blocks of 16 float32 channels; the faulty tail is the rest.</summary>
    public const int ChannelBlock = 16;

    /// <summary>Strided kernels read input channels in pairs of blocks; a half-filled last pair is wrong.</summary>
    public const int StridedInputBlock = 32;

    /// <summary>A float32 gradient further than this from float64 is wrong: honest rounding is 1e-7 to 1e-5.</summary>
    public const double Tolerance = 1e-3;

    static readonly Lazy<ConvolutionCheck> check = new(RunCheck, LazyThreadSafetyMode.ExecutionAndPublication);
    static readonly ConditionalWeakTable<TorchSharp.Modules.Convolution, object> protectedLayers = new();

    /// <summary>The self-check's finding, computed on first use (a few milliseconds).</summary>
    public static ConvolutionCheck Check => check.Value;

    /// <summary>
    /// Makes every 2-D convolution in <paramref name="model"/> safe to differentiate on this CPU: where the check found
    /// the fault, layers whose output channels per group are not a multiple of 16 are computed through
    /// <see cref="Conv2d"/> while their input needs a gradient. Idempotent; the trainer and the gradient probes call it.
    /// </summary>
    public static T Protect<T>(T model) where T : Module
    {
        if (!Check.Routed) return model;
        foreach (var layer in model.modules().Prepend(model).OfType<TorchSharp.Modules.Conv2d>())
        {
            if (!Affected(layer.weight!, layer.stride, layer.groups) || protectedLayers.TryGetValue(layer, out _)) continue;
            if (PaddingOf(layer) is not { } padding) continue;
            protectedLayers.Add(layer, padding);
            layer.register_forward_hook((_, input, output) =>
                NeedsRoute(input, layer.weight!, layer.stride, layer.groups) ? Conv2d(input, layer.weight!, layer.bias, layer.stride, padding, layer.dilation, layer.groups) : null!);
        }
        return model;
    }

    /// <summary>
    /// <c>conv2d</c> with the route applied where it is needed: on the CPU, when the check found the fault, the input
    /// needs a gradient and the output channels per group are not a multiple of 16. Layers that call conv2d themselves
    /// (LeNet-5's partially connected C3) use this.
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long[]? stride = null, long[]? padding = null, long[]? dilation = null, long groups = 1)
    {
        stride ??= [1, 1];
        padding ??= [0, 0];
        dilation ??= [1, 1];
        if (!Check.Routed || !NeedsRoute(input, weight, stride, groups))
            return functional.conv2d(input, weight, bias, stride, padding, dilation, groups);
        return Widened(input, weight, bias, stride, padding, dilation, groups);
    }

    static bool NeedsRoute(Tensor input, Tensor weight, long[] stride, long groups) =>
        input.device.type == DeviceType.CPU && input.dtype == ScalarType.Float32 && input.requires_grad && is_grad_enabled()
        && Affected(weight, stride, groups);

    /// <summary>The shapes whose input gradient oneDNN gets wrong (see the class summary).</summary>
    static bool Affected(Tensor weight, long[] stride, long groups) =>
        weight.shape[0] / groups % ChannelBlock != 0 || InputExtra(weight.shape[1], stride) > 0;

    static long InputExtra(long inputsPerGroup, long[] stride) =>
        stride.Any(s => s > 1) && inputsPerGroup > StridedInputBlock && inputsPerGroup % StridedInputBlock != 0
            ? StridedInputBlock - inputsPerGroup % StridedInputBlock : 0;

    internal static Tensor Widened(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups)
    {
        long perGroup = weight.shape[0] / groups, inputsPerGroup = weight.shape[1];
        long extra = (perGroup + ChannelBlock - 1) / ChannelBlock * ChannelBlock - perGroup;
        long inputExtra = InputExtra(inputsPerGroup, stride);
        using var scope = NewDisposeScope();
        // Zero kernels for the extra output channels and zero slices for the extra input channels, group by group.
        var kernels = functional.pad(weight.reshape(groups, perGroup, inputsPerGroup, -1), [0, 0, 0, inputExtra, 0, extra])
            .reshape(groups * (perGroup + extra), inputsPerGroup + inputExtra, weight.shape[2], weight.shape[3]);
        var biases = bias is null ? null : functional.pad(bias.reshape(groups, perGroup), [0, extra]).reshape(-1);
        var wideInput = inputExtra == 0 ? input
            : functional.pad(input.unflatten(1, [groups, inputsPerGroup]), [0, 0, 0, 0, 0, inputExtra]).flatten(1, 2);
        var wide = functional.conv2d(wideInput, kernels, biases, stride, padding, dilation, groups);
        var output = extra == 0 ? wide
            : groups == 1 ? wide.narrow(1, 0, perGroup)
            : wide.unflatten(1, [groups, perGroup + extra]).narrow(2, 0, perGroup).flatten(1, 2);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>The layer's zero padding as numbers, or null when it pads otherwise (reflect, 'same' with even kernels): left alone.</summary>
    static long[]? PaddingOf(TorchSharp.Modules.Conv2d layer)
    {
        if (layer.padding_mode != PaddingModes.Zeros) return null;
        if (layer.padding_type is null) return layer.padding;
        if (layer.padding_type == Padding.Valid) return [0, 0];
        var same = layer.kernel_size.Zip(layer.dilation, (k, d) => (k - 1) * d).ToArray();
        return same.All(t => t % 2 == 0) ? same.Select(t => t / 2).ToArray() : null;
    }

    /// <summary>The shapes the check tries: the fault's known cases of both kinds, LeNet-5's C5 among them.</summary>
    static readonly (int In, int Out, int Kernel, int Size, int Stride, int Padding)[] CheckedShapes =
    [
        (1, 4, 5, 12, 1, 2),
        (16, 120, 5, 5, 1, 0),
        (2, 12, 7, 15, 2, 1),
        (8, 8, 3, 8, 1, 1),
        (40, 16, 5, 11, 2, 0),
    ];

    static ConvolutionCheck RunCheck()
    {
        string mode = ParseMode(Environment.GetEnvironmentVariable(Variable));
        var clock = Stopwatch.StartNew();
        double plain = WorstError(widen: false);
        bool faulty = !(plain <= Tolerance);
        string found = faulty
            ? $"libtorch's CPU convolution gives wrong input gradients here (relative error {Describe(plain)} where float32 should be within 1e-5)"
            : $"libtorch's CPU convolution gradients are right here (largest error {Describe(plain)})";
        if (mode == "off")
            return new(plain, faulty, false, $"{found}; not routed ({Variable}=off).");
        if (!faulty && mode == "auto")
            return new(plain, false, false, $"{found}; nothing routed ({clock.Elapsed.TotalMilliseconds:0} ms check).");
        double widened = WorstError(widen: true);
        if (!(widened <= Tolerance))
            return new(plain, faulty, false,
                $"{found}, and widening the channels with zeros does not fix it (error {Describe(widened)}): " +
                $"convolution gradients may be wrong on this CPU; set {Variable}=off and report the CPU.");
        return new(plain, faulty, true,
            $"{found}; the convolutions concerned (output channels not a multiple of {ChannelBlock}, or strided with {StridedInputBlock}+ input channels not a multiple of {StridedInputBlock}) are widened with zero channels for their gradients " +
            $"(error then {Describe(widened)}; {clock.Elapsed.TotalMilliseconds:0} ms check{(mode == "on" ? $", {Variable}=on" : "")}).");
    }

    internal static string ParseMode(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => "auto",
        "on" => "on",
        "off" => "off",
        var other => throw new ArgumentException($"{Variable} is '{other}': use auto, on or off.", Variable),
    };

    static string Describe(double error) => double.IsFinite(error) ? error.ToString("0.0e0") : "NaN";

    /// <summary>The worst relative error of the input gradient over the checked shapes, three tries each (the fault varies between runs).</summary>
    static double WorstError(bool widen)
    {
        double worst = 0;
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var generator = new Generator(20261201);
        foreach (var (inputs, outputs, kernel, size, stride, padding) in CheckedShapes)
            for (int attempt = 0; attempt < 3; attempt++)
            {
                var x = randn([2, inputs, size, size], generator: generator);
                var weight = randn([outputs, inputs, kernel, kernel], generator: generator);
                var upstream = randn([2, outputs, (size + 2 * padding - kernel) / stride + 1, (size + 2 * padding - kernel) / stride + 1], generator: generator);
                var leaf = x.requires_grad_(true);
                long[] strides = [stride, stride], paddings = [padding, padding], dilations = [1, 1];
                var y = widen
                    ? Widened(leaf, weight, null, strides, paddings, dilations, 1)
                    : functional.conv2d(leaf, weight, null, strides, paddings, dilations, 1);
                y.backward([upstream]);
                var reference = InputGradientByMatmul(upstream.to(float64), weight.to(float64), size, kernel, stride, padding);
                double error = ((leaf.grad!.to(float64) - reference).norm() / reference.norm()).item<double>();
                worst = double.IsNaN(error) ? double.PositiveInfinity : Math.Max(worst, error);
            }
        return worst;
    }

    /// <summary>
    /// The input gradient of a convolution from its definition, with no convolution kernel involved: each output
    /// position's upstream gradient, times the kernel, lands on the input window it read (a matrix product, then fold).
    /// </summary>
    internal static Tensor InputGradientByMatmul(Tensor upstream, Tensor weight, int size, int kernel, int stride, int padding)
    {
        var columns = weight.reshape(weight.shape[0], -1).t().matmul(upstream.flatten(2)); // [N, C*k*k, positions]
        return functional.fold(columns, (size, size), (kernel, kernel), padding: (padding, padding), stride: (stride, stride));
    }
}
