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
        var layers = model.named_modules().Where(m => m.module is TorchSharp.Modules.Conv2d or TorchSharp.Modules.Linear).ToList();
        if (layers.Count == 0)
            throw new ArgumentException($"{model.GetName()} has no convolution or linear layer, so there is no weight gradient to measure: pass a model with Conv2d or Linear layers.", nameof(model));
        using var scope = NewDisposeScope();
        ConvolutionGuard.Protect(model);
        model.zero_grad();
        var loss = Evaluation.Loss(model, model.call(images), labels);
        loss.backward();
        var norms = new List<(string Layer, double Norm)>();
        foreach (var (name, layer) in layers)
        {
            // A missing or non-finite gradient would otherwise show as a gap in the chart, or as a libtorch error.
            if (layer.named_parameters().First(p => p.name == "weight").parameter.grad is not { } gradient)
                throw new InvalidOperationException(
                    $"Layer {name} of {model.GetName()} got no gradient: its weight does not require one (frozen), or the forward pass does not use it. " +
                    "Set requires_grad on its parameters, or measure a model whose layers all take part.");
            double norm = gradient.norm().item<float>();
            if (!double.IsFinite(norm))
                throw new InvalidOperationException(
                    $"The weight gradient of layer {name} of {model.GetName()} holds NaN or infinite values (norm {norm}): check that the images and the weights are finite. " +
                    $"The convolution check says: {ConvolutionGuard.Check.Summary}");
            norms.Add((name, norm));
        }
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
