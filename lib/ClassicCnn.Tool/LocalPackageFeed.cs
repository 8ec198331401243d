using System.Text.RegularExpressions;
using System.Xml.Linq;
using ClassicCnn.Platform;

namespace ClassicCnn.Tool;

/// <summary>
/// The notebooks reference the library as <c>#r "nuget: ClassicCnn, *-*"</c> from a local folder feed.
/// NuGet never re-reads a version it has cached (in ~/.nuget/packages and in the kernels'
/// ~/.packagemanagement cache), so every pack gets a new, higher prerelease number and the floating
/// reference always picks the code just built.
/// </summary>
public sealed partial class LocalPackageFeed(Repository repository)
{
    public const string PackageId = "ClassicCnn";
    public const string SourceName = "ClassicCnnLocal";
    const int VersionsKept = 3;

    /// <summary>The version in lib/ClassicCnn/ClassicCnn.csproj; packs are prereleases of it (0.1.0-local.N).</summary>
    public string BaseVersion
    {
        get
        {
            string project = Path.Combine(repository.Library, "ClassicCnn.csproj");
            return XDocument.Load(project).Descendants("Version").FirstOrDefault()?.Value
                ?? throw new InvalidDataException($"{project} has no <Version>; add <Version>0.1.0</Version>.");
        }
    }

    /// <summary>
    /// What the notebooks write after the package name. "*-*" (the newest version, prereleases included) because
    /// .NET Interactive refuses a second `#r` of any other floating range once resolved ("0.1.0-* cannot be added
    /// because version 0.1.0-local.N was added previously"), which broke Run All twice in one kernel.
    /// </summary>
    public const string FloatingReference = "*-*";

    /// <summary>A prerelease number above every one this machine has seen: in the feed and in the NuGet cache.</summary>
    public string NextVersion()
    {
        long stamp = long.Parse(DateTime.UtcNow.ToString("yyyyMMddHHmmss"));
        long highest = KnownVersions().Select(SerialOf).DefaultIfEmpty(0).Max();
        return $"{BaseVersion}-local.{Math.Max(stamp, highest + 1)}";
    }

    IEnumerable<string> KnownVersions()
    {
        var inFeed = Directory.Exists(repository.Feed)
            ? Directory.EnumerateFiles(repository.Feed, $"{PackageId}.*.nupkg").Select(f => Path.GetFileNameWithoutExtension(f)[(PackageId.Length + 1)..])
            : [];
        string cached = Path.Combine(ClassicCnn.Platform.LibStdCxxCompatibility.NuGetPackagesFolder(), PackageId.ToLowerInvariant());
        var inCache = Directory.Exists(cached) ? Directory.EnumerateDirectories(cached).Select(Path.GetFileName) : [];
        return inFeed.Concat(inCache!).Where(v => v is not null)!;
    }

    static long SerialOf(string version) =>
        LocalSerial().Match(version) is { Success: true } m ? long.Parse(m.Groups[1].Value) : 0;

    [GeneratedRegex(@"-local\.(\d+)$")]
    private static partial Regex LocalSerial();

    /// <summary>
    /// Packs the library into the feed with a new version, unless the feed already holds a pack of exactly these
    /// sources (same files, same backend): then that version is reused. Drops old packs; returns the version.
    /// </summary>
    public string Pack(Action<string>? log = null)
    {
        string fingerprint = SourceFingerprint();
        string stamp = Path.Combine(repository.Feed, ".source-fingerprint");
        if (File.Exists(stamp) && File.ReadAllText(stamp).Split(' ') is [var packedFingerprint, var packedVersion]
            && packedFingerprint == fingerprint && File.Exists(Path.Combine(repository.Feed, $"{PackageId}.{packedVersion}.nupkg")))
        {
            log?.Invoke($"{PackageId} {packedVersion} in {repository.Feed} is already built from these sources");
            return packedVersion;
        }
        string version = NextVersion();
        Directory.CreateDirectory(repository.Feed);
        log?.Invoke($"packing {PackageId} {version} into {repository.Feed}");
        // No build servers: a compiler server or MSBuild node left running would hold this pack's output pipe open.
        ChildProcess.Dotnet(repository.Root, "pack", repository.Library, "-c", "Release", "-o", repository.Feed,
            $"-p:Version={version}", "--nologo", "--disable-build-servers");
        foreach (var old in Directory.EnumerateFiles(repository.Feed, $"{PackageId}.*.nupkg")
                     .OrderByDescending(f => SerialOf(Path.GetFileNameWithoutExtension(f))).Skip(VersionsKept))
            File.Delete(old);
        ClassicCnn.Platform.AtomicFile.WriteAllText(stamp, $"{fingerprint} {version}");
        return version;
    }

    /// <summary>SHA-256 over the library's and the kernel extension's sources, the shared build files and the backend setting.</summary>
    public string SourceFingerprint()
    {
        var files = new[] { repository.Library, Path.Combine(repository.Root, "lib", "ClassicCnn.Interactive") }
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            .Where(f => !f.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Concat([Path.Combine(repository.Root, "Directory.Build.props"), Path.Combine(repository.Root, "Directory.Packages.props")])
            .Order(StringComparer.Ordinal);
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(repository.Root, file).Replace('\\', '/') + "\n"));
            hash.AppendData(File.ReadAllBytes(file));
        }
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes("backend=" + (Environment.GetEnvironmentVariable(EnvironmentVariables.Backend) ?? "cpu")));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public bool Register(string? configPath = null) => NuGetUserConfig.EnsureSource(SourceName, repository.Feed, configPath);
}
