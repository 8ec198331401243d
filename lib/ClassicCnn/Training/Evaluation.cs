using ClassicCnn.Data;
using ClassicCnn.Models;
using ClassicCnn.Platform;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Training;

/// <summary>A misclassified example: where it is in the dataset, its true and predicted class, and how sure the model was.</summary>
public sealed record Mistake(int Index, int Label, int Predicted, double Confidence, double Margin);

/// <summary>Every prediction of a model on a dataset, kept on the host for the confusion matrix and the mistakes.</summary>
public sealed class Predictions
{
    public required int[] Labels { get; init; }
    public required int[] Predicted { get; init; }
    /// <summary>Probability of the predicted class (for LeNet-5, from the softmax of minus the distances).</summary>
    public required double[] Confidence { get; init; }
    /// <summary>
    /// How far the predicted class's score is ahead of the runner-up's: logits for a softmax network, distances for
    /// LeNet-5 (the second-smallest RBF distance minus the smallest). Unlike the probability it does not saturate at
    /// 100%, so it can rank mistakes the model was sure of.
    /// </summary>
    public required double[] Margin { get; init; }
    public required IReadOnlyList<string> Classes { get; init; }

    public double Accuracy => Labels.Zip(Predicted).Count(p => p.First == p.Second) / (double)Labels.Length;

    /// <summary>Rows: true class; columns: predicted class.</summary>
    public int[,] ConfusionMatrix()
    {
        var matrix = new int[Classes.Count, Classes.Count];
        for (int i = 0; i < Labels.Length; i++) matrix[Labels[i], Predicted[i]]++;
        return matrix;
    }

    public double[] PerClassAccuracy()
    {
        var matrix = ConfusionMatrix();
        return Enumerable.Range(0, Classes.Count).Select(c =>
        {
            int total = Enumerable.Range(0, Classes.Count).Sum(p => matrix[c, p]);
            return total == 0 ? double.NaN : matrix[c, c] / (double)total;
        }).ToArray();
    }

    /// <summary>The mistakes with the widest <see cref="Margin"/>: those the model was surest of.</summary>
    public IReadOnlyList<Mistake> MostConfidentMistakes(int count) =>
        Enumerable.Range(0, Labels.Length).Where(i => Labels[i] != Predicted[i])
            .OrderByDescending(i => Margin[i]).Take(count)
            .Select(i => new Mistake(i, Labels[i], Predicted[i], Confidence[i], Margin[i])).ToList();
}

/// <summary>Loss, accuracy and predictions of a model on a dataset, in eval mode and without gradients.</summary>
public static class Evaluation
{
    public static Tensor Loss(Module<Tensor, Tensor> model, Tensor output, Tensor labels) =>
        model is IClassifierHead head ? head.Loss(output, labels) : functional.cross_entropy(output, labels);

    public static Tensor Predict(Module<Tensor, Tensor> model, Tensor output) =>
        model is IClassifierHead head ? head.Predict(output) : output.argmax(1);

    /// <summary>Class probabilities: softmax of the logits (of minus the distances for LeNet-5).</summary>
    public static Tensor Probabilities(Module<Tensor, Tensor> model, Tensor output)
    {
        using var scores = model is IClassifierHead head ? head.Scores(output) : output.alias();
        return scores.softmax(1);
    }

    /// <summary>Mean loss and accuracy over the loader's data; with test-time augmentation, over AlexNet's ten views.</summary>
    public static (double Loss, double Accuracy) Evaluate(Module<Tensor, Tensor> model, BatchLoader loader, bool testTimeAugmentation = false)
    {
        ConvolutionGuard.Protect(model);
        using var eval = new EvalMode(model);
        var device = loader.Data.Device;
        using var lossSum = zeros(1, dtype: ScalarType.Float64, device: device);
        using var correct = zeros(1, dtype: ScalarType.Int64, device: device);
        void Add(Tensor loss, Tensor predicted, Tensor labels)
        {
            using Scalar count = labels.shape[0]; // disposed now, not by the finaliser (see ScaledTanh)
            lossSum.add_(loss.to(ScalarType.Float64).mul_(count));
            correct.add_(predicted.eq(labels).sum());
        }
        if (testTimeAugmentation)
            foreach (var (views, labels) in loader.TenViewBatches())
            {
                using var scope = NewDisposeScope();
                scope.Attach(views.Append(labels).ToArray());
                var probabilities = AveragedProbabilities(model, views);
                Add(functional.nll_loss(probabilities.clamp_min(1e-12).log(), labels), probabilities.argmax(1), labels);
            }
        else
            foreach (var (images, labels) in loader.InOrder())
            {
                using var scope = NewDisposeScope();
                scope.Attach(images, labels);
                var output = model.call(images);
                Add(Loss(model, output, labels), Predict(model, output), labels);
            }
        int n = loader.Data.Count;
        return (lossSum.item<double>() / n, correct.item<long>() / (double)n);
    }

    /// <summary>The average of the class probabilities over the views of a batch (<see cref="Preprocessing.TenViews"/>).</summary>
    public static Tensor AveragedProbabilities(Module<Tensor, Tensor> model, IReadOnlyList<Tensor> views)
    {
        using var scope = NewDisposeScope();
        var sum = Probabilities(model, model.call(views[0]));
        foreach (var view in views.Skip(1)) sum.add_(Probabilities(model, model.call(view)));
        using Scalar count = views.Count;
        return sum.div_(count).MoveToOuterDisposeScope();
    }

    /// <summary>Every prediction, gathered on the device and copied to the host once.</summary>
    public static Predictions PredictAll(Module<Tensor, Tensor> model, BatchLoader loader)
    {
        ConvolutionGuard.Protect(model);
        using var eval = new EvalMode(model);
        var predicted = new List<Tensor>();
        var confidence = new List<Tensor>();
        var margin = new List<Tensor>();
        using var kept = NewDisposeScope(); // the three small results of every batch, until they are copied to the host
        foreach (var batch in loader.InOrder())
        {
            using var scope = NewDisposeScope();
            scope.Attach(batch.Images, batch.Labels);
            var output = model.call(batch.Images);
            var scores = model is IClassifierHead head ? head.Scores(output) : output;
            var (top, index) = scores.topk(2, dim: 1);
            predicted.Add(index.select(1, 0).MoveToOuterDisposeScope());
            margin.Add((top.select(1, 0) - top.select(1, 1)).MoveToOuterDisposeScope());
            confidence.Add(scores.softmax(1).max(1).values.MoveToOuterDisposeScope());
        }
        using var allPredicted = cat(predicted).cpu();
        using var allConfidence = cat(confidence).to(ScalarType.Float64).cpu();
        using var allMargin = cat(margin).to(ScalarType.Float64).cpu();
        using var labels = loader.Data.Labels.cpu();
        return new Predictions
        {
            Labels = labels.data<long>().Select(l => (int)l).ToArray(),
            Predicted = allPredicted.data<long>().Select(p => (int)p).ToArray(),
            Confidence = allConfidence.data<double>().ToArray(),
            Margin = allMargin.data<double>().ToArray(),
            Classes = loader.Data.Classes,
        };
    }
}
