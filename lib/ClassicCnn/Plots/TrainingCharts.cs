using ClassicCnn.Training;
using static ClassicCnn.Notebooks.DisplayLanguage;
using Plotly.NET;
using Plotly.NET.CSharp;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace ClassicCnn.Plots;

/// <summary>Charts of training runs, drawn from their histories.</summary>
public static class TrainingCharts
{
    /// <summary>
    /// Train loss (several points per epoch), test loss, train and test accuracy against epochs on one plot, like
    /// d2l's ProgressBoard. Redrawn in place while training runs in a notebook.
    /// </summary>
    public static GenericChart Curves(TrainingHistory history, string? title = null)
    {
        var charts = new List<GenericChart>
        {
            CSharpChart.Line<double, double, string>(x: history.TrainLoss.Select(p => p.Epoch).ToArray(), y: history.TrainLoss.Select(p => p.Loss).ToArray(), Name: Text("train loss", "训练损失")),
        };
        var epochs = history.Epochs.Select(e => (double)e.Epoch).ToArray();
        if (history.Epochs.Any(e => e.TestLoss is not null))
            charts.Add(CSharpChart.Line<double, double, string>(x: epochs, y: history.Epochs.Select(e => e.TestLoss ?? double.NaN).ToArray(), Name: Text("test loss", "测试损失"), ShowMarkers: true));
        charts.Add(CSharpChart.Line<double, double, string>(x: epochs, y: history.Epochs.Select(e => e.TrainAccuracy).ToArray(), Name: Text("train accuracy", "训练准确率"), ShowMarkers: true));
        if (history.Epochs.Any(e => e.TestAccuracy is not null))
            charts.Add(CSharpChart.Line<double, double, string>(x: epochs, y: history.Epochs.Select(e => e.TestAccuracy ?? double.NaN).ToArray(), Name: Text("test accuracy", "测试准确率"), ShowMarkers: true));
        return CSharpChart.Combine(charts)
            .WithTitle(title ?? history.Model)
            .WithXAxisStyle<double, double, string>(TitleText: Text("epoch", "迭代周期"))
            .WithSize(720, 400);
    }

    /// <summary>Several runs' test accuracy (or another measure) against epochs, for the experiments that compare variants.</summary>
    public static GenericChart Compare(IEnumerable<TrainingHistory> histories, Func<EpochRecord, double?> measure, string measureName, string title) =>
        CSharpChart.Combine(histories.Select(h => CSharpChart.Line<int, double, string>(
                x: h.Epochs.Select(e => e.Epoch).ToArray(), y: h.Epochs.Select(e => measure(e) ?? double.NaN).ToArray(), Name: h.Model, ShowMarkers: true)))
            .WithTitle(title)
            .WithXAxisStyle<double, double, string>(TitleText: Text("epoch", "迭代周期"))
            .WithYAxisStyle<double, double, string>(TitleText: measureName)
            .WithSize(720, 400);

    /// <summary>Training error (from the readings inside each epoch) of several runs against epochs, with a target line.</summary>
    public static GenericChart TrainingError(IEnumerable<TrainingHistory> histories, double target, string title)
    {
        var runs = histories.ToList();
        var lines = runs.Select(h => CSharpChart.Line<double, double, string>(
            x: h.TrainLoss.Select(p => p.Epoch).ToArray(), y: h.TrainLoss.Select(p => 1 - p.Accuracy).ToArray(), Name: h.Model)).ToList();
        double end = runs.SelectMany(h => h.TrainLoss).Select(p => p.Epoch).DefaultIfEmpty(1).Max();
        lines.Add(CSharpChart.Line<double, double, string>(x: [0, end], y: [target, target], Name: Text(FormattableString.Invariant($"target {target * 100:0.#}%"), FormattableString.Invariant($"目标 {target * 100:0.#}%")), LineDash: StyleParam.DrawingStyle.Dash));
        return CSharpChart.Combine(lines)
            .WithTitle(title)
            .WithXAxisStyle<double, double, string>(TitleText: Text("epoch", "迭代周期"))
            .WithYAxisStyle<double, double, string>(TitleText: Text("training error", "训练误差"))
            .WithSize(720, 400);
    }
}
