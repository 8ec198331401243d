using System.Diagnostics;
using ClassicCnn.Notebooks;
using ClassicCnn.Plots;

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

public static class TrainingProgress
{
    /// <summary>A live chart in a notebook, a progress bar in a console.</summary>
    public static ITrainingProgress Default() => LiveDisplay.InNotebook ? new NotebookProgress() : new ConsoleProgress();

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

    /// <summary>A one-line status in a notebook, in a fixed-width font.</summary>
    internal static HtmlText StatusHtml(string text) => new($"<div style=\"font-family:monospace\">{NotebookHtml.Encode(text)}</div>", text);

    internal static string Duration(double seconds) =>
        double.IsFinite(seconds) ? TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss") : "?";

    internal static string EpochLine(EpochRecord e, int epochs) =>
        $"epoch {e.Epoch}/{epochs}: train loss {e.TrainLoss:0.000}, train acc {e.TrainAccuracy:P1}" +
        (e.TestAccuracy is { } acc ? $", test loss {e.TestLoss:0.000}, test acc {acc:P1}" : "") +
        $", {e.ExamplesPerSecond:N0} examples/s, {e.Seconds:0.0} s";
}

/// <summary>A progress bar with rate and time left; one line per epoch result.</summary>
public sealed class ConsoleProgress(TextWriter? output = null) : ITrainingProgress
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

/// <summary>d2l's ProgressBoard for notebooks: the curves redrawn in place, and a status line with rate and time left.</summary>
public sealed class NotebookProgress : ITrainingProgress
{
    IDisplayHandle? status, chart;
    int epochs, stepsPerEpoch;
    string model = "";
    readonly Stopwatch clock = new(), sinceRedraw = new();
    TrainingHistory? last;

    public void Started(string model, string settings, int epochs, int stepsPerEpoch)
    {
        this.model = model;
        this.epochs = epochs;
        this.stepsPerEpoch = stepsPerEpoch;
        clock.Restart();
        sinceRedraw.Restart();
        status = LiveDisplay.Show(Html($"training {model}: {settings}"));
    }

    public void Step(int epoch, int step, double loss, double examplesPerSecond)
    {
        if (LiveDisplay.Headless || sinceRedraw.Elapsed < TimeSpan.FromSeconds(1)) return;
        sinceRedraw.Restart();
        double done = (epoch + step / (double)stepsPerEpoch) / epochs;
        double left = done > 0 ? clock.Elapsed.TotalSeconds * (1 - done) / done : double.NaN;
        status?.Update(Html($"{model}: epoch {epoch + 1}/{epochs}, {done:P0}, loss {loss:0.000}, {examplesPerSecond:N0} examples/s, about {TrainingProgress.Duration(left)} left"));
    }

    public void EpochEnded(EpochRecord record, TrainingHistory history)
    {
        last = history;
        status?.Update(Html(TrainingProgress.EpochLine(record, epochs) + (record.Epoch == epochs ? $" (total {TrainingProgress.Duration(clock.Elapsed.TotalSeconds)})" : "")));
        if (LiveDisplay.Headless && record.Epoch < epochs) return;
        var curves = TrainingCharts.Curves(history, model);
        if (chart is null) chart = LiveDisplay.Show(curves);
        else chart.Update(curves);
    }

    public void Loaded(string model, string checkpoint, TrainingHistory history)
    {
        LiveDisplay.Show(Html(TrainingProgress.LoadedLine(model, checkpoint, history)));
        LiveDisplay.Show(TrainingCharts.Curves(history, model));
    }

    static HtmlText Html(string text) => TrainingProgress.StatusHtml(text);
}
