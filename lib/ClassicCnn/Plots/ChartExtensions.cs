using Plotly.NET;

namespace ClassicCnn.Plots;

/// <summary>The few chart settings the C# bindings of Plotly.NET lack.</summary>
public static class ChartExtensions
{
    public static GenericChart WithTitle(this GenericChart chart, string title) =>
        Plotly.NET.Chart.withTitle(title, null).Invoke(chart);
}
