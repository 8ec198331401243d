using static TorchSharp.torch;

namespace ClassicCnn.Training;

public enum OptimizerKind { Sgd, Adam }

/// <summary>Constant, or cosine annealing from the learning rate down to zero over the epochs.</summary>
public enum Schedule { Constant, Cosine }

/// <summary>How to train: optimiser, learning-rate schedule, seeds, how often to read the loss back, checkpoints.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 10;
    public double LearningRate { get; init; } = 0.1;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    public double Momentum { get; init; } = 0.9;
    public Schedule Schedule { get; init; } = Schedule.Constant;
    public long Seed { get; init; }
    /// <summary>Train-loss points recorded per epoch; each is one host read of a loss summed on the device.</summary>
    public int LossPointsPerEpoch { get; init; } = 5;
    /// <summary>Null: <see cref="ClassicCnn.Platform.TorchRuntime.Device"/>.</summary>
    public Device? Device { get; init; }
    /// <summary>The device this run uses: <see cref="Device"/>, else the library's.</summary>
    internal Device ResolvedDevice => Device ?? ClassicCnn.Platform.TorchRuntime.Device;
    /// <summary>Write a checkpoint here after every epoch, and resume from it when it exists.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Throws, naming the option and a value to use, when a setting cannot train.</summary>
    internal void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"{nameof(Epochs)} is {Epochs}; train for at least 1 epoch.", nameof(Epochs));
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentException($"{nameof(LearningRate)} is {LearningRate}; use a positive number (the recipes use 0.0005 to 0.1).", nameof(LearningRate));
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"{nameof(Momentum)} is {Momentum}; use a value from 0 up to (not including) 1, e.g. 0.9.", nameof(Momentum));
        if (LossPointsPerEpoch < 1) throw new ArgumentException($"{nameof(LossPointsPerEpoch)} is {LossPointsPerEpoch}; record at least 1 point per epoch.", nameof(LossPointsPerEpoch));
    }

    /// <summary>The learning rate of an epoch, computed rather than stepped so a resumed run gets the same rate.</summary>
    public double LearningRateAt(int epoch) => Schedule switch
    {
        Schedule.Cosine => LearningRate * 0.5 * (1 + Math.Cos(Math.PI * epoch / Math.Max(1, Epochs))),
        _ => LearningRate,
    };

    public override string ToString() =>
        $"{Epochs} epochs, {Optimizer} lr {LearningRate}{(Optimizer == OptimizerKind.Sgd ? $" momentum {Momentum}" : "")}, {Schedule} schedule, seed {Seed}";
}
