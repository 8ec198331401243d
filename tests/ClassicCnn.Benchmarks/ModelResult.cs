using System.Globalization;
using ClassicCnn.Inspection;

namespace ClassicCnn.Benchmarks;

/// <summary>Both sides' measurements of one model, medians over the launches.</summary>
public sealed record ModelResult(string Model, int Batch, int Size, List<Measurement> TorchSharp, List<Measurement> PyTorch)
{
    static double Median(IEnumerable<double> values) => Timing.Median(values.Where(double.IsFinite).ToList());
    public double Train => Median(TorchSharp.Select(m => m.TrainImagesPerSecond));
    public double Inference => Median(TorchSharp.Select(m => m.InferenceImagesPerSecond));
    public double Pipeline => Median(TorchSharp.Select(m => m.PipelineBatchesPerSecond));
    public double? PyTrain => PyTorch.Count == 0 ? null : Median(PyTorch.Select(m => m.TrainImagesPerSecond));
    public double? PyInference => PyTorch.Count == 0 ? null : Median(PyTorch.Select(m => m.InferenceImagesPerSecond));
    /// <summary>The median over the launches: one launch's allocator warming up late should not speak for all.</summary>
    public double? RssGrowth => TorchSharp.Any(m => m.RssGrowthPercent is not null) ? Median(TorchSharp.Where(m => m.RssGrowthPercent is not null).Select(m => m.RssGrowthPercent!.Value)) : null;
    public double? TrainRatio => PyTrain is > 0 ? Train / PyTrain : null;
    public double? InferenceRatio => PyInference is > 0 ? Inference / PyInference : null;
    /// <summary>How many training steps' worth of batches the pipeline prepares in the time of one step.</summary>
    public double PipelineOverStep => Pipeline / (Train / Batch);
    public double Spread => TorchSharp.Count < 2 ? 0 : 100 * (TorchSharp.Max(m => m.TrainImagesPerSecond) - TorchSharp.Min(m => m.TrainImagesPerSecond)) / Train;

    static string F(double? v, string format = "N0") => v is { } x && double.IsFinite(x) ? x.ToString(format, CultureInfo.InvariantCulture) : "-";

    public string Line() =>
        $"{Model}: train {F(Train)} img/s (PyTorch {F(PyTrain)}, ratio {F(TrainRatio, "0.00")}), inference {F(Inference)} img/s (ratio {F(InferenceRatio, "0.00")}), " +
        $"pipeline {F(Pipeline)} batches/s = {F(PipelineOverStep, "0")}x the step, peak RSS {TorchSharp.Max(m => m.PeakRssBytes) / 1048576} MiB" +
        (PyTorch.Count > 0 ? $" (PyTorch {PyTorch.Max(m => m.PeakRssBytes) / 1048576} MiB)" : "") +
        (RssGrowth is { } g ? $", RSS growth from the first to the last epoch {g:+0.0;-0.0}%" : "") +
        $"; BLAS: {TorchSharp[0].Blas}" + (PyTorch.Count > 0 ? $" (PyTorch: {PyTorch[0].Blas})" : "");

    /// <summary>Each launch's training rate and CPU use, side by side: a slow launch shows whether its threads waited, the kernel worked, or the machine was busy.</summary>
    public string LaunchLines()
    {
        static string One(Measurement m) => $"{m.Side} {F(m.TrainImagesPerSecond, "N1")} img/s" + (m.TrainingCpu is { } c ? $" ({c})" : "");
        return string.Join(Environment.NewLine, TorchSharp.Select((m, i) =>
            $"  launch {i + 1}: {One(m)}" + (i < PyTorch.Count ? $"; {One(PyTorch[i])}" : "")));
    }

    public static string Table(IReadOnlyList<ModelResult> results, string device)
    {
        var rows = new List<string[]> { new[] { "model", "batch", "size", "train img/s", "PyTorch", "ratio", "infer img/s", "PyTorch", "ratio", "pipeline/step", "peak RSS MiB", "PyTorch MiB", "RSS growth %", "spread %" } };
        foreach (var r in results)
            rows.Add([r.Model, r.Batch.ToString(), r.Size.ToString(), F(r.Train), F(r.PyTrain), F(r.TrainRatio, "0.00"), F(r.Inference), F(r.PyInference), F(r.InferenceRatio, "0.00"),
                F(r.PipelineOverStep, "0") + "x", (r.TorchSharp.Max(m => m.PeakRssBytes) / 1048576).ToString(), r.PyTorch.Count == 0 ? "-" : (r.PyTorch.Max(m => m.PeakRssBytes) / 1048576).ToString(),
                F(r.RssGrowth, "+0.0;-0.0"), F(r.Spread, "0.0")]);
        return new ClassicCnn.Notebooks.HtmlTable(rows, $"TorchSharp beside PyTorch on {device}; CPU {CpuDescription.Describe()}").ToString();
    }
}
