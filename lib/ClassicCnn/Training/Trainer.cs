using System.Diagnostics;
using ClassicCnn.Data;
using ClassicCnn.Platform;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Training;

/// <summary>
/// Trains any model of the zoo (LeNet-5 with its own RBF loss included) on batches that live on the training device.
/// Each step runs in its own DisposeScope so memory stays flat; the loss is summed on the device and read back only a
/// few times per epoch, so the host does not wait on the device every step. Every epoch reseeds the generators from
/// the seed and the epoch number, which makes a CPU run repeat exactly and a resumed run match an uninterrupted one.
/// </summary>
internal sealed class Trainer
{
    readonly Module<Tensor, Tensor> model;
    readonly OptimizerHelper optimizer;

    public TrainingOptions Options { get; }
    public Device Device { get; }
    public TrainingHistory History { get; private set; }
    public string Name { get; }

    public Trainer(Module<Tensor, Tensor> model, TrainingOptions options, string? name = null)
    {
        options.Validate();
        this.model = model;
        Options = options;
        Name = name ?? model.GetName();
        Device = options.ResolvedDevice;
        model.to(Device);
        ConvolutionGuard.Protect(model);
        optimizer = options.Optimizer switch
        {
            OptimizerKind.Adam => optim.Adam(model.parameters(), options.LearningRate),
            _ => optim.SGD(model.parameters(), options.LearningRate, momentum: options.Momentum),
        };
        History = new TrainingHistory { Model = Name };
    }

    public Module<Tensor, Tensor> Model => model;

    /// <summary>
    /// Trains until <see cref="TrainingOptions.Epochs"/> epochs are done, resuming from the checkpoint when one exists.
    /// Cancelling stops before the next step; the last finished epoch stays in the checkpoint.
    /// </summary>
    public TrainingHistory Fit(BatchLoader train, BatchLoader? test = null, ITrainingProgress? progress = null, CancellationToken cancel = default)
    {
        CheckDevice(train, "training");
        if (test is not null) CheckDevice(test, "test");
        progress ??= TrainingProgress.Default();
        if (Options.CheckpointPath is { } path && File.Exists(path))
            History = Checkpoint.Load(path, model, optimizer);

        int first = History.Epochs.Count;
        if (first >= Options.Epochs && History.Last is not null)
        {
            progress.Loaded(Name, Options.CheckpointPath!, History);
            return History;
        }
        progress.Started(Name, $"{Options}; {train.Data.Count:N0} training examples in batches of {train.BatchSize} on {Device}" +
            (first > 0 ? $"; resuming after epoch {first}" : ""), Options.Epochs, train.BatchesPerEpoch);

        for (int epoch = first; epoch < Options.Epochs; epoch++)
        {
            var record = RunEpoch(epoch, train, test, progress, cancel);
            if (record is null) break;
            History.Epochs.Add(record);
            if (Options.CheckpointPath is { } checkpoint) Checkpoint.Save(checkpoint, model, optimizer, History);
            progress.EpochEnded(record, History);
        }
        return History;
    }

    EpochRecord? RunEpoch(int epoch, BatchLoader train, BatchLoader? test, ITrainingProgress progress, CancellationToken cancel)
    {
        // Dropout masks, random crops and flips of this epoch depend only on the seed and the epoch.
        random.manual_seed(Options.Seed * 7919 + epoch);
        double rate = Options.LearningRateAt(epoch);
        foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;

        model.train();
        var clock = Stopwatch.StartNew();
        int steps = train.BatchesPerEpoch;
        int readEvery = Math.Max(1, steps / Math.Max(1, Options.LossPointsPerEpoch));
        using var lossSum = zeros(1, dtype: ScalarType.Float64, device: Device);
        using var windowLoss = zeros(1, dtype: ScalarType.Float64, device: Device);
        using var windowCorrect = zeros(1, dtype: ScalarType.Float64, device: Device);
        using var correct = zeros(1, dtype: ScalarType.Int64, device: Device);
        long seen = 0, windowSeen = 0;
        int step = 0;
        foreach (var batch in train.Epoch(epoch, train: true))
        {
            using (var scope = NewDisposeScope())
            {
                scope.Attach(batch.Images, batch.Labels);
                if (cancel.IsCancellationRequested) return null;
                var output = model.call(batch.Images);
                var loss = Evaluation.Loss(model, output, batch.Labels);
                model.zero_grad(); // gradients set to none, as PyTorch's default: no memset of every gradient each step
                loss.backward();
                optimizer.step();
                using (no_grad())
                {
                    using Scalar count = batch.Labels.shape[0]; // disposed now, not by the finaliser (see ScaledTanh)
                    var batchLoss = loss.detach().to(ScalarType.Float64).mul_(count);
                    lossSum.add_(batchLoss);
                    windowLoss.add_(batchLoss);
                    var right = Evaluation.Predict(model, output).eq(batch.Labels).sum();
                    correct.add_(right);
                    windowCorrect.add_(right);
                }
                seen += batch.Labels.shape[0];
                windowSeen += batch.Labels.shape[0];
            }
            step++;
            if (step % readEvery == 0 || step == steps)
            {
                // The only host read, every readEvery steps: loss and accuracy of the window in one copy.
                using var window = cat([windowLoss, windowCorrect]).cpu();
                var sums = window.data<double>().ToArray();
                double mean = sums[0] / windowSeen;
                GuardFinite(mean, epoch, step, rate);
                History.TrainLoss.Add(new LossPoint(epoch + step / (double)steps, mean, sums[1] / windowSeen));
                progress.Step(epoch, step, mean, seen / clock.Elapsed.TotalSeconds);
                windowLoss.zero_();
                windowCorrect.zero_();
                windowSeen = 0;
                // TorchSharp's optimizers make a native Scalar per parameter per step and leave it to the finaliser;
                // a cheap young-generation collection now and then frees them before they fragment the native heap.
                GC.Collect(0);
            }
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;
        double trainLoss = lossSum.item<double>() / seen, trainAccuracy = correct.item<long>() / (double)seen;
        (double Loss, double Accuracy)? tested = test is null ? null : Evaluation.Evaluate(model, test);
        return new EpochRecord(epoch + 1, trainLoss, trainAccuracy, tested?.Loss, tested?.Accuracy,
            seen / trainSeconds, clock.Elapsed.TotalSeconds, rate, Environment.WorkingSet);
    }

    void GuardFinite(double loss, int epoch, int step, double rate)
    {
        if (double.IsFinite(loss)) return;
        throw new TrainingDivergedException(
            $"{Name}: the training loss became {loss} at epoch {epoch + 1}, step {step}, with learning rate {rate}. " +
            $"The updates are too large: lower the learning rate (try {rate / 10}) and train again.");
    }

    void CheckDevice(BatchLoader loader, string what)
    {
        var parameterDevice = model.parameters().FirstOrDefault()?.device;
        if (loader.Data.Device.type != Device.type || loader.Data.Device.index != Device.index || parameterDevice is { } d && (d.type != Device.type || d.index != Device.index))
            throw new InvalidOperationException(
                $"The {what} data ({loader.Data.Name}) is on {loader.Data.Device} but the trainer runs on {Device}: load it with device: {Device} (nothing is moved silently).");
    }
}
