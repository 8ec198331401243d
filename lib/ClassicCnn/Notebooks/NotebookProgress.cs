using System.Diagnostics;
using ClassicCnn.Plots;
using ClassicCnn.Training;

namespace ClassicCnn.Notebooks;

/// <summary>d2l's ProgressBoard for notebooks: the curves redrawn in place, and a status line with rate and time left.</summary>
internal sealed class NotebookProgress : ITrainingProgress
{
    IDisplayHandle? status, chart;
    string model = "";
    readonly TrainingClock clock = new();
    readonly Stopwatch sinceRedraw = new();

    public void Started(string model, string settings, int epochs, int stepsPerEpoch)
    {
        this.model = model;
        clock.Start(epochs, stepsPerEpoch);
        sinceRedraw.Restart();
        status = LiveDisplay.Show(Html($"training {model}: {settings}"));
    }

    public void Step(int epoch, int step, double loss, double examplesPerSecond)
    {
        var (done, left) = clock.At(epoch, step);
        if (LiveDisplay.Headless || sinceRedraw.Elapsed < TimeSpan.FromSeconds(1)) return;
        sinceRedraw.Restart();
        status?.Update(Html($"{model}: epoch {epoch + 1}/{clock.Epochs}, {done:P0}, loss {loss:0.000}, {examplesPerSecond:N0} examples/s, about {TrainingProgress.Duration(left)} left"));
    }

    public void EpochEnded(EpochRecord record, TrainingHistory history)
    {
        status?.Update(Html(TrainingProgress.EpochLine(record, clock.Epochs) + (record.Epoch == clock.Epochs ? $" (total {TrainingProgress.Duration(clock.Elapsed.TotalSeconds)})" : "")));
        if (LiveDisplay.Headless && record.Epoch < clock.Epochs) return;
        var curves = TrainingCharts.Curves(history, model);
        if (chart is null) chart = LiveDisplay.Show(curves);
        else chart.Update(curves);
    }

    public void Loaded(string model, string checkpoint, TrainingHistory history)
    {
        LiveDisplay.Show(Html(TrainingProgress.LoadedLine(model, checkpoint, history)));
        LiveDisplay.Show(TrainingCharts.Curves(history, model));
    }

    static HtmlText Html(string text) => HtmlText.Status(text);
}
