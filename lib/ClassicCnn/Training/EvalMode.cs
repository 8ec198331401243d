using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Training;

/// <summary>Eval mode and no gradients for a block; the previous mode comes back afterwards.</summary>
internal sealed class EvalMode : IDisposable
{
    readonly Module model;
    readonly bool wasTraining;
    readonly IDisposable noGrad;

    public EvalMode(Module model)
    {
        this.model = model;
        wasTraining = model.training;
        model.eval();
        noGrad = no_grad();
    }

    public void Dispose()
    {
        noGrad.Dispose();
        model.train(wasTraining);
    }
}
