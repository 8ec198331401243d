using System.Globalization;
using System.Text;
using System.Text.Json;
using ClassicCnn.Platform;

namespace ClassicCnn.Training;

/// <summary>One finished epoch.</summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, double TrainAccuracy, double? TestLoss, double? TestAccuracy,
    double ExamplesPerSecond, double Seconds, double LearningRate, long WorkingSetBytes);

/// <summary>
/// A reading of the training loss and accuracy over the steps since the previous reading (epoch 0.2 is a fifth of
/// the way through the first epoch).
/// </summary>
public sealed record LossPoint(double Epoch, double Loss, double Accuracy);

/// <summary>Everything a run recorded, to plot, compare, save as CSV or JSON, and resume from.</summary>
public sealed class TrainingHistory
{
    public string Model { get; init; } = "";
    public List<EpochRecord> Epochs { get; init; } = [];
    public List<LossPoint> TrainLoss { get; init; } = [];

    public EpochRecord? Last => Epochs.Count == 0 ? null : Epochs[^1];
    public double? FinalTestAccuracy => Last?.TestAccuracy;
    public double TrainingSeconds => Epochs.Sum(e => e.Seconds);

    /// <summary>How far into training (in epochs, to a tenth or so) the training error first fell to <paramref name="error"/>, or null.</summary>
    public double? EpochsToTrainingError(double error) => TrainLoss.FirstOrDefault(p => 1 - p.Accuracy <= error)?.Epoch;

    /// <summary>The first epoch (1-based) whose test accuracy reached <paramref name="accuracy"/>, or null.</summary>
    public int? EpochsTo(double accuracy) => Epochs.FirstOrDefault(e => e.TestAccuracy >= accuracy)?.Epoch;

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TrainingHistory FromJson(string json, string source = "history") =>
        JsonSerializer.Deserialize<TrainingHistory>(json) ?? throw new InvalidDataException($"{source}: empty training history.");

    public string ToCsv()
    {
        var csv = new StringBuilder("epoch,train_loss,train_accuracy,test_loss,test_accuracy,examples_per_second,seconds,learning_rate,working_set_bytes\n");
        foreach (var e in Epochs)
            csv.AppendLine(string.Join(",", new object?[] { e.Epoch, e.TrainLoss, e.TrainAccuracy, e.TestLoss, e.TestAccuracy, e.ExamplesPerSecond, e.Seconds, e.LearningRate, e.WorkingSetBytes }
                .Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))));
        return csv.ToString();
    }

    /// <summary>Saves as JSON or CSV by the file's extension, atomically.</summary>
    public void Save(string path) =>
        AtomicFile.WriteAllText(path, Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase) ? ToCsv() : ToJson());
}
