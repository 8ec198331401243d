using Plotly.NET;
using Plotly.NET.CSharp;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace ClassicCnn.Plots;

/// <summary>The squashing functions the series compares: LeNet-5's scaled tanh, the sigmoid and AlexNet's ReLU.</summary>
public static class Activations
{
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
    public static double Relu(double x) => Math.Max(0, x);
    /// <summary>LeNet-5's squashing function f(a) = A tanh(S a) with A = 1.7159 and S = 2/3 (LeCun et al. 1998, appendix A).</summary>
    public static double ScaledTanh(double x) => Models.ScaledTanh.Amplitude * Math.Tanh(Models.ScaledTanh.Slope * x);

    public static readonly IReadOnlyList<(string Name, Func<double, double> Function)> All =
    [
        ("sigmoid", Sigmoid),
        ("tanh", Math.Tanh),
        ("1.7159 tanh(2a/3)", ScaledTanh),
        ("ReLU", Relu),
    ];

    /// <summary>
    /// The derivatives, numerically: where a sigmoid or tanh saturates its slope goes to zero and learning stalls;
    /// ReLU keeps slope 1 for every positive input (Krizhevsky et al.'s argument for it).
    /// </summary>
    public static GenericChart DerivativeChart(double from = -4, double to = 4, int points = 161)
    {
        const double h = 1e-4;
        var xs = Enumerable.Range(0, points).Select(i => from + (to - from) * i / (points - 1)).ToArray();
        var lines = All.Select(f => CSharpChart.Line<double, double, string>(x: xs, y: xs.Select(x => (f.Function(x + h) - f.Function(x - h)) / (2 * h)).ToArray(), Name: f.Name + "'"));
        return CSharpChart.Combine(lines)
            .WithTitle(ClassicCnn.Notebooks.DisplayLanguage.Text("Their derivatives", "它们的导数"))
            .WithXAxisStyle<double, double, string>(TitleText: "a")
            .WithYAxisStyle<double, double, string>(TitleText: "f'(a)");
    }

    /// <summary>The functions on one plot over [from, to].</summary>
    public static GenericChart Chart(double from = -4, double to = 4, int points = 161)
    {
        var xs = Enumerable.Range(0, points).Select(i => from + (to - from) * i / (points - 1)).ToArray();
        var lines = All.Select(f => CSharpChart.Line<double, double, string>(x: xs, y: xs.Select(f.Function).ToArray(), Name: f.Name));
        return CSharpChart.Combine(lines)
            .WithTitle(ClassicCnn.Notebooks.DisplayLanguage.Text("Activation functions", "激活函数"))
            .WithXAxisStyle<double, double, string>(TitleText: "a")
            .WithYAxisStyle<double, double, string>(TitleText: "f(a)");
    }
}
