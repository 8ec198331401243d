using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Platform;

/// <summary>What the convolution self-check found on this CPU and what the library does about it.</summary>
/// <param name="WorstError">The largest relative error of a float32 output or input gradient against the float64 reference (NaN counts as infinite).</param>
/// <param name="Faulty">libtorch's CPU convolution returned a wrong output or input gradient for at least one checked shape.</param>
/// <param name="Routed">The convolutions of the shapes concerned are computed through the route (see <see cref="ConvolutionGuard"/>).</param>
/// <param name="Summary">One line for a learner: what was found and what is done.</param>
/// <param name="WholeInputProducts">A kernel that covers its whole input is computed as a matrix product (on unless the route is off).</param>
internal sealed record ConvolutionCheck(double WorstError, bool Faulty, bool Routed, string Summary, bool WholeInputProducts = true)
{
    public override string ToString() => Summary;
}

/// <summary>
/// libtorch 2.10 computes float32 convolutions on x86 CPUs with oneDNN 3.7.1, whose AVX2 and AVX-512 kernels get some
/// shapes wrong (errors of 5% to NaN, changing from run to run, as if reading memory nobody wrote):
/// <list type="bullet">
/// <item>the forward pass, for kernels larger than 1x1 whose input channels per group are above 16 and not a multiple
/// of 16 (17-31, 33-47, ...);</item>
/// <item>the input gradient, for output channels per group not a multiple of 16, and for strided convolutions whose
/// input channels per group are above 32 and not a multiple of 32 (33-48, 65-80, ...).</item>
/// </list>
/// Weight gradients are right, and so is every other shape. So the route around it is narrow: on a CPU where the
/// self-check finds the fault, such a convolution (for the gradient cases: while its input needs a gradient) is
/// computed with its kernels and its input padded by zero channels up to those multiples, then the extra output
/// channels are sliced off; a kernel that covers its whole input (LeNet-5's C5) is computed as the matrix product it
/// is. The result and every gradient are the same numbers, now from kernels that are right. That matrix product is
/// also faster than oneDNN's convolution kernel, so a kernel covering its whole input is computed that way on every
/// CPU, fault or not. Set CLASSICCNN_CONV_ROUTE to on (always route on the CPU), off (never, matrix products
/// included) or auto (route where the check finds the fault). See docs/platform.md.
/// </summary>
internal static class ConvolutionGuard
{
    /// <summary>oneDNN's AVX-512 kernels work on blocks of 16 float32 channels; the faulty tail is the rest.</summary>
    public const int ChannelBlock = 16;

    /// <summary>Strided kernels' backward reads input channels in pairs of blocks; a half-filled last pair is wrong.</summary>
    public const int StridedInputBlock = 32;

    /// <summary>A float32 output or gradient further than this from float64 is wrong: honest rounding is 1e-7 to 1e-5.</summary>
    public const double Tolerance = 1e-3;

    static readonly Lazy<ConvolutionCheck> check = new(RunCheck, LazyThreadSafetyMode.ExecutionAndPublication);
    static readonly ConditionalWeakTable<TorchSharp.Modules.Convolution, object> protectedLayers = new();

    /// <summary>The self-check's finding, computed on first use (a few milliseconds).</summary>
    public static ConvolutionCheck Check => check.Value;

    /// <summary>
    /// Makes every 2-D convolution in <paramref name="model"/> right on this CPU, forward and backward: where the check found
    /// the fault, the layers of the shapes concerned (see the class summary) are computed through the route whenever
    /// their float32 CPU input needs a gradient, and always for the forward cases; on every CPU, a layer whose kernel
    /// covers its whole input is computed as a matrix product (unless the route is off). Idempotent; the trainer, the
    /// evaluation and the probes call it. A model with no parameter on the CPU is left alone (and the check is not run for it).
    /// </summary>
    public static T Protect<T>(T model) where T : Module =>
        model.parameters().Any(p => p.device.type == DeviceType.CPU) && Check.WholeInputProducts ? Hook(model, Check.Routed) : model; // off for the route is off for both

    /// <summary>How many convolutions this thread computed as whole-input matrix products (a test reads it; per thread, so tests running beside it do not count).</summary>
    internal static long WholeInputProductCount => wholeInputProductCount;
    [ThreadStatic] static long wholeInputProductCount;

