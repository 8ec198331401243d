using System.Diagnostics;
using ClassicCnn.Inspection;
using static TorchSharp.torch;

namespace ClassicCnn.Benchmarks;

/// <summary>
/// Whether a slow launch is the library's or the machine's: in one process, with the same model, tensors and
/// buffers throughout, a training step and a fixed piece of work (512x512 matrix products on the same threads)
/// take turns. If the machine's speed drifts (a shared virtual machine's neighbours), both times move together.
/// </summary>
public static class MachineDrift
{
    public static string Watch(BenchmarkModel spec, int batch, int size, Device device, double seconds)
    {
        using var work = spec.Load(batch, size, device);
        Timing.TrainingStepSeconds(work.Model, work.Images, work.Labels, 3, 0); // warm-up
        Console.WriteLine($"{spec.Name}, batch {batch}, {size}x{size}, {device}: a training step and 0.5 s of 512x512 products in turn");
        var (steps, products) = (new List<double>(), new List<double>());
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            steps.Add(Timing.TrainingStepSeconds(work.Model, work.Images, work.Labels, 1, 0) * 1000);
            products.Add(ProductGflops(device));
            Console.WriteLine($"{clock.Elapsed.TotalSeconds,6:0} s  step {steps[^1],8:0.0} ms  fixed work {products[^1],6:0.0} GFLOP/s");
        }
        double Range(List<double> v) => v.Max() / v.Min();
        return $"step {steps.Min():0.0}-{steps.Max():0.0} ms ({Range(steps):0.00}x), fixed work {products.Min():0.0}-{products.Max():0.0} GFLOP/s ({Range(products):0.00}x); " +
            $"correlation of step time with the fixed work's time: {Correlation(steps, products.Select(g => 1 / g).ToList()):0.00}";
    }

    static double ProductGflops(Device device, double seconds = 0.5)
    {
        const int n = 512;
        using var a = randn(n, n, device: device);
        using var b = randn(n, n, device: device);
        int products = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds) { using var c = a.matmul(b); Timing.Synchronize(c); products++; }
        return 2.0 * n * n * n * products / clock.Elapsed.TotalSeconds / 1e9;
    }

    static double Correlation(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double mx = x.Average(), my = y.Average();
        double sxy = x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my));
        return sxy / Math.Sqrt(x.Sum(v => (v - mx) * (v - mx)) * y.Sum(v => (v - my) * (v - my)));
    }
}
