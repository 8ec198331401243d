using ClassicCnn.Data;
using ClassicCnn.Inspection;
using ClassicCnn.Models;
using ClassicCnn.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Tests;

/// <summary>Evaluation, the confusion matrix, the schedule and the probes against the same quantities computed directly.</summary>
[Collection(EnvironmentCollection.Name)]
public class EvaluationTests
{
    static readonly string[] Digits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    static readonly Preprocessing Normalised = new() { Normalize = (0.13, 0.31) };

    /// <summary>37 random images (so the last of five batches of 8 is short) with random labels.</summary>
    static ImageDataset RandomDigits()
    {
        var generator = new Generator(11, CPU);
        return new ImageDataset("random digits", randint(0, 256, [37, 1, 28, 28], dtype: ScalarType.Byte, generator: generator),
            randint(0, 10, [37], dtype: ScalarType.Int64, generator: generator), Digits);
    }

    [Fact]
    public void Loss_and_accuracy_are_those_of_the_whole_set_in_one_pass_in_float64()
    {
        random.manual_seed(4);
        using var model = new LeNet(Activation.ReLU, Pooling.Max);
        using var data = RandomDigits();
        var loader = new BatchLoader(data, 8, Normalised, seed: 2); // shuffled: evaluation must not care
        var (loss, accuracy) = Evaluation.Evaluate(model, loader);

        double expectedLoss, expectedAccuracy;
        using (no_grad())
        {
            model.eval();
            using var images = Normalised.Apply(data.Images, train: false);
            using var logits = model.call(images).to(ScalarType.Float64);
            using var crossEntropy = functional.cross_entropy(logits, data.Labels);
            expectedLoss = crossEntropy.item<double>();
            expectedAccuracy = logits.argmax(1).eq(data.Labels).to(ScalarType.Float64).mean().item<double>();
        }
        Assert.Equal(expectedLoss, loss, 5);
        Assert.Equal(expectedAccuracy, accuracy, 12);
        Assert.Equal(expectedAccuracy, Evaluation.PredictAll(model, loader).Accuracy, 12);
    }

    [Fact]
    public void Ten_view_evaluation_averages_the_probabilities_of_the_ten_views()
    {
        random.manual_seed(5);
        using var model = new LeNet(Activation.ReLU, Pooling.Max);
        using var data = RandomDigits();
        var preprocessing = Normalised with { RandomCropPadding = 2 };
        var (loss, accuracy) = Evaluation.Evaluate(model, new BatchLoader(data, 8, preprocessing, shuffle: false), testTimeAugmentation: true);

        double expectedLoss, expectedAccuracy;
        using (no_grad())
        {
            model.eval();
            using var scope = NewDisposeScope();
            var views = preprocessing.TenViews(data.Images);
            var mean = views.Select(v => functional.softmax(model.call(v).to(ScalarType.Float64), 1)).Aggregate((a, b) => a + b) / 10;
            expectedLoss = functional.nll_loss(mean.log(), data.Labels).item<double>();
            expectedAccuracy = mean.argmax(1).eq(data.Labels).to(ScalarType.Float64).mean().item<double>();
        }
        Assert.Equal(expectedLoss, loss, 5);
        Assert.Equal(expectedAccuracy, accuracy, 12);
    }

    [Fact]
    public void The_confusion_matrix_counts_true_classes_by_row_and_a_class_without_examples_has_no_accuracy()
    {
        var predictions = new Predictions
        {
            Labels = [0, 0, 1, 2, 2, 2],
            Predicted = [0, 1, 1, 2, 0, 2],
            Confidence = [1, 1, 1, 1, 1, 1],
            Margin = [1, 1, 1, 1, 1, 1],
            Classes = ["a", "b", "c", "d"],
        };
        Assert.Equal(new[,] { { 1, 1, 0, 0 }, { 0, 1, 0, 0 }, { 1, 0, 2, 0 }, { 0, 0, 0, 0 } }, predictions.ConfusionMatrix());
        var perClass = predictions.PerClassAccuracy();
        Assert.Equal([0.5, 1, 2 / 3.0], perClass[..3]);
        Assert.True(double.IsNaN(perClass[3]));
        Assert.Equal(4 / 6.0, predictions.Accuracy, 12);
    }

