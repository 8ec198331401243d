using Plotly.NET;
using Plotly.NET.CSharp;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace ClassicCnn.Plots;

/// <summary>Column charts for tables of numbers (published results, per-layer parameters, costs).</summary>
public static class BarCharts
{
    /// <summary>One column per key for each series, side by side.</summary>
    public static GenericChart Columns(IReadOnlyList<string> keys, IEnumerable<(string Series, IReadOnlyList<double> Values)> series, string title, string yTitle, bool logarithmic = false)
    {
        var chart = CSharpChart.Combine(series.Select(s => CSharpChart.Column<double, string, string>(values: s.Values.ToArray(), Keys: keys.ToArray(), Name: s.Series)))
            .WithTitle(title)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle, AxisType: logarithmic ? StyleParam.AxisType.Log : StyleParam.AxisType.Linear)
            .WithSize(Math.Max(560, keys.Count * 60 + 200), 420);
        return chart;
    }

    public static GenericChart Columns(IReadOnlyList<string> keys, IReadOnlyList<double> values, string title, string yTitle, bool logarithmic = false) =>
        Columns(keys, [(yTitle, values)], title, yTitle, logarithmic);
}

/// <summary>Experiments over several seeds: every seed's value as a point, with each arm's mean and standard deviation.</summary>
public static class SeedCharts
{
    /// <param name="scale">Multiplies the values (100 shows accuracies in percent).</param>
    public static GenericChart Points(ClassicCnn.Training.SeedExperimentResult result, string measure, string? title = null, string? yTitle = null, double scale = 1)
    {
        var traces = result.Arms.Select(arm =>
        {
            var values = result.Spread(arm, measure).Values.Select(v => v * scale).ToArray();
            return CSharpChart.BoxPlot<string, double, string>(
                X: Enumerable.Repeat(arm, values.Length).ToArray(), Y: values, Name: arm,
                BoxPoints: StyleParam.BoxPoints.All, BoxMean: StyleParam.BoxMean.SD, Jitter: 0.2, PointPos: 0);
        });
        return CSharpChart.Combine(traces)
            .WithTitle(title ?? ClassicCnn.Notebooks.DisplayLanguage.Text($"{result.Title}: {measure}, {result.Seeds.Count} seeds per arm (points), mean and sd (dashed)",
                $"{result.Title}：{measure}，每组 {result.Seeds.Count} 个随机种子（点），均值与标准差（虚线）"))
            .WithYAxisStyle<double, double, string>(TitleText: yTitle ?? measure)
            .WithSize(Math.Max(560, result.Arms.Count * 130 + 200), 420);
    }
}
