namespace ClassicCnn.Training;

/// <summary>Where a run reports: the start, each train-loss reading, each finished epoch.</summary>
public interface ITrainingProgress
{
    void Started(string model, string settings, int epochs, int stepsPerEpoch);
    void Step(int epoch, int step, double loss, double examplesPerSecond);
    void EpochEnded(EpochRecord record, TrainingHistory history);
    /// <summary>A finished run was loaded from a checkpoint instead of trained: nothing else is reported.</summary>
    void Loaded(string model, string checkpoint, TrainingHistory history);
}

internal static class TrainingProgress
{
    /// <summary>A live chart in a notebook, a progress bar in a console.</summary>
    public static ITrainingProgress Default() => NotebookDisplay?.Invoke() ?? new ConsoleProgress();

    /// <summary>Set by the notebook kernel extension: the progress display that draws live curves.</summary>
    internal static Func<ITrainingProgress>? NotebookDisplay { get; set; }

    public static ITrainingProgress Silent { get; } = new SilentProgress();

    sealed class SilentProgress : ITrainingProgress
    {
        public void Started(string model, string settings, int epochs, int stepsPerEpoch) { }
        public void Step(int epoch, int step, double loss, double examplesPerSecond) { }
        public void EpochEnded(EpochRecord record, TrainingHistory history) { }
        public void Loaded(string model, string checkpoint, TrainingHistory history) { }
    }

    /// <summary>What a reused run says: that it was loaded, from where, and what the original training took.</summary>
    internal static string LoadedLine(string model, string checkpoint, TrainingHistory history) =>
        $"{model}: loaded the finished run from {checkpoint} instead of training ({history.Epochs.Count} epoch{(history.Epochs.Count == 1 ? "" : "s")}, originally trained in " +
        $"{Duration(history.TrainingSeconds)}{(history.FinalTestAccuracy is { } acc ? $", test acc {acc:P1}" : "")}); delete the file to train again";

    internal static string Duration(double seconds) =>
        double.IsFinite(seconds) ? TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss") : "?";

    internal static string EpochLine(EpochRecord e, int epochs) =>
        $"epoch {e.Epoch}/{epochs}: train loss {e.TrainLoss:0.000}, train acc {e.TrainAccuracy:P1}" +
        (e.TestAccuracy is { } acc ? $", test loss {e.TestLoss:0.000}, test acc {acc:P1}" : "") +
        $", {e.ExamplesPerSecond:N0} examples/s, {e.Seconds:0.0} s";
}

/// <summary>
/// How far a run has come and how long it has left, at the pace of the steps taken since <see cref="Start"/>: a resumed
/// run counts the epochs it loaded as done, but not as time spent.
/// </summary>
/// <param name="time">The clock (default: the system's).</param>
internal sealed class TrainingClock(TimeProvider? time = null)
{
    readonly TimeProvider time = time ?? TimeProvider.System;
    long started;
    int stepsPerEpoch;
    int? firstEpoch;

    /// <summary>The run's epochs, as <see cref="Start"/> was told.</summary>
    public int Epochs { get; private set; }

    public TimeSpan Elapsed => time.GetElapsedTime(started);

    public void Start(int epochs, int stepsPerEpoch)
    {
        (Epochs, this.stepsPerEpoch, firstEpoch) = (epochs, stepsPerEpoch, null);
        started = time.GetTimestamp();
    }

    /// <summary>The fraction of the run done after <paramref name="step"/> steps of epoch <paramref name="epoch"/> (from 0), and the seconds left.</summary>
    public (double Done, double SecondsLeft) At(int epoch, int step)
    {
        firstEpoch ??= epoch; // the first step reported: where this session began
        return Estimate(Epochs, stepsPerEpoch, firstEpoch.Value, epoch, step, Elapsed.TotalSeconds);
    }

    internal static (double Done, double SecondsLeft) Estimate(int epochs, int stepsPerEpoch, int firstEpoch, int epoch, int step, double elapsedSeconds)
    {
        double done = epoch + step / (double)stepsPerEpoch, doneNow = done - firstEpoch;
        return (done / epochs, doneNow > 0 ? elapsedSeconds * (epochs - done) / doneNow : double.NaN);
    }
}

/// <summary>A progress bar with rate and time left; one line per epoch result.</summary>
internal sealed class ConsoleProgress(TextWriter? output = null) : ITrainingProgress
{
    readonly TextWriter output = output ?? Console.Out;
    readonly bool redraw = output is null && !Console.IsOutputRedirected;
    readonly TrainingClock clock = new();

    public void Started(string model, string settings, int epochs, int stepsPerEpoch)
    {
        clock.Start(epochs, stepsPerEpoch);
        output.WriteLine($"training {model}: {settings}");
    }

    public void Step(int epoch, int step, double loss, double examplesPerSecond)
    {
        var (done, left) = clock.At(epoch, step);
        int filled = (int)(done * 20);
        string line = $"[{new string('#', filled)}{new string('.', 20 - filled)}] {done:P0} epoch {epoch + 1}/{clock.Epochs} loss {loss:0.000} {examplesPerSecond:N0} img/s ETA {TrainingProgress.Duration(left)}";
        if (redraw) output.Write("\r" + line.PadRight(100));
        else output.WriteLine(line);
    }

    public void EpochEnded(EpochRecord record, TrainingHistory history)
    {
        if (redraw) output.Write("\r" + new string(' ', 100) + "\r");
        output.WriteLine(TrainingProgress.EpochLine(record, clock.Epochs));
    }

    public void Loaded(string model, string checkpoint, TrainingHistory history) =>
        output.WriteLine(TrainingProgress.LoadedLine(model, checkpoint, history));
}
