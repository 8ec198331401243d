using ClassicCnn.Platform;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Inspection;

/// <summary>
/// Holds a network written in a notebook to the library's tested model of the same name: the same number of
/// parameters, the same output shape, and (built after the same seed) the same initial weights, tensor by tensor in
/// order. A learner who edits the notebook's version sees which of these the edit changed.
/// </summary>
public static class NetworkCheck
{
    /// <returns>A one-line report; throws when the count or the output shape differ.</returns>
    /// <param name="sameWeightsRequired">False for a network that deliberately differs (an exercise): then only the report says so.</param>
    public static string AgainstLibrary(string name, Func<Module<Tensor, Tensor>> written, Func<Module<Tensor, Tensor>> library, long[] input, bool sameWeightsRequired = true)
    {
        TorchRuntime.Seed(0);
        using var mine = written();
        TorchRuntime.Seed(0);
        using var theirs = library();
        var a = ModelSummary.Of(mine, input);
        var b = ModelSummary.Of(theirs, input);
        if (a.TrainableParameters != b.TrainableParameters)
            throw new InvalidOperationException($"{name} as written has {a.TrainableParameters:N0} parameters, the library's {b.TrainableParameters:N0}.{Deliberate}");
        long[] shapeA = OutputShape(mine, input), shapeB = OutputShape(theirs, input);
        if (!shapeA.SequenceEqual(shapeB))
            throw new InvalidOperationException($"{name} as written gives outputs of shape [{string.Join(", ", shapeA)}], the library's [{string.Join(", ", shapeB)}].{Deliberate}");
        var pairs = mine.parameters().Zip(theirs.parameters()).ToList();
        using var comparisons = NewDisposeScope();
        bool sameWeights = pairs.Count == theirs.parameters().Count()
            && pairs.All(p => p.First.shape.SequenceEqual(p.Second.shape) && p.First.eq(p.Second).all().item<bool>());
        if (sameWeightsRequired && !sameWeights)
            throw new InvalidOperationException($"{name} as written has the library's size and output shape but not its initial weights: a layer is in another order or initialised otherwise.{Deliberate}");
        return $"{name} as written: {a.TrainableParameters:N0} parameters, output [{string.Join(", ", shapeA)}] for one image, " +
               (sameWeights ? "the same initial weights as the library's model." : "other initial weights than the library's model.");
    }

    // An exercise changes the written network on purpose; the error says how to go on.
    const string Deliberate = " If you changed the network on purpose, delete this check: it holds the version written here to the library's tested model.";

    static long[] OutputShape(Module<Tensor, Tensor> model, long[] input)
    {
        using var _ = no_grad();
        using var image = zeros([1, .. input]);
        using var output = model.call(image);
        return output.shape;
    }
}
