using ClassicCnn.Platform;
using ClassicCnn.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Inspection;

/// <summary>Looks inside a model while it runs: the maps its layers produce, the gradients its layers get, how long a forward pass takes.</summary>
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
        using (new ForwardHooks(names.Select(n => (n, modules[n])), (name, _, output) => captured[name] = output.detach().cpu().DetachFromDisposeScope()))
        using (new EvalMode(model))
        using (NewDisposeScope())
            model.call(input);
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
    /// least <paramref name="repeats"/> timed ones (and for at least <paramref name="minimumSeconds"/>); the median, so one slow pass cannot move it.
    /// </summary>
    public static double InferenceSeconds(Module<Tensor, Tensor> model, Tensor input, int repeats = 5, int warmup = 1, double minimumSeconds = 0)
    {
        using var eval = new EvalMode(model);
        return Timing.Timed(() =>
        {
            using var scope = NewDisposeScope();
            Timing.Synchronize(model.call(input));
        }, repeats, warmup, minimumSeconds);
    }
}
