namespace ClassicCnn.Benchmarks;

/// <summary>
/// The two sides build each model separately (the library's model here, bench_pytorch.py's twin there), so every
/// comparison first checks that they built the same network: a twin that drifts would compare different models.
/// </summary>
public static class Twins
{
    public static void CheckSameSize(string model, long torchSharp, long pyTorch)
    {
        if (torchSharp != pyTorch)
            throw new InvalidOperationException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{model}: the TorchSharp model has {torchSharp:N0} parameters and bench_pytorch.py's twin {pyTorch:N0}, so the two sides do not build the same network; ") +
                "make the twin in tests/ClassicCnn.Benchmarks/bench_pytorch.py match the library's model before comparing them.");
    }
}
