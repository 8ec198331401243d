using ClassicCnn.Models;
using ClassicCnn.Platform;
using ClassicCnn.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Tests;

/// <summary>
/// Every output and gradient the series computes, checked against the same computation in float64 on the same weights
/// (float64 never reaches oneDNN's float32 kernels). Honest float32 rounding stays within 1e-5 relative (2e-5 measured
/// on the deepest VGG); the convolution faults of libtorch 2.10 on AVX2/AVX-512 CPUs give 0.04 to NaN in the layer they
/// hit (LeNet-5: 0.04 to 0.12 in every gradient below C5; 17-31 or 33-47 input channels: 0.1 to NaN in the output). Every comparison, single layers and whole models alike, is held to
/// <see cref="ConvolutionGuard.Tolerance"/> (1e-3). Whole models can be held that tightly because the float64 copy
/// takes the float32 copy's ReLU and max-pooling decisions (<see cref="GradientAudit.Compare"/>). Each case runs more
/// than once in the process: the fault changes from run to run.
/// </summary>
[Collection(GradientAudit.Collection)]
public class GradientAuditTests
{
    const double ModelTolerance = ConvolutionGuard.Tolerance;

    public static TheoryData<string> Models => new(GradientAudit.Models.Keys);

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_gradient_of_the_model_and_of_each_of_its_convolutions_matches_float64(string name)
    {
        var (build, input) = GradientAudit.Models[name];
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var wrong = GradientAudit.Compare(build, input, seed: attempt).Where(e => !(e.Error <= ModelTolerance)).ToList();
            Assert.True(wrong.Count == 0, $"{name}, attempt {attempt + 1}: float32 gradients differ from float64: " +
                string.Join(", ", wrong.Select(e => $"{e.Name} {e.Error:E1}")) + $". Convolution check: {ConvolutionGuard.Check.Summary}");
        }
        var layers = GradientAudit.ConvolutionsOf(build, input);
        Assert.NotEmpty(layers);
        var wrongLayers = layers.SelectMany(layer => Enumerable.Range(0, 2).SelectMany(seed => GradientAudit.Compare(layer.Build, layer.Input, seed))
                .Where(e => !(e.Error <= ConvolutionGuard.Tolerance)).Select(e => $"{layer.Name}: {e.Name} {e.Error:E1}").Take(1))
            .ToList();
        Assert.True(wrongLayers.Count == 0, $"{name}: convolutions with wrong gradients: {string.Join("; ", wrongLayers)}. Convolution check: {ConvolutionGuard.Check.Summary}");
    }

    [Fact]
    public void Every_convolution_shape_of_the_grid_has_float64_gradients()
    {
        var wrong = new List<string>();
        foreach (var shape in GradientAudit.ConvolutionGrid())
            for (int attempt = 0; attempt < 3; attempt++)
            {
                var errors = GradientAudit.Compare(shape.Build, shape.Input, seed: attempt);
                if (errors.FirstOrDefault(e => !(e.Error <= ConvolutionGuard.Tolerance)) is { Name: not null } bad)
                {
                    wrong.Add($"{shape.Name}: {bad.Name} {bad.Error:E1}");
                    break;
                }
            }
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {GradientAudit.ConvolutionGrid().Count} convolution shapes have wrong gradients:\n" +
            string.Join("\n", wrong) + $"\nConvolution check: {ConvolutionGuard.Check.Summary}");
    }

    public static TheoryData<string> OtherLayers => new(GradientAudit.OtherLayers.Keys);

    [Theory]
    [MemberData(nameof(OtherLayers))]
    public void Pooling_normalisation_and_LeNet5_layers_have_float64_gradients(string name)
    {
        var (build, input) = GradientAudit.OtherLayers[name];
        for (int attempt = 0; attempt < 3; attempt++)
            foreach (var (parameter, error) in GradientAudit.Compare(build, input, seed: attempt))
                Assert.True(error <= ConvolutionGuard.Tolerance, $"{name}, attempt {attempt + 1}: {parameter} differs from float64 by {error:E1}.");
    }

    /// <summary>
    /// The audit would catch the fault: where the check finds it, LeNet-5 without the guard has wrong gradients below
    /// C5 (a 16 -> 120 convolution); where it does not, they are right. Either way the check agrees with the measurement.
    /// </summary>
    [Fact]
    public void The_self_check_agrees_with_LeNet5s_unguarded_gradients()
    {
        var errors = Enumerable.Range(0, 3).SelectMany(seed => GradientAudit.Compare(() => new LeNet5(), [1, 32, 32], seed, guard: false)).ToList();
        double worstBelowC5 = errors.Where(e => e.Name.StartsWith("C1") || e.Name.StartsWith("S2") || e.Name == "input")
            .Max(e => double.IsNaN(e.Error) ? double.PositiveInfinity : e.Error);
        double worstAbove = errors.Where(e => e.Name.StartsWith("F6") || e.Name.StartsWith("C5")).Max(e => e.Error);
        Assert.True(worstAbove <= ModelTolerance, $"C5 and F6 gradients should be right everywhere; error {worstAbove:E1}.");
        if (ConvolutionGuard.Check.Faulty)
            Assert.True(worstBelowC5 > ModelTolerance,
                $"The check says this CPU's convolution gradients are wrong, yet unguarded LeNet-5 agrees with float64 ({worstBelowC5:E1}): {ConvolutionGuard.Check.Summary}");
        else
            Assert.True(worstBelowC5 <= ModelTolerance,
                $"The check found nothing, yet unguarded LeNet-5 differs from float64 by {worstBelowC5:E1} below C5: the check misses a faulty case.");
        Assert.True(ConvolutionGuard.Check.Routed == ConvolutionGuard.Check.Faulty || Environment.GetEnvironmentVariable(EnvironmentVariables.ConvolutionRoute) is { Length: > 0 },
            ConvolutionGuard.Check.Summary);
    }

    /// <summary>
    /// The audit can fail on any CPU, fault or not: a float32 input gradient 2% off (half the smallest real fault it
    /// has met, 0.04) is caught and named, and the gradients it does not touch still pass.
    /// </summary>
    [Fact]
    public void The_audit_catches_an_input_gradient_two_percent_off_in_float32_only()
    {
        var errors = GradientAudit.Compare(() => Sequential(("skew", new SkewedInputGradient(1.02)), ("conv", Conv2d(3, 8, 3, padding: 1))), [3, 9, 9], seed: 0)
            .ToDictionary(e => e.Name, e => e.Error);
        Assert.InRange(errors["input"], 0.019, 0.021);
        Assert.True(errors["input"] > ModelTolerance);
        Assert.All(errors.Where(e => e.Key != "input"), e => Assert.True(e.Value <= ModelTolerance, $"{e.Key}: {e.Value:E1}"));
    }

    /// <summary>Passes its input on unchanged, but in float32 scales the gradient through it by <paramref name="factor"/>: a stand-in fault.</summary>
    sealed class SkewedInputGradient(double factor) : Module<Tensor, Tensor>("skewed input gradient")
    {
        public override Tensor forward(Tensor x) => x.dtype == ScalarType.Float32 ? x * factor - x.detach() * (factor - 1) : x.clone();
    }

    [Fact]
    public void The_routed_convolution_gives_the_same_output_and_gradients_as_the_plain_one_in_float64()
    {
        using var scope = NewDisposeScope();
        // (in, out, kernel, size, stride, padding, groups): widened outputs, widened strided inputs with groups, a whole-input kernel.
        foreach (var (inputs, outputs, kernel, size, stride, padding, groups) in new[] { (4, 6, 3, 9, 2, 1, 1), (4, 6, 3, 9, 2, 1, 2), (80, 6, 3, 9, 2, 1, 2), (16, 120, 5, 5, 1, 0, 1) })
        {
            var x = randn([2, inputs, size, size], dtype: float64).requires_grad_(true);
            var weight = randn([outputs, inputs / groups, kernel, kernel], dtype: float64).requires_grad_(true);
            var bias = randn([outputs], dtype: float64).requires_grad_(true);
            long outputSize = (size + 2 * padding - kernel) / stride + 1;
            var upstream = randn([2, outputs, outputSize, outputSize], dtype: float64);
            Tensor[] Gradients(Func<Tensor> conv)
            {
                var y = conv();
                Assert.Equal([2L, outputs, outputSize, outputSize], y.shape);
                var grads = autograd.grad([y], [x, weight, bias], [upstream]);
                return [y.detach(), .. grads];
            }
            long[] strides = [stride, stride], paddings = [padding, padding];
            var plain = Gradients(() => functional.conv2d(x, weight, bias, strides, paddings, [1, 1], groups));
            var routed = Gradients(() => ConvolutionGuard.Routed(x, weight, bias, strides, paddings, [1, 1], groups));
            for (int i = 0; i < plain.Length; i++)
                Assert.True(plain[i].allclose(routed[i], rtol: 1e-10, atol: 1e-10), $"{inputs} -> {outputs}, groups {groups}: result {i} differs.");
        }
    }

    /// <summary>The route's hooks, installed whatever this CPU's check found, so that they are tested on every machine.</summary>
    [Fact]
    public void The_hooks_give_float64_gradients_on_any_cpu_and_leave_no_grad_and_failed_calls_alone()
    {
        Module<Tensor, Tensor> Build() => Sequential(("widened", Conv2d(1, 4, 5, padding: 2)), ("relu", ReLU()), ("strided", Conv2d(4, 40, 3, stride: 2)),
            ("relu2", ReLU()), ("strided40", Conv2d(40, 6, 3, stride: 2)), ("whole", Conv2d(6, 120, 3)));
        for (int seed = 0; seed < 2; seed++)
            foreach (var (name, error) in GradientAudit.Compare(Build, [1, 15, 15], seed, guard: false, forceRoute: true))
                Assert.True(error <= ConvolutionGuard.Tolerance, $"{name}: {error:E1} from float64 with the route's hooks.");

        using var scope = NewDisposeScope();
        var layer = Conv2d(4, 6, 3);
        ConvolutionGuard.Hook(layer);
        var wrongChannels = randn([2, 5, 8, 8]).requires_grad_(true);
        Assert.ThrowsAny<Exception>(() => layer.call(wrongChannels));
        var x = randn([2, 4, 8, 8]);
        using (no_grad())
            Assert.True(layer.call(x).allclose(functional.conv2d(x, layer.weight!, layer.bias)), "a call after a failed one must not use the failed call's input");
        var routed = layer.call(x.requires_grad_(true));
        Assert.Equal([2L, 6, 6, 6], routed.shape);
        Assert.True(routed.detach().allclose(functional.conv2d(x.detach(), layer.weight!, layer.bias), rtol: 1e-5, atol: 1e-5));
    }

    /// <summary>
    /// On every CPU, fault or not, a protected convolution whose kernel covers its whole input (LeNet-5's C5) is computed
    /// as a matrix product, which is faster, and gives float64's output and gradients; one that does not cover it is left
    /// to libtorch unless the check found the fault.
    /// </summary>
    [SkippableFact]
    public void A_kernel_covering_its_whole_input_is_computed_as_a_matrix_product_with_float64s_numbers()
    {
        Skip.IfNot(ConvolutionGuard.Check.WholeInputProducts, "CLASSICCNN_CONV_ROUTE=off: nothing is computed another way.");
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(5);
        var c5 = ConvolutionGuard.Protect(Conv2d(16, 120, 5));
        var x = randn([8, 16, 5, 5]).requires_grad_(true);
        var upstream = randn([8, 120, 1, 1]);
        long before = ConvolutionGuard.WholeInputProductCount;
        var y = c5.call(x);
        Assert.Equal(before + 1, ConvolutionGuard.WholeInputProductCount);
        Assert.Equal([8L, 120, 1, 1], y.shape);
        var grads = autograd.grad([y], [x, c5.weight!, c5.bias!], [upstream]);

        var (x64, w64, b64) = (x.detach().to(float64).requires_grad_(true), c5.weight!.detach().to(float64).requires_grad_(true), c5.bias!.detach().to(float64).requires_grad_(true));
        var y64 = functional.conv2d(x64, w64, b64);
        var grads64 = autograd.grad([y64], [x64, w64, b64], [upstream.to(float64)]);
        foreach (var (name, value, reference) in new[] { ("output", y.detach(), y64.detach()), ("input gradient", grads[0], grads64[0]), ("weight gradient", grads[1], grads64[1]), ("bias gradient", grads[2], grads64[2]) })
        {
            double error = ((value.to(float64) - reference).norm() / reference.norm()).item<double>();
            Assert.True(error < 1e-5, $"{name}: {error:E1} from float64");
        }

        // Layers that call conv2d themselves (LeNet-5's C3) get the same through ConvolutionGuard.Conv2d.
        long afterC5 = ConvolutionGuard.WholeInputProductCount;
        using (no_grad())
            Assert.True(ConvolutionGuard.Conv2d(x.detach(), c5.weight!.detach(), c5.bias!.detach()).allclose(y.detach(), rtol: 1e-6, atol: 1e-6));
        Assert.Equal(afterC5 + 1, ConvolutionGuard.WholeInputProductCount);

        // A kernel smaller than its input is not a matrix product: computed by libtorch, or widened where the check found the fault.
        var c1 = ConvolutionGuard.Protect(Conv2d(16, 120, 5));
        var larger = randn([8, 16, 6, 6]);
        long afterConv2d = ConvolutionGuard.WholeInputProductCount;
        var output = c1.call(larger);
        Assert.Equal(afterConv2d, ConvolutionGuard.WholeInputProductCount);
        Assert.True(output.allclose(functional.conv2d(larger, c1.weight!, c1.bias), rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void The_route_variable_forces_either_choice_whatever_the_check_finds()
    {
        static ConvolutionCheck Decide(string mode, double plain, double widened = 1e-7) => ConvolutionGuard.Decide(mode, widen => widen ? widened : plain);

        var faulty = Decide("auto", 0.3);
        Assert.True(faulty is { Faulty: true, Routed: true, WholeInputProducts: true }, faulty.Summary);
        var right = Decide("auto", 1e-7);
        Assert.True(right is { Faulty: false, Routed: false, WholeInputProducts: true }, right.Summary);

        var on = Decide("on", 1e-7);
        Assert.True(on is { Faulty: false, Routed: true, WholeInputProducts: true }, on.Summary);
        Assert.EndsWith($"{EnvironmentVariables.ConvolutionRoute}=on).", on.Summary);
        var off = Decide("off", double.NaN);
        Assert.True(off is { Faulty: true, Routed: false, WholeInputProducts: false }, off.Summary);
        Assert.EndsWith($"not routed ({EnvironmentVariables.ConvolutionRoute}=off).", off.Summary);

        var unfixable = Decide("auto", 0.3, widened: 0.3);
        Assert.True(unfixable is { Faulty: true, Routed: false }, unfixable.Summary);
        Assert.EndsWith($"set {EnvironmentVariables.ConvolutionRoute}=off and report the CPU.", unfixable.Summary);
    }

    [Fact]
    public void The_route_variable_accepts_auto_on_and_off_and_names_itself_otherwise()
    {
        Assert.Equal("auto", ConvolutionGuard.ParseMode(null));
        Assert.Equal("on", ConvolutionGuard.ParseMode(" ON "));
        Assert.Equal("off", ConvolutionGuard.ParseMode("off"));
        var e = Assert.Throws<ArgumentException>(() => ConvolutionGuard.ParseMode("sometimes"));
        Assert.Contains(EnvironmentVariables.ConvolutionRoute, e.Message);
        Assert.Contains("auto, on or off", e.Message);
    }
}

/// <summary>Builds each audited case twice, float32 and float64 with the same weights, and compares their gradients.</summary>
static class GradientAudit
{
    public const string Collection = "gradient audit (heavy, run alone)";

    public sealed record Case(string Name, Func<Module<Tensor, Tensor>> Build, long[] Input);

    static readonly TrainingProfile Quick = TrainingProfile.Quick;
    /// <summary>The baseline of 02's ablations: d2l's AlexNet with a quarter of its kernels.</summary>
    static readonly AlexNetOptions AblationBaseline = new() { WidthDivisor = Quick.ExperimentWidthDivisor };

    /// <summary>
    /// Every model the series trains or shows, at the input sizes it uses. The ImageNet-size AlexNets and VGGs keep
    /// every convolution as published but get 512 hidden units and, for VGG, a small input: the fault depends on
    /// channel counts and strides only, and d2l's AlexNet is audited with its full 4,096-unit classifier.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (Func<Module<Tensor, Tensor>> Build, long[] Input)> Models =
        new Dictionary<string, (Func<Module<Tensor, Tensor>>, long[])>
        {
            ["LeNet-5 (1998)"] = (() => new LeNet5(), [1, 32, 32]),
            ["LeNet, sigmoid + average pooling"] = (() => new LeNet(Activation.Sigmoid, Pooling.Average), [1, 28, 28]),
            ["LeNet, ReLU + max pooling"] = (() => new LeNet(Activation.ReLU, Pooling.Max), [1, 28, 28]),
            ["LeNet, tanh + max pooling"] = (() => new LeNet(Activation.Tanh, Pooling.Max), [1, 28, 28]),
            ["LeNet, sigmoid + max pooling (02's activation experiment)"] = (() => new LeNet(Activation.Sigmoid, Pooling.Max), [1, 28, 28]),
            ["AlexNet, paper (two towers, LRN)"] = (() => AlexNet.Paper(new AlexNetOptions { HiddenUnits = 512 }), [3, 227, 227]),
            ["AlexNet, paper, one tower"] = (() => AlexNet.Paper(new AlexNetOptions { TwoTowers = false, HiddenUnits = 512 }), [3, 227, 227]),
            ["AlexNet, paper, towers on two devices"] = (() => AlexNet.Paper(new AlexNetOptions { HiddenUnits = 512 }).PlaceTowers(CPU, CPU), [3, 227, 227]),
            ["AlexNet, torchvision"] = (() => AlexNet.TorchVision(new AlexNetOptions { HiddenUnits = 512 }), [3, 224, 224]),
            ["AlexNet, d2l"] = (() => AlexNet.D2l(), [1, 224, 224]),
            ["AlexNet, quick profile"] = (() => Recipes.AlexNet(profile: Quick).Build(), [1, Quick.AlexNetSize, Quick.AlexNetSize]),
            ["AlexNet, 02's ablations (kernels / 4)"] = Ablation(AblationBaseline),
            ["AlexNet, 02's ablations with LRN"] = Ablation(AblationBaseline with { LocalResponseNorm = true }),
            ["AlexNet, 02's ablations, 2x2 pooling"] = Ablation(AblationBaseline with { OverlappingPooling = false }),
            ["AlexNet, 02's ablations, two towers"] = Ablation(AblationBaseline with { TwoTowers = true }),
            ["AlexNet, 02's ablations, half the kernels"] = Ablation(AblationBaseline with { WidthDivisor = 2 * Quick.ExperimentWidthDivisor }),
            ["VGG A"] = (() => Vgg.Create("A", new VggOptions { InputSize = 32, HiddenUnits = 512 }), [3, 32, 32]),
            ["VGG A-LRN"] = (() => Vgg.Create("A-LRN", new VggOptions { InputSize = 32, HiddenUnits = 512 }), [3, 32, 32]),
            ["VGG B"] = (() => Vgg.Create("B", new VggOptions { InputSize = 32, HiddenUnits = 512 }), [3, 32, 32]),
            ["VGG C"] = (() => Vgg.Create("C", new VggOptions { InputSize = 32, HiddenUnits = 512 }), [3, 32, 32]),
            ["VGG D"] = (() => Vgg.Create("D", new VggOptions { InputSize = 32, HiddenUnits = 512 }), [3, 32, 32]),
            ["VGG E"] = (() => Vgg.Create("E", new VggOptions { InputSize = 32, HiddenUnits = 512 }), [3, 32, 32]),
            ["VGG A with batch norm"] = (() => Vgg.Create("A", new VggOptions { BatchNorm = true, InputSize = 64, HiddenUnits = 512 }), [3, 64, 64]),
            ["VGG B with batch norm"] = (() => Vgg.Create("B", new VggOptions { BatchNorm = true, InputSize = 64, HiddenUnits = 512 }), [3, 64, 64]),
            ["VGG C with batch norm"] = (() => Vgg.Create("C", new VggOptions { BatchNorm = true, InputSize = 64, HiddenUnits = 512 }), [3, 64, 64]),
            ["VGG D with batch norm"] = (() => Vgg.Create("D", new VggOptions { BatchNorm = true, InputSize = 64, HiddenUnits = 512 }), [3, 64, 64]),
            ["VGG E with batch norm"] = (() => Vgg.Create("E", new VggOptions { BatchNorm = true, InputSize = 64, HiddenUnits = 512 }), [3, 64, 64]),
            ["small VGG-11 / 4 (d2l)"] = (() => Vgg.Small(), [1, 224, 224]),
            ["small VGG, quick profile"] = (() => Recipes.SmallVgg(Quick).Build(), [1, Quick.VggSize, Quick.VggSize]),
            ["VGG E / 8 (03's gradient experiment)"] = (() => new Vgg(new VggOptions { Configuration = "E", WidthDivisor = 8, InputChannels = 1, Classes = 10, InputSize = 32, AdaptivePool = false, HiddenUnits = 256 }), [1, 32, 32]),
            ["VGG E / 8 with batch norm"] = (() => new Vgg(new VggOptions { Configuration = "E", WidthDivisor = 8, InputChannels = 1, Classes = 10, InputSize = 32, AdaptivePool = false, HiddenUnits = 256, BatchNorm = true }), [1, 32, 32]),
            ["VGG A / 8 (04's exercise)"] = (() => Vgg.Create("A", new VggOptions { InputChannels = 1, Classes = 10, InputSize = 64, WidthDivisor = 8, AdaptivePool = false }), [1, 64, 64]),
        };

    /// <summary>02's ablation network at the quick profile's size (the notebook writes it out and checks it against this one).</summary>
    static (Func<Module<Tensor, Tensor>>, long[]) Ablation(AlexNetOptions options) =>
        (() => Recipes.AlexNet(options, profile: Quick, size: Quick.ExperimentSize).Build(), [1, Quick.ExperimentSize, Quick.ExperimentSize]);

    /// <summary>
    /// Convolutions across the channel counts the fault depends on (in and out: 1, 3, 4, 6, 8, 16 and larger, multiples
    /// of 16 and not), kernels 1 to 11, strides 1 to 4, groups 1 and 2, with and without padding; plus every stack of
    /// 03-vgg's "Why 3x3" demonstration.
    /// </summary>
    public static IReadOnlyList<Case> ConvolutionGrid()
    {
        var cases = new List<Case>();
        int[] inputs = [1, 3, 4, 6, 8, 16, 24, 40, 64];
        int[] outputs = [1, 2, 4, 6, 8, 12, 16, 24, 32, 40, 120];
        (int Kernel, int Stride, int Padding)[] windows = [(1, 1, 0), (3, 1, 1), (5, 1, 2), (5, 2, 0), (7, 2, 3), (9, 3, 4), (11, 4, 2)];
        foreach (int i in inputs)
            foreach (int o in outputs)
                foreach (var (k, s, p) in windows)
                    cases.Add(new($"{i} -> {o}, {k}x{k} stride {s} pad {p}", () => Conv2d(i, o, k, stride: s, padding: p), [i, 19, 19]));
        foreach (int i in new[] { 4, 6, 8, 24, 48, 80 })
            foreach (int o in new[] { 4, 6, 12, 24, 96, 256 })
                foreach (var (k, s, p) in new[] { (3, 1, 1), (5, 2, 2) })
                    cases.Add(new($"{i} -> {o}, {k}x{k} stride {s} pad {p}, 2 groups", () => Conv2d(i, o, k, stride: s, padding: p, groups: 2), [i, 13, 13]));
        foreach (var (kernel, layers) in new[] { (3, 1), (3, 2), (5, 1), (3, 3), (7, 1) })
            cases.Add(new($"03-vgg stack {layers} x {kernel}x{kernel} (1 -> 4 -> 4)",
                () => Sequential(Enumerable.Range(0, layers).Select(l => (Module<Tensor, Tensor>)Conv2d(l == 0 ? 1 : 4, 4, kernel, padding: kernel / 2)).ToArray()), [1, 31, 31]));
        return cases;
    }

    /// <summary>Each distinct convolution of a model, as a lone layer with the input shape it gets inside the model.</summary>
    public static IReadOnlyList<Case> ConvolutionsOf(Func<Module<Tensor, Tensor>> build, long[] input)
    {
        using var model = build();
        var seen = new Dictionary<string, Case>();
        var hooks = model.modules().OfType<TorchSharp.Modules.Conv2d>().Select(conv => conv.register_forward_hook((_, x, _) =>
        {
            long[] shape = x.shape[1..];
            string name = $"{conv.in_channels} -> {conv.out_channels}, {conv.kernel_size[0]}x{conv.kernel_size[1]} stride {conv.stride[0]} pad {conv.padding![0]}" +
                (conv.groups > 1 ? $", {conv.groups} groups" : "") + $" on {string.Join("x", shape)}";
            long inputs = conv.in_channels, outputs = conv.out_channels, kernel = conv.kernel_size[0], stride = conv.stride[0], padding = conv.padding[0], groups = conv.groups;
            seen.TryAdd(name, new(name, () => Conv2d(inputs, outputs, kernel, stride: stride, padding: padding, groups: groups), shape));
            return null!;
        })).ToList();
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            model.eval();
            model.call(randn([1, .. input]));
        }
        hooks.ForEach(h => h.remove());
        return seen.Values.ToList();
    }

    public static readonly IReadOnlyDictionary<string, (Func<Module<Tensor, Tensor>> Build, long[] Input)> OtherLayers =
        new Dictionary<string, (Func<Module<Tensor, Tensor>>, long[])>
        {
            ["max pooling 3x3 stride 2 (overlapping)"] = (() => MaxPool2d(3, 2), [8, 27, 27]),
            ["max pooling 2x2 stride 2"] = (() => MaxPool2d(2, 2), [8, 28, 28]),
            ["average pooling 2x2"] = (() => AvgPool2d(2, 2), [6, 28, 28]),
            ["adaptive average pooling to 6x6"] = (() => AdaptiveAvgPool2d(6), [16, 13, 13]),
            ["LRN (paper's constants)"] = (() => Layers.PaperLrn(), [12, 13, 13]),
            ["LRN within two towers"] = (() => Layers.PaperLrn(2), [12, 13, 13]),
            ["LeNet-5 scaled tanh"] = (() => new ScaledTanh(), [6, 10, 10]),
            ["LeNet-5 subsampling (S2)"] = (() => new Subsampling(6), [6, 28, 28]),
            ["LeNet-5 C3 (Table I)"] = (() => new PartialConnectionConv(inputMaps: 6, LeNet5.C3Inputs, kernel: 5), [6, 14, 14]),
            ["LeNet-5 RBF output"] = (() => Sequential(Flatten(), new EuclideanRbf(LeNet5.DigitCodes())), [84, 1, 1]),
            ["batch norm"] = (() => BatchNorm2d(8), [8, 6, 6]),
        };

    /// <summary>
    /// Relative error, float32 against float64, of the output and of the gradient of every parameter and of the input, for one batch of
    /// two random inputs and a random upstream gradient (so every output element counts). The float64 copy takes the
    /// float32 copy's ReLU and max-pooling decisions (<see cref="ShareDecisions"/>). Dropout is switched off in
    /// both copies (its masks would differ between dtypes); batch norm trains on the batch. NaN stays NaN. A gradient
    /// that is zero in exact arithmetic (a convolution bias just before batch norm) is measured against the model's
    /// largest gradient instead of its own float64 rounding noise.
    /// </summary>
    public static IReadOnlyList<(string Name, double Error)> Compare(Func<Module<Tensor, Tensor>> build, long[] input, int seed, bool guard = true, bool forceRoute = false)
    {
        random.manual_seed(1000 + seed);
        using var single = build();
        using var dual = build();
        dual.load_state_dict(single.state_dict());
        dual.to(float64);
        using var scope = NewDisposeScope();
        var x = randn([2, .. input]);
        var results = new List<(string, double)>();
        if (forceRoute) ConvolutionGuard.Hook(single);
        using var decisions = ShareDecisions(single, dual);
        var single32 = Gradients(single, x, guard);
        var dual64 = Gradients(dual, x.to(float64), guard);
        double largest = dual64.Values.Max(g => g.norm().item<double>());
        foreach (var (name, reference) in dual64)
        {
            var grad = single32[name].to(float64);
            // Zero up to float64 rounding (a convolution's bias just before batch norm): measured against the largest.
            double norm = reference.norm().item<double>(), scale = norm > 1e-9 * largest ? norm : largest;
            results.Add((name, (grad - reference).norm().item<double>() / scale));
        }
        return results;
    }

    /// <summary>
    /// Makes the float64 copy take every ReLU and max-pooling decision the float32 copy took. A unit within float32
    /// rounding of zero, or a pooling window with two nearly equal maxima, can otherwise decide differently in the two
    /// precisions; one such decision in AlexNet's first layer moves its weight gradient by a few percent. That is not a
    /// wrong gradient but another piece of a piecewise-linear function; with the decisions shared both copies compute
    /// the same function, and whatever differs is arithmetic. (The float32 forward runs first, so a queue pairs them;
    /// the decisions leave the forward's dispose scope, which the two-device AlexNet closes, and go with the result.)
    /// </summary>
    static Decisions ShareDecisions(Module<Tensor, Tensor> single, Module<Tensor, Tensor> dual)
    {
        var decisions = new Decisions();
        foreach (var (a, b) in single.modules().Zip(dual.modules()))
        {
            if (a is TorchSharp.Modules.ReLU relu32 && b is TorchSharp.Modules.ReLU relu64)
            {
                relu32.register_forward_hook((_, input, _) => { decisions.Enqueue((input > 0).DetachFromDisposeScope()); return null!; });
                relu64.register_forward_hook((_, input, _) => input * decisions.Dequeue().to(input.dtype));
            }
            else if (a is TorchSharp.Modules.MaxPool2d pool32 && b is TorchSharp.Modules.MaxPool2d pool64)
            {
                pool32.register_forward_hook((_, input, _) =>
                {
                    decisions.Enqueue(functional.max_pool2d_with_indices(input, pool32.kernel_size, pool32.stride ?? pool32.kernel_size,
                        pool32.padding ?? [0, 0], pool32.dilation ?? [1, 1], pool32.ceil_mode).Item2.DetachFromDisposeScope());
                    return null!;
                });
                pool64.register_forward_hook((_, input, output) => input.flatten(2).gather(2, decisions.Dequeue().flatten(2)).view_as(output));
            }
        }
        return decisions;
    }

    /// <summary>The float32 copy's decisions in call order, handed to the float64 copy; all freed with the comparison.</summary>
    sealed class Decisions : IDisposable
    {
        readonly Queue<Tensor> pending = new();
        readonly List<Tensor> all = [];
        public void Enqueue(Tensor decision) { all.Add(decision); pending.Enqueue(decision); }
        public Tensor Dequeue() => pending.Dequeue();
        public void Dispose() => all.ForEach(t => t.Dispose());
    }

    static Dictionary<string, Tensor> Gradients(Module<Tensor, Tensor> model, Tensor input, bool guard)
    {
        if (guard) ConvolutionGuard.Protect(model);
        model.train();
        foreach (var dropout in model.modules().OfType<TorchSharp.Modules.Dropout>()) dropout.eval();
        var leaf = input.detach().requires_grad_(true);
        var output = model.call(leaf);
        var generator = new Generator(77);
        var upstream = randn(output.shape, generator: generator).to(output.dtype);
        output.backward([upstream]);
        var grads = model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        grads["input"] = leaf.grad!.clone();
        grads["output"] = output.detach().clone(); // the forward pass is checked too: oneDNN gets some of it wrong
        model.zero_grad();
        return grads;
    }
}

[CollectionDefinition(GradientAudit.Collection, DisableParallelization = true)]
public class GradientAuditCollection;
