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
