using static TorchSharp.torch;

namespace ClassicCnn.Models;

/// <summary>
/// A model whose outputs are not logits and which brings its own loss and decision rule (LeNet-5's RBF units:
/// the smallest distance wins). Models without it are trained with cross-entropy and predicted by argmax.
/// </summary>
internal interface IClassifierHead
{
    Tensor Loss(Tensor output, Tensor labels);
    Tensor Predict(Tensor output);
    /// <summary>Scores where larger means more likely (for confidence, confusion and mistakes).</summary>
    Tensor Scores(Tensor output);
}