    static readonly object hooking = new();

    /// <summary>
    /// Installs the route's hooks on the convolutions concerned, whatever the check found (tests call it directly).
    /// TorchSharp's Conv2d computes its forward natively, so the hooks swap the work: before it, the real input is set
    /// aside and the layer gets one image of it; after it, that small output is dropped and the real one comes from the
    /// route. Hooks that other code registers on the same layer later see the routed output; hooks registered earlier
    /// see the small one. For a shape whose forward is right, both hooks do nothing under no_grad or when the input
    /// needs no gradient, except for a kernel that covers its whole input, which is always computed as a matrix product.
    /// </summary>
    /// <param name="faultRoute">Route the shapes oneDNN gets wrong; false: only the whole-input matrix products.</param>
    internal static T Hook<T>(T model, bool faultRoute = true) where T : Module
    {
        lock (hooking)
            foreach (var layer in model.modules().Prepend(model).OfType<TorchSharp.Modules.Conv2d>())
            {
                if (protectedLayers.TryGetValue(layer, out _) || PaddingOf(layer) is not { } padding) continue;
                if (!(faultRoute && Affected(layer.weight!, layer.stride, layer.groups, needsGradient: true)) && !CanCoverInput(padding, layer.dilation, layer.groups)) continue;
                protectedLayers.Add(layer, padding);
                Tensor? setAside = null;
                layer.register_forward_pre_hook((_, input) =>
                {
                    // Set on every call, so a forward that threw cannot leave an old input behind for the next one.
                    bool route = OnCpuInFloat32(input) && (faultRoute && NeedsRoute(input, layer.weight!, layer.stride, layer.groups)
                        || CoversWholeInput(input, layer.weight!, padding, layer.dilation, layer.groups));
                    setAside = route ? input : null;
                    return setAside is null ? null! : input.detach().narrow(0, 0, 1);
                });
                layer.register_forward_hook((_, _, small) =>
                {
                    if (setAside is not { } input) return null!;
                    setAside = null;
                    small.Dispose();
                    return Routed(input, layer.weight!, layer.bias, layer.stride, padding, layer.dilation, layer.groups);
                });
            }
        return model;
    }

