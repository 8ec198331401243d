namespace ClassicCnn.Training;

/// <summary>The loss became NaN or infinite: training stopped instead of wasting the remaining epochs.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
