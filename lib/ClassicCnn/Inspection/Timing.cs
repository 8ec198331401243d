using System.Diagnostics;
using ClassicCnn.Platform;
using ClassicCnn.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Inspection;

/// <summary>
/// Timing by medians, for the benchmark and for <see cref="Probes.InferenceSeconds"/>: a training step, its phases,
/// each layer's forward pass.
/// </summary>
internal static class Timing
{
    /// <summary>Median seconds of one SGD training step (forward, loss, backward, update) on a fixed batch; as <see cref="Timed"/>.</summary>
    internal static double TrainingStepSeconds(Module<Tensor, Tensor> model, Tensor images, Tensor labels, int repeats = 5, int warmup = 2, double minimumSeconds = 0)
    {
        using var optimizer = optim.SGD(model.parameters(), 1e-6);
        ConvolutionGuard.Protect(model);
        model.train();
        return Timed(() =>
        {
            using var scope = NewDisposeScope();
            model.zero_grad(); // gradients set to none, as the trainer does
            var loss = Evaluation.Loss(model, model.call(images), labels);
            loss.backward();
            optimizer.step();
            Synchronize(loss);
        }, repeats, warmup, minimumSeconds);
    }

    /// <summary>
    /// Where a training step spends its time: the median seconds of its four phases (zero_grad, forward with the loss,
    /// backward, optimizer step), the same SGD step as <see cref="TrainingStepSeconds"/> with the device synchronised
    /// between phases, warmed up and repeated as <see cref="Timed"/> does.
    /// </summary>
    internal static IReadOnlyList<(string Phase, double Seconds)> TrainingStepPhases(Module<Tensor, Tensor> model, Tensor images, Tensor labels, int repeats = 5, int warmup = 2, double minimumSeconds = 0)
    {
        using var optimizer = optim.SGD(model.parameters(), 1e-6);
        ConvolutionGuard.Protect(model);
        model.train();
        var clock = new Stopwatch();
        double Lap(Action phase, Tensor? wait = null)
        {
            clock.Restart();
            phase();
            if (wait is not null) Synchronize(wait);
            return clock.Elapsed.TotalSeconds;
        }
        var samples = Samples(() =>
        {
            using var scope = NewDisposeScope();
            Tensor loss = null!;
            return new[]
            {
                Lap(() => model.zero_grad()),
                Lap(() => loss = Evaluation.Loss(model, model.call(images), labels), images),
                Lap(() => loss.backward(), images),
                Lap(() => optimizer.step(), images),
            };
        }, repeats, warmup, minimumSeconds);
        string[] names = ["zero_grad", "forward", "backward", "step"];
        return names.Select((name, p) => (name, Median(samples.Select(s => s[p]).ToList()))).ToList();
    }

    /// <summary>
    /// The median seconds of <paramref name="action"/>. Warm-up runs at least <paramref name="warmup"/> times and at least
    /// a third of <paramref name="minimumSeconds"/> (libtorch's allocator and .NET's tiered JIT settle over the first ten
    /// or so LeNet steps); timing runs at least <paramref name="repeats"/> times and at least <paramref name="minimumSeconds"/>,
    /// so fast models get many samples and one slow step (another process taking a core) cannot move the median.
    /// </summary>
    internal static double Timed(Action action, int repeats, int warmup, double minimumSeconds = 0) =>
        Median(Samples(() => { var clock = Stopwatch.StartNew(); action(); return clock.Elapsed.TotalSeconds; }, repeats, warmup, minimumSeconds));

    /// <summary>What <paramref name="run"/> returned on each timed run, after the warm-up; the rule of <see cref="Timed"/>.</summary>
    static List<T> Samples<T>(Func<T> run, int repeats, int warmup, double minimumSeconds)
    {
        var total = Stopwatch.StartNew();
        for (int i = 0; i < warmup || total.Elapsed.TotalSeconds < minimumSeconds / 3; i++) run();
        var samples = new List<T>();
        total.Restart();
        while (samples.Count < repeats || total.Elapsed.TotalSeconds < minimumSeconds)
        {
            samples.Add(run());
            if (samples.Count % 10 == 0) GC.Collect(0); // untimed, as the Trainer does: frees TorchSharp's finalisable Scalars
        }
        return samples;
    }

    /// <summary>
    /// Where a forward pass spends its time: the median seconds of each leaf layer (convolution, activation, pooling,
    /// linear...) over <paramref name="repeats"/> passes in eval mode without gradients, in the order the layers ran.
    /// Each layer is timed between a forward pre-hook and a forward hook, with the device synchronised at both.
    /// </summary>
    internal static IReadOnlyList<(string Layer, string Kind, double Seconds)> LayerForwardSeconds(Module<Tensor, Tensor> model, Tensor input, int repeats = 5)
    {
        var leaves = model.named_modules().Where(m => m.name != "" && !m.module.children().Any() && m.module is Module<Tensor, Tensor>).ToList();
        var samples = leaves.ToDictionary(l => l.name, _ => new List<double>());
        var order = new List<string>();
        var clock = new Stopwatch();
        using (new ForwardHooks(leaves,
            before: (_, x) => { Synchronize(x); clock.Restart(); },
            after: (name, _, y) =>
            {
                Synchronize(y);
                samples[name].Add(clock.Elapsed.TotalSeconds);
                if (order.Count < leaves.Count && !order.Contains(name)) order.Add(name);
            }))
        using (new EvalMode(model))
        {
            for (int i = 0; i < repeats + 1; i++)
            {
                using var scope = NewDisposeScope();
                model.call(input);
                if (i == 0) foreach (var list in samples.Values) list.Clear(); // the first pass warms up
            }
        }
        var kinds = leaves.ToDictionary(l => l.name, l => l.module.GetType().Name);
        return order.Select(n => (n, kinds[n], Median(samples[n]))).ToList();
    }

    /// <summary>Waits for the device (CUDA runs asynchronously; the CPU does not).</summary>
    internal static void Synchronize(Tensor any)
    {
        if (any.device.type == DeviceType.CUDA) cuda.synchronize(any.device);
    }

    internal static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
