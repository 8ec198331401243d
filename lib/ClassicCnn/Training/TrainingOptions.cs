using static TorchSharp.torch;

namespace ClassicCnn.Training;

public enum OptimizerKind { Sgd, Adam }

public enum Schedule { Constant, Step, Cosine }

/// <summary>How to train: optimiser, learning-rate schedule, seeds, how often to read the loss back, checkpoints.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 10;
    public double LearningRate { get; init; } = 0.1;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; }
    public Schedule Schedule { get; init; } = Schedule.Constant;
    /// <summary>For <see cref="Schedule.Step"/>: multiply the rate by <see cref="StepGamma"/> every this many epochs.</summary>
    public int StepEpochs { get; init; } = 5;
    public double StepGamma { get; init; } = 0.1;
    public long Seed { get; init; }
    /// <summary>Train-loss points recorded per epoch; each is one host read of a loss summed on the device.</summary>
    public int LossPointsPerEpoch { get; init; } = 5;
    /// <summary>Null: <see cref="ClassicCnn.Platform.TorchRuntime.Device"/>.</summary>
    public Device? Device { get; init; }
    /// <summary>Write a checkpoint here after every epoch, and resume from it when it exists.</summary>
    public string? CheckpointPath { get; init; }
    /// <summary>Average the predictions of AlexNet's ten views when evaluating.</summary>
    public bool TestTimeAugmentation { get; init; }

    /// <summary>The learning rate of an epoch, computed rather than stepped so a resumed run gets the same rate.</summary>
    public double LearningRateAt(int epoch) => Schedule switch
    {
        Schedule.Step => LearningRate * Math.Pow(StepGamma, epoch / Math.Max(1, StepEpochs)),
        Schedule.Cosine => LearningRate * 0.5 * (1 + Math.Cos(Math.PI * epoch / Math.Max(1, Epochs))),
        _ => LearningRate,
    };

    public override string ToString() =>
        $"{Epochs} epochs, {Optimizer} lr {LearningRate}{(Optimizer == OptimizerKind.Sgd ? $" momentum {Momentum}" : "")}" +
        $"{(WeightDecay > 0 ? $" weight decay {WeightDecay}" : "")}, {Schedule} schedule, seed {Seed}";
}
