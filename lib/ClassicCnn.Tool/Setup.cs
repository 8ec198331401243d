using ClassicCnn.Data;
using ClassicCnn.Platform;

namespace ClassicCnn.Tool;

/// <summary>
/// Everything a fresh machine with the .NET SDK needs before a notebook can run: the notebook runner (local
/// tool), the library packed into the local feed, the feed registered for the kernels, libLibTorchSharp.so
/// made loadable where the system's libstdc++ is too old, and the datasets (downloaded where no lookup place holds
/// them). Every step is idempotent.
/// </summary>
public sealed class Setup(Repository repository, Action<string> log)
{
    public string Run()
    {
        log("restoring the local tools (.config/dotnet-tools.json: dotnet-repl)");
        ChildProcess.Dotnet(repository.Root, "tool", "restore");

        var feed = new LocalPackageFeed(repository);
        string version = feed.Pack(log);

        foreach (var report in LibStdCxxCompatibility.FixAll([Path.Combine(LibStdCxxCompatibility.NuGetPackagesFolder(), "torchsharp")]))
            log(report.ToString());

        log(feed.Register()
            ? $"registered {repository.Feed} as the user-level NuGet source '{LocalPackageFeed.SourceName}'"
            : $"NuGet source '{LocalPackageFeed.SourceName}' already points at {repository.Feed}");
        foreach (var cleared in KernelPackageCache.ClearStale(LocalPackageFeed.PackageId))
            log($"cleared the kernels' cached restore {cleared}");
        bool full = Environment.GetEnvironmentVariable(EnvironmentVariables.Profile)?.Trim().ToLowerInvariant() == "full";
        foreach (var dataset in full ? [.. Datasets.All, Datasets.MnistFull] : Datasets.All)
            log(DatasetDownloader.Ensure(dataset, progress: log));
        log($"notebooks will load {LocalPackageFeed.PackageId} {version} (they reference \"{LocalPackageFeed.FloatingReference}\")");
        return version;
    }
}
