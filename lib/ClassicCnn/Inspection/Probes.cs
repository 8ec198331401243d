using System.Diagnostics;
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

    /// <summary>Median seconds of <paramref name="repeats"/> timed forward passes after warm-up, in eval mode without gradients.</summary>
    public static double InferenceSeconds(Module<Tensor, Tensor> model, Tensor input, int repeats = 5, int warmup = 1)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            var times = new List<double>();
            for (int i = 0; i < warmup + repeats; i++)
            {
                using var scope = NewDisposeScope();
                var clock = Stopwatch.StartNew();
                var output = model.call(input);
                Synchronize(output);
                if (i >= warmup) times.Add(clock.Elapsed.TotalSeconds);
            }
            return Median(times);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>Median seconds of a full training step (forward, loss, backward, SGD update) on one batch.</summary>
    public static double TrainingStepSeconds(Module<Tensor, Tensor> model, Tensor images, Tensor labels, int repeats = 5, int warmup = 2)
    {
        using var optimizer = optim.SGD(model.parameters(), 1e-6);
        model.train();
        var times = new List<double>();
        for (int i = 0; i < warmup + repeats; i++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            optimizer.zero_grad();
            var loss = Evaluation.Loss(model, model.call(images), labels);
            loss.backward();
            optimizer.step();
            Synchronize(loss);
            if (i >= warmup) times.Add(clock.Elapsed.TotalSeconds);
        }
        return Median(times);
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
