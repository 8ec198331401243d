using ClassicCnn.Inspection;
using ClassicCnn.Models;
using static TorchSharp.torch;

namespace ClassicCnn.Tests;

public class ModelBehaviourTests
{
    [Fact]
    public void Paper_lrn_is_the_papers_formula_computed_by_hand()
    {
        // b = a / (k + alpha * sum of a^2 over the n channels centred on this one, clipped at the edges)^beta,
        // k = 2, n = 5, alpha = 1e-4, beta = 0.75 (Krizhevsky et al. 2012, section 3.3). Large activations so alpha matters.
        manual_seed(4);
        using var a = randn(2, 7, 3, 3, dtype: ScalarType.Float64) * 40;
        using var lrn = Layers.PaperLrn();
        using var b = lrn.call(a);
        var x = a.data<double>().ToArray();
        var y = b.data<double>().ToArray();
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 7; c++)
                for (int p = 0; p < 9; p++)
                {
                    double sum = 0;
                    for (int j = Math.Max(0, c - 2); j <= Math.Min(6, c + 2); j++) sum += Math.Pow(x[(n * 7 + j) * 9 + p], 2);
                    double expected = x[(n * 7 + c) * 9 + p] / Math.Pow(2 + 1e-4 * sum, 0.75);
                    Assert.Equal(expected, y[(n * 7 + c) * 9 + p], 10);
                }
    }

    [Fact]
    public void C3_output_map_j_depends_exactly_on_the_input_maps_of_table_I()
    {
        using var c3 = new PartialConnectionConv(inputMaps: 6, LeNet5.C3Inputs, kernel: 5);
        Assert.Equal(1_516, ModelCountTests.Trainable(c3));
        for (int j = 0; j < 16; j++)
        {
            using var scope = NewDisposeScope();
            var input = randn(1, 6, 14, 14, requires_grad: true);
            c3.call(input)[0, j].sum().backward();
            var touched = input.grad!.abs().sum([0, 2, 3]).data<float>().ToArray();
            var reads = Enumerable.Range(0, 6).Where(i => touched[i] > 0).ToArray();
            Assert.Equal(LeNet5.C3Inputs[j].Order(), reads);
        }
        // The table as a grid: 60 connections, every S2 map used.
        var table = LeNet5.C3Table();
        Assert.Equal(60, Enumerable.Range(0, 6).Sum(i => Enumerable.Range(0, 16).Count(j => table[i, j])));
    }

    [Fact]
    public void The_rbf_centres_are_fixed_bitmaps_that_no_gradient_or_optimizer_reaches()
    {
        using var model = new LeNet5();
        var rbf = model.named_modules().Select(m => m.module).OfType<EuclideanRbf>().Single();
        using var before = rbf.Centres.clone();
        Assert.False(rbf.Centres.requires_grad);
        Assert.DoesNotContain(model.parameters(), p => p.numel() == 840);
        using var optimizer = optim.SGD(model.parameters(), 0.1);
        Assert.Equal(60_000, optimizer.parameters().Sum(p => p.numel()));

        using var input = randn(4, 1, 32, 32);
        using var labels = tensor(new long[] { 0, 1, 2, 3 });
        using var output = model.call(input);
        using var loss = model.Loss(output, labels);
        loss.backward();
        optimizer.step();
        Assert.Null(rbf.Centres.grad);
        Assert.True(rbf.Centres.equal(before).all().item<bool>());

        var codes = LeNet5.DigitCodes();
        Assert.All(LeNet5.DigitBitmaps, rows => { Assert.Equal(12, rows.Length); Assert.All(rows, r => Assert.Equal(7, r.Length)); });
        var distinct = Enumerable.Range(0, 10).Select(d => string.Concat(Enumerable.Range(0, 84).Select(k => codes[d, k] > 0 ? '#' : '.'))).Distinct().Count();
        Assert.Equal(10, distinct);
        Assert.True(rbf.Centres.abs().eq(1).all().item<bool>());
    }

    [Fact]
    public void The_squashing_function_is_the_papers_scaled_tanh_in_value_and_gradient()
    {
        // Computed through sigmoid for speed; it must still be f(a) = 1.7159 tanh(2a/3), with f(1) = 1 and f'(0) ~ 1.14.
        using var a = linspace(-12, 12, 2401, dtype: float64).requires_grad_();
        using var f = ScaledTanh.Squash(a.to(float32));
        using var expected = a.mul(2.0 / 3.0).tanh().mul(1.7159);
        Assert.True(f.to(float64).sub(expected).abs().max().item<double>() < 1e-6);
        f.sum().backward();
        using var slope = a.mul(2.0 / 3.0).tanh().square().neg().add(1).mul(1.7159 * 2.0 / 3.0);
        Assert.True(a.grad!.sub(slope).abs().max().item<double>() < 1e-6);
        using var one = ScaledTanh.Squash(tensor(new float[] { 1, -1 }));
        Assert.Equal([1.0000f, -1.0000f], one.data<float>().ToArray().Select(v => MathF.Round(v, 4)));

        // S2: squash(bias + coefficient x the sum of each 2x2 window).
        using var s2 = new Subsampling(2);
        using (no_grad())
        {
            s2.parameters().First().copy_(tensor(new float[] { 0.5f, -1 }));
            s2.parameters().Last().copy_(tensor(new float[] { 0.25f, 0 }));
        }
        using var maps = arange(32, dtype: float32).reshape(1, 2, 4, 4).div(32);
        using var sums = maps.reshape(1, 2, 2, 2, 2, 2).sum([3, 5]);
        using var want = sums.mul(tensor(new float[] { 0.5f, -1 }).view(1, 2, 1, 1)).add(tensor(new float[] { 0.25f, 0 }).view(1, 2, 1, 1)).mul(2.0 / 3.0).tanh().mul(1.7159);
        using var got = s2.call(maps);
        Assert.True(got.allclose(want, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void LeNet5_loss_is_lowest_for_the_right_code_and_prediction_takes_the_nearest()
    {
        using var model = new LeNet5();
        // Distances: sample 0 is nearest to class 3, sample 1 to class 7.
        using var distances = tensor(new float[,] { { 9, 9, 9, 0.5f, 9, 9, 9, 9, 9, 9 }, { 9, 9, 9, 9, 9, 9, 9, 1, 9, 9 } });
        Assert.Equal([3L, 7L], model.Predict(distances).data<long>().ToArray());
        using var right = model.Loss(distances, tensor(new long[] { 3, 7 }));
        using var wrong = model.Loss(distances, tensor(new long[] { 0, 0 }));
        Assert.True(right.item<float>() < wrong.item<float>());

        // Equation 9 by hand, in double: E = mean over samples of y_D + ln(e^-j + sum_i e^-y_i), j = 1.
        double[][] rows = [[9, 9, 9, 0.5, 9, 9, 9, 9, 9, 9], [9, 9, 9, 9, 9, 9, 9, 1, 9, 9]];
        double Equation9(int[] labels) => labels.Select((label, n) =>
            rows[n][label] + Math.Log(Math.Exp(-LeNet5.LossConstantJ) + rows[n].Sum(y => Math.Exp(-y)))).Average();
        Assert.Equal(Equation9([3, 7]), right.item<float>(), 5);
        Assert.Equal(Equation9([0, 0]), wrong.item<float>(), 5);
    }

    public static TheoryData<string> TowerModels => new(["paper", "d2l / 4 with LRN"]);

    [Theory]
    [MemberData(nameof(TowerModels))]
    public void The_two_device_alexnet_gives_the_same_outputs_as_the_grouped_one(string layout)
    {
        // Smaller input and hidden layers than the paper's to keep the test quick; the split logic is the same.
        using var model = layout == "paper"
            ? AlexNet.Paper(new AlexNetOptions { InputSize = 99, HiddenUnits = 256, Classes = 10 })
            : AlexNet.D2l(new AlexNetOptions { InputSize = 99, HiddenUnits = 256, TwoTowers = true, WidthDivisor = 4, LocalResponseNorm = true });
        using var split = model.PlaceTowers(CPU, CPU);
        model.eval(); split.eval();
        Assert.Equal(ModelCountTests.Trainable(model), ModelCountTests.Trainable(split));
        using var input = randn(3, model.InputChannels, 99, 99);
        using var a = model.call(input);
        using var b = split.call(input);
        Assert.Equal(a.shape, b.shape);
        Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-5), $"largest difference {(a - b).abs().max().item<float>()}");
    }

    [Fact]
    public void Vgg_options_change_the_network_as_described()
    {
        using var vgg = Vgg.Create("A", new VggOptions { InputChannels = 1, Classes = 7, InputSize = 64, AdaptivePool = false, HiddenUnits = 32, Dropout = 0.3, WidthDivisor = 8 });
        var modules = vgg.named_modules().Select(m => m.module).ToList();
        Assert.Equal([0.3, 0.3], modules.OfType<TorchSharp.Modules.Dropout>().Select(d => d.p));
        Assert.Equal([8L, 16, 32, 32, 64, 64, 64, 64], modules.OfType<TorchSharp.Modules.Conv2d>().Select(c => c.weight!.shape[0]));
        Assert.Equal([64L * 2 * 2, 32, 32], modules.OfType<TorchSharp.Modules.Linear>().Select(l => l.in_features));
        Assert.DoesNotContain(modules, m => m is TorchSharp.Modules.AdaptiveAvgPool2d);
        using var output = vgg.call(randn(2, 1, 64, 64));
        Assert.Equal([2L, 7], output.shape);
    }

    [Fact]
    public void Alexnet_experiment_options_change_the_network_as_described()
    {
        using var plain = AlexNet.D2l();
        using var lrn = AlexNet.D2l(new AlexNetOptions { LocalResponseNorm = true }); // still d2l's grey input and ten classes
        Assert.Equal((1, 10, 224), (lrn.InputChannels, lrn.Classes, lrn.InputSize));
        Assert.Equal(ModelCountTests.Trainable(plain), ModelCountTests.Trainable(lrn));
        Assert.Equal(2, lrn.named_modules().Count(m => m.module is GroupedLocalResponseNorm));
        Assert.DoesNotContain(plain.named_modules(), m => m.module is GroupedLocalResponseNorm);

        using var nonOverlapping = AlexNet.D2l(new AlexNetOptions { OverlappingPooling = false, InputSize = 96 });
        Assert.Contains(nonOverlapping.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.MaxPool2d>(), p => p.kernel_size[0] == 2);
        using var small = AlexNet.D2l(new AlexNetOptions { InputSize = 96, Activation = Activation.Tanh, Dropout = 0.2 });
        using var output = small.call(randn(2, 1, 96, 96));
        Assert.Equal([2L, 10], output.shape);
        Assert.Equal(7, small.named_modules().Count(m => m.module is TorchSharp.Modules.Tanh)); // five convolutions, two hidden layers
        Assert.Equal([0.2, 0.2], small.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.Dropout>().Select(d => d.p));
    }

    [Theory]
    [InlineData("alexnet", 0.71)]
    [InlineData("A", 7.61)]
    [InlineData("B", 11.31)]
    [InlineData("D", 15.47)]
    [InlineData("E", 19.63)]
    public void Macs_at_224_match_torchvisions_published_figures_within_one_percent(string model, double giga)
    {
        using TorchSharp.torch.nn.Module<Tensor, Tensor> net = model == "alexnet" ? AlexNet.TorchVision() : Vgg.Create(model);
        var summary = ModelSummary.Of(net, [3, 224, 224]);
        double measured = summary.Macs / 1e9;
        Assert.InRange(measured, giga * 0.99, giga * 1.01);
    }

    [Fact]
    public void The_summary_renders_as_html_and_as_aligned_text()
    {
        using var model = new LeNet(Activation.ReLU);
        var summary = ModelSummary.Of(model, [1, 28, 28]);
        string html = summary.ToHtml();
        Assert.Contains("<th>layer</th>", html);
        Assert.Contains("<td>conv1</td><td>Conv2d 5x5</td><td>6x28x28</td><td>156</td>", html);
        Assert.Contains("61,706", html);
        var lines = summary.ToString().Split(Environment.NewLine);
        Assert.StartsWith("LeNet on a 1x28x28 input: 61,706 trainable parameters", lines[0]);
        Assert.Equal(lines[1].Length, lines[2].Length); // header and rule align
        Assert.Contains(lines, l => l.StartsWith("total") && l.Contains("61,706"));
    }

    [Fact]
    public void Stacked_3x3_convolutions_see_as_far_as_one_large_kernel_with_fewer_weights()
    {
        var three3 = new ConvolutionStack(3, 3, 64);
        var one7 = new ConvolutionStack(7, 1, 64);
        var two3 = new ConvolutionStack(3, 2, 64);
        Assert.Equal(7, three3.ReceptiveField);
        Assert.Equal(7, one7.ReceptiveField);
        Assert.Equal(5, two3.ReceptiveField);
        Assert.Equal(27L * 64 * 64, three3.Weights);
        Assert.Equal(49L * 64 * 64, one7.Weights);

        using var stack = TorchSharp.torch.nn.Sequential(
            TorchSharp.torch.nn.Conv2d(1, 4, 3, padding: 1), TorchSharp.torch.nn.Conv2d(4, 4, 3, padding: 1), TorchSharp.torch.nn.Conv2d(4, 4, 3, padding: 1));
        Assert.Equal((7, 7), ReceptiveField.Measure(stack, 1, 21));
    }
}
