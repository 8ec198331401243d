using System.Diagnostics;

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

/// <summary>A progress bar with rate and time left; one line per epoch result.</summary>
internal sealed class ConsoleProgress(TextWriter? output = null) : ITrainingProgress
{
    readonly TextWriter output = output ?? Console.Out;
    readonly bool redraw = output is null && !Console.IsOutputRedirected;
    int epochs, stepsPerEpoch;
    readonly Stopwatch clock = new();

    public void Started(string model, string settings, int epochs, int stepsPerEpoch)
    {
        this.epochs = epochs;
        this.stepsPerEpoch = stepsPerEpoch;
        clock.Restart();
        output.WriteLine($"training {model}: {settings}");
    }

    public void Step(int epoch, int step, double loss, double examplesPerSecond)
    {
        double done = (epoch + step / (double)stepsPerEpoch) / epochs;
        double left = done > 0 ? clock.Elapsed.TotalSeconds * (1 - done) / done : double.NaN;
        int filled = (int)(done * 20);
        string line = $"[{new string('#', filled)}{new string('.', 20 - filled)}] {done:P0} epoch {epoch + 1}/{epochs} loss {loss:0.000} {examplesPerSecond:N0} img/s ETA {TrainingProgress.Duration(left)}";
        if (redraw) output.Write("\r" + line.PadRight(100));
        else output.WriteLine(line);
    }

    public void EpochEnded(EpochRecord record, TrainingHistory history)
    {
        if (redraw) output.Write("\r" + new string(' ', 100) + "\r");
        output.WriteLine(TrainingProgress.EpochLine(record, epochs));
    }

    public void Loaded(string model, string checkpoint, TrainingHistory history) =>
        output.WriteLine(TrainingProgress.LoadedLine(model, checkpoint, history));
}
