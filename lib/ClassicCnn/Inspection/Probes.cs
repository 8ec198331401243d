using System.Diagnostics;
using ClassicCnn.Platform;
using ClassicCnn.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Inspection;

/// <summary>Looks inside a model while it runs: the maps its layers produce, the gradients its layers get, how long it takes.</summary>
public static class Probes
{
    /// <summary>The outputs of the named modules for one forward pass (detached, on the CPU), in eval mode.</summary>
    public static Dictionary<string, Tensor> FeatureMaps(Module<Tensor, Tensor> model, Tensor input, params string[] names)
    {
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module);
        var unknown = names.Where(n => !modules.ContainsKey(n)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"{model.GetName()} has no module {string.Join(", ", unknown)}; it has {string.Join(", ", modules.Keys.Where(k => k != ""))}.", nameof(names));
        var captured = new Dictionary<string, Tensor>();
        var removers = new List<Action>();
        foreach (var name in names)
        {
            if (modules[name] is not Module<Tensor, Tensor> hookable) continue;
            var remover = hookable.register_forward_hook((_, _, output) => { captured[name] = output.detach().cpu().DetachFromDisposeScope(); return null!; });
            removers.Add(() => remover.remove());
        }
        bool wasTraining = model.training;
        try
        {
            model.eval();
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            model.call(input);
        }
        finally
        {
            removers.ForEach(r => r());
            model.train(wasTraining);
        }
        return captured;
    }

    /// <summary>
    /// The L2 norm of the loss gradient on each convolution's and linear layer's weight, first layer first, for one
    /// batch: the numbers behind "deep plain networks have vanishing or exploding gradients".
    /// </summary>
    public static IReadOnlyList<(string Layer, double Norm)> GradientNorms(Module<Tensor, Tensor> model, Tensor images, Tensor labels)
    {
        using var scope = NewDisposeScope();
        ConvolutionGuard.Protect(model);
        model.zero_grad();
        var loss = Evaluation.Loss(model, model.call(images), labels);
        loss.backward();
        var norms = model.named_modules()
            .Where(m => m.module is TorchSharp.Modules.Conv2d or TorchSharp.Modules.Linear)
            .Select(m => (m.name, ((Tensor)m.module.named_parameters().First(p => p.name == "weight").parameter.grad!).norm().item<float>()))
            .Select(x => (x.name, (double)x.Item2)).ToList();
        model.zero_grad();
        return norms;
    }

    /// <summary>
    /// Median seconds of one forward pass under no_grad in eval mode: <paramref name="warmup"/> untimed passes, then at
    /// least <paramref name="repeats"/> timed ones (see <see cref="Timed"/> for <paramref name="minimumSeconds"/>).
    /// </summary>
    public static double InferenceSeconds(Module<Tensor, Tensor> model, Tensor input, int repeats = 5, int warmup = 1, double minimumSeconds = 0)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            return Timed(() =>
            {
                using var scope = NewDisposeScope();
                Synchronize(model.call(input));
            }, repeats, warmup, minimumSeconds);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>Median seconds of one SGD training step (forward, loss, backward, update) on a fixed batch; as <see cref="Timed"/>.</summary>
    public static double TrainingStepSeconds(Module<Tensor, Tensor> model, Tensor images, Tensor labels, int repeats = 5, int warmup = 2, double minimumSeconds = 0)
    {
        using var optimizer = optim.SGD(model.parameters(), 1e-6);
        ConvolutionGuard.Protect(model);
        model.train();
        return Timed(() =>
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
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
    public static IReadOnlyList<(string Phase, double Seconds)> TrainingStepPhases(Module<Tensor, Tensor> model, Tensor images, Tensor labels, int repeats = 5, int warmup = 2, double minimumSeconds = 0)
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
                Lap(optimizer.zero_grad),
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
    public static double Timed(Action action, int repeats, int warmup, double minimumSeconds = 0) =>
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
    public static IReadOnlyList<(string Layer, string Kind, double Seconds)> LayerForwardSeconds(Module<Tensor, Tensor> model, Tensor input, int repeats = 5)
    {
        var leaves = model.named_modules().Where(m => m.name != "" && !m.module.children().Any() && m.module is Module<Tensor, Tensor>).ToList();
        var samples = leaves.ToDictionary(l => l.name, _ => new List<double>());
        var order = new List<string>();
        var clock = new Stopwatch();
        var removers = new List<Action>();
        foreach (var (name, module) in leaves)
        {
            var layer = (Module<Tensor, Tensor>)module;
            var pre = layer.register_forward_pre_hook((_, x) => { Synchronize(x); clock.Restart(); return null!; });
            var post = layer.register_forward_hook((_, _, y) =>
            {
                Synchronize(y);
                samples[name].Add(clock.Elapsed.TotalSeconds);
                if (order.Count < leaves.Count && !order.Contains(name)) order.Add(name);
                return null!;
            });
            removers.Add(() => { pre.remove(); post.remove(); });
        }
        bool wasTraining = model.training;
        try
        {
            model.eval();
            using var _ = no_grad();
            for (int i = 0; i < repeats + 1; i++)
            {
                using var scope = NewDisposeScope();
                model.call(input);
                if (i == 0) foreach (var list in samples.Values) list.Clear(); // the first pass warms up
            }
        }
        finally
        {
            removers.ForEach(remove => remove());
            model.train(wasTraining);
        }
        var kinds = leaves.ToDictionary(l => l.name, l => l.module.GetType().Name);
        return order.Select(n => (n, kinds[n], Median(samples[n]))).ToList();
    }

    /// <summary>Waits for the device (CUDA runs asynchronously; the CPU does not).</summary>
    public static void Synchronize(Tensor any)
    {
        if (any.device.type == DeviceType.CUDA) cuda.synchronize(any.device);
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