    /// <summary>
    /// <c>conv2d</c> with the route applied where it is needed: on the CPU, in float32, when the check found the fault,
    /// for the shapes concerned (the gradient cases only when the input needs a gradient), and on every CPU as a matrix
    /// product where the kernel covers the whole input. Layers that call conv2d themselves (LeNet-5's partially
    /// connected C3) use this.
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long[]? stride = null, long[]? padding = null, long[]? dilation = null, long groups = 1)
    {
        stride ??= [1, 1];
        padding ??= [0, 0];
        dilation ??= [1, 1];
        // The check is read last: a call on CUDA must not start the CPU self-check.
        if (OnCpuInFloat32(input) && CoversWholeInput(input, weight, padding, dilation, groups) && Check.WholeInputProducts)
            return WholeInputProduct(input, weight, bias);
        if (!NeedsRoute(input, weight, stride, groups) || !Check.Routed)
            return functional.conv2d(input, weight, bias, stride, padding, dilation, groups);
        return Routed(input, weight, bias, stride, padding, dilation, groups);
    }

    static bool OnCpuInFloat32(Tensor input) =>
        input.device.type == DeviceType.CPU && input.dtype == ScalarType.Float32 && input.dim() == 4 && input.shape[0] > 0;

    static bool NeedsRoute(Tensor input, Tensor weight, long[] stride, long groups) =>
        OnCpuInFloat32(input) && Affected(weight, stride, groups, needsGradient: input.requires_grad && is_grad_enabled());

    /// <summary>A kernel that covers its whole unpadded input (LeNet-5's C5: 5x5 on 5x5) gives one output per map: a fully connected layer.</summary>
    static bool CoversWholeInput(Tensor input, Tensor weight, long[] padding, long[] dilation, long groups) =>
        CanCoverInput(padding, dilation, groups) && input.shape[2] == weight.shape[2] && input.shape[3] == weight.shape[3];

    /// <summary>Whether a layer's kernel can cover its whole input at all: one group, no padding, no dilation (the input's size decides the rest).</summary>
    static bool CanCoverInput(long[] padding, long[] dilation, long groups) => groups == 1 && padding.All(p => p == 0) && dilation.All(d => d == 1);

    /// <summary>The shapes oneDNN gets wrong (see the class summary): the forward ones always, the gradient ones when a gradient is needed.</summary>
    static bool Affected(Tensor weight, long[] stride, long groups, bool needsGradient) =>
        ForwardInputExtra(weight) > 0
        || needsGradient && (weight.shape[0] / groups % ChannelBlock != 0 || StridedInputExtra(weight.shape[1], stride) > 0);

    /// <summary>Zero input channels per group that make a kernel larger than 1x1 read whole blocks in the forward pass.</summary>
    static long ForwardInputExtra(Tensor weight) =>
        weight.shape[2] * weight.shape[3] > 1 && weight.shape[1] > ChannelBlock && weight.shape[1] % ChannelBlock != 0
            ? ChannelBlock - weight.shape[1] % ChannelBlock : 0;

    static long StridedInputExtra(long inputsPerGroup, long[] stride) =>
        stride.Any(s => s > 1) && inputsPerGroup > StridedInputBlock && inputsPerGroup % StridedInputBlock != 0
            ? StridedInputBlock - inputsPerGroup % StridedInputBlock : 0;

    /// <summary>
    /// The route for one convolution. A kernel that covers its whole unpadded input (LeNet-5's C5: 5x5 on 5x5) gives one
    /// output per map: that is a fully connected layer, computed as one matrix product (three times faster than the
    /// convolution kernel here). Any other shape is widened with zero channels.
    /// </summary>
    internal static Tensor Routed(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups) =>
        CoversWholeInput(input, weight, padding, dilation, groups) ? WholeInputProduct(input, weight, bias)
            : Widened(input, weight, bias, stride, padding, dilation, groups);

    /// <summary>A convolution whose kernel covers its whole input, as the one matrix product it is (three times faster than the convolution kernel).</summary>
    static Tensor WholeInputProduct(Tensor input, Tensor weight, Tensor? bias)
    {
        wholeInputProductCount++;
        using var scope = NewDisposeScope();
        var product = functional.linear(input.flatten(1), weight.flatten(1), bias);
        return product.view(product.shape[0], product.shape[1], 1, 1).MoveToOuterDisposeScope();
    }

    internal static Tensor Widened(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups)
    {
        long perGroup = weight.shape[0] / groups, inputsPerGroup = weight.shape[1];
        long extra = (perGroup + ChannelBlock - 1) / ChannelBlock * ChannelBlock - perGroup;
        long inputExtra = Math.Max(ForwardInputExtra(weight), StridedInputExtra(inputsPerGroup, stride));
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

    /// <summary>The shapes the check tries: the fault's known cases of every kind, LeNet-5's C5 among them.</summary>
    static readonly (int In, int Out, int Kernel, int Size, int Stride, int Padding)[] CheckedShapes =
    [
        (1, 4, 5, 12, 1, 2),
        (16, 120, 5, 5, 1, 0),
        (8, 8, 3, 8, 1, 1),
        (40, 16, 5, 11, 2, 0),
        (24, 32, 3, 7, 1, 1),
    ];

    static ConvolutionCheck RunCheck() => Decide(ParseMode(Environment.GetEnvironmentVariable(EnvironmentVariables.ConvolutionRoute)), WorstError);

    /// <summary>The check's conclusion in a mode (auto, on, off), from the worst error measured plainly and with widened channels.</summary>
    internal static ConvolutionCheck Decide(string mode, Func<bool, double> worstError)
    {
        var clock = Stopwatch.StartNew();
        double plain = worstError(false);
        bool faulty = !(plain <= Tolerance);
        string found = faulty
            ? $"libtorch's CPU convolution gives wrong outputs or input gradients here (relative error: {Describe(plain)}, where float32 should be within 1e-5)"
            : $"libtorch's CPU convolution outputs and gradients are right here (largest error {Describe(plain)})";
        if (mode == "off")
            return new(plain, faulty, false, $"{found}; not routed ({EnvironmentVariables.ConvolutionRoute}=off).", WholeInputProducts: false);
        if (!faulty && mode == "auto")
            return new(plain, false, false, $"{found}; nothing routed, except that a kernel covering its whole input (LeNet-5's C5) is computed as the matrix product it is, which is faster ({clock.Elapsed.TotalMilliseconds:0} ms check).");
        double widened = worstError(true);
        if (!(widened <= Tolerance))
            return Warn(new(plain, faulty, false,
                $"{found}, and widening the channels with zeros does not fix it (error {Describe(widened)}): " +
                $"convolution outputs or gradients may be wrong on this CPU; set {EnvironmentVariables.ConvolutionRoute}=off and report the CPU."));
        return new(plain, faulty, true,
            $"{found}; the convolutions concerned (kernels above 1x1 with more than {ChannelBlock} input channels not a multiple of {ChannelBlock}; when they need an input gradient also output channels not a multiple of {ChannelBlock}, " +
            $"or strided with {StridedInputBlock}+ input channels not a multiple of {StridedInputBlock}) " +
            "are computed another way (widened with zero channels, or as a matrix product where the kernel covers the whole input) " +
            $"(error then {Describe(widened)}; {clock.Elapsed.TotalMilliseconds:0} ms check{(mode == "on" ? $", {EnvironmentVariables.ConvolutionRoute}=on" : "")}).");
    }

    internal static string ParseMode(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => "auto",
        "on" => "on",
        "off" => "off",
        var other => throw new ArgumentException($"{EnvironmentVariables.ConvolutionRoute} is '{other}': use auto, on or off.", EnvironmentVariables.ConvolutionRoute),
    };

    /// <summary>A finding the learner must not miss goes to the error stream too, not only into 00-setup's table.</summary>
    static ConvolutionCheck Warn(ConvolutionCheck check)
    {
        Console.Error.WriteLine($"ClassicCnn: {check.Summary}");
        return check;
    }

    internal static string Describe(double error) => double.IsFinite(error) ? error.ToString("0.0e0", CultureInfo.InvariantCulture) : "not finite (the float32 result held NaN or infinity)";

    /// <summary>The worst relative error of the output and of the input gradient over the checked shapes, two tries each (the fault varies between runs).</summary>
    static double WorstError(bool widen)
    {
        double worst = 0;
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var generator = new Generator(20261201);
        foreach (var (inputs, outputs, kernel, size, stride, padding) in CheckedShapes)
            for (int attempt = 0; attempt < 2; attempt++)
            {
                long outputSize = (size + 2 * padding - kernel) / stride + 1;
                var x = randn([2, inputs, size, size], float32, CPU, generator: generator);
                var weight = randn([outputs, inputs, kernel, kernel], float32, CPU, generator: generator);
                var upstream = randn([2, outputs, outputSize, outputSize], float32, CPU, generator: generator);
                var leaf = x.requires_grad_(true);
                long[] strides = [stride, stride], paddings = [padding, padding], dilations = [1, 1];
                var y = widen
                    ? Routed(leaf, weight, null, strides, paddings, dilations, 1)
                    : functional.conv2d(leaf, weight, null, strides, paddings, dilations, 1);
                var output = OutputByMatmul(x.to(float64), weight.to(float64), kernel, stride, padding);
                y.backward([upstream]);
                var reference = InputGradientByMatmul(upstream.to(float64), weight.to(float64), size, kernel, stride, padding);
                foreach (var error in new[] { RelativeError(y.detach(), output), RelativeError(leaf.grad!, reference) })
                    worst = double.IsNaN(error) ? double.PositiveInfinity : Math.Max(worst, error);
            }
        return worst;
    }

    static double RelativeError(Tensor value, Tensor reference) => ((value.to(float64) - reference).norm() / reference.norm()).item<double>();

    /// <summary>A convolution's output from its definition, with no convolution kernel involved: unfold the windows, one matrix product.</summary>
    internal static Tensor OutputByMatmul(Tensor input, Tensor weight, int kernel, int stride, int padding)
    {
        var columns = functional.unfold(input, (kernel, kernel), padding: (padding, padding), stride: (stride, stride)); // [N, C*k*k, positions]
        long side = (input.shape[2] + 2 * padding - kernel) / stride + 1;
        return weight.reshape(weight.shape[0], -1).matmul(columns).view(input.shape[0], weight.shape[0], side, side);
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