    [Fact]
    public void The_cosine_schedule_falls_from_the_rate_to_zero_over_the_epochs()
    {
        var options = new TrainingOptions { LearningRate = 0.2, Epochs = 4, Schedule = Schedule.Cosine };
        for (int epoch = 0; epoch <= 4; epoch++)
            Assert.Equal(0.2 * 0.5 * (1 + Math.Cos(Math.PI * epoch / 4)), options.LearningRateAt(epoch), 12);
        Assert.Equal(0.2, options.LearningRateAt(0), 12);
        Assert.Equal(0, options.LearningRateAt(4), 12);
        Assert.Equal(0.2, (options with { Schedule = Schedule.Constant }).LearningRateAt(3), 12);
    }

    [Fact]
    public void Gradient_norms_are_those_of_each_weight_after_one_backward_pass()
    {
        random.manual_seed(6);
        using var model = new LeNet(Activation.Sigmoid, Pooling.Average);
        using var data = RandomDigits();
        using var images = Normalised.Apply(data.Images, train: false);
        var norms = Probes.GradientNorms(model, images, data.Labels);

        // Directly: cross-entropy, one backward pass, the norm of every convolution's and linear layer's weight gradient.
        using var loss = functional.cross_entropy(model.call(images), data.Labels);
        loss.backward();
        var expected = model.named_parameters().Where(p => p.name.EndsWith(".weight")).Select(p => (double)p.parameter.grad!.norm().item<float>()).ToList();
        Assert.Equal(5, norms.Count); // two convolutions, three linear layers
        Assert.Equal(expected.Count, norms.Count);
        for (int i = 0; i < norms.Count; i++) Assert.Equal(expected[i], norms[i].Norm, 5);
    }

    [Fact]
    public void Gradient_norms_name_the_layer_that_got_no_gradient_or_a_non_finite_one()
    {
        random.manual_seed(6);
        using var model = new LeNet(Activation.Sigmoid, Pooling.Average);
        using var data = RandomDigits();
        using var images = Normalised.Apply(data.Images, train: false);

        var conv1 = model.named_modules().First(m => m.module is TorchSharp.Modules.Conv2d);
        foreach (var p in conv1.module.parameters()) p.requires_grad = false;
        var frozen = Assert.Throws<InvalidOperationException>(() => Probes.GradientNorms(model, images, data.Labels));
        Assert.StartsWith($"Layer {conv1.name} of ", frozen.Message);
        Assert.Contains("got no gradient", frozen.Message);
        foreach (var p in conv1.module.parameters()) p.requires_grad = true;

        using var broken = images.clone();
        broken[0, 0, 0, 0] = tensor(float.NaN);
        var nan = Assert.Throws<InvalidOperationException>(() => Probes.GradientNorms(model, broken, data.Labels));
        Assert.StartsWith($"The weight gradient of layer {conv1.name} of ", nan.Message);
        Assert.Contains("NaN or infinite", nan.Message);

        var none = Assert.Throws<ArgumentException>(() => Probes.GradientNorms(nn.Sequential(("pool", nn.AvgPool2d(2))), images, data.Labels));
        Assert.Contains("has no convolution or linear layer", none.Message);
    }

    [Fact]
    public void LeNet5_starts_from_the_papers_initialisation_uniform_within_2_4_over_the_fan_in()
    {
        random.manual_seed(7);
        using var model = new LeNet5();
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, fanIn) in new[] { ("C1.conv.weight", 25), ("C5.conv.weight", 400), ("F6.linear.weight", 120) })
        {
            double largest = parameters[name].abs().max().item<float>(), bound = 2.4 / fanIn;
            Assert.InRange(largest, 0.9 * bound, bound); // the whole range is used (hundreds of draws), never beyond it
        }
        // C3: each map's planes by its own fan-in (3, 4 or 6 maps of 5x5), in the order of Table I.
        var c3 = parameters["C3.conv.weight"];
        int plane = 0;
        foreach (var maps in LeNet5.C3Inputs)
        {
            double bound = 2.4 / (maps.Count * 25);
            Assert.InRange(c3.narrow(0, plane, maps.Count).abs().max().item<float>(), 0.5 * bound, bound);
            plane += maps.Count;
        }
        Assert.Equal(60, plane);
        Assert.True(parameters["S2.coefficient"].eq(0.25f).all().item<bool>());
    }
}
