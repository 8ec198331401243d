using System.Runtime.InteropServices;

namespace ClassicCnn.Platform;

/// <summary>What <see cref="LibStdCxxCompatibility.Fix"/> did to one file.</summary>
internal enum FixOutcome
{
    /// <summary>This system's libstdc++ has every version the library asks for: the file was left alone.</summary>
    NotNeeded,
    /// <summary>The missing version was marked weak in this run.</summary>
    Patched,
    /// <summary>An earlier run had already marked it weak: nothing was written.</summary>
    AlreadyPatched,
}

internal sealed record FixReport(string Path, FixOutcome Outcome, IReadOnlyList<string> MissingVersions)
{
    public override string ToString() => Outcome switch
    {
        FixOutcome.Patched => $"patched   {Path} (marked {string.Join(", ", MissingVersions)} weak)",
        FixOutcome.AlreadyPatched => $"ok        {Path} (already patched)",
        _ => $"ok        {Path} (no fix needed)",
    };

    public const string NotNeededSummary = "not needed";

    /// <summary>What was done, in words for 00-setup's table.</summary>
    public string Summary => Outcome switch
    {
        FixOutcome.Patched => $"applied now: {string.Join(", ", MissingVersions)} marked weak, so it loads with this system's libstdc++",
        FixOutcome.AlreadyPatched => "applied by an earlier run, so it loads with this system's libstdc++",
        _ => NotNeededSummary,
    };
}

/// <summary>
/// TorchSharp 0.107.0's libLibTorchSharp.so was linked against GCC 13's libstdc++ and asks for
/// GLIBCXX_3.4.32, which Debian 12 and Ubuntu 22.04 (up to 3.4.30) lack; the load then fails with a
/// misleading "doesn't contain a reference to libtorch-cpu" error. The only symbol of that version is
/// std::ios_base_library_init and nothing relocates against it, so marking that one requirement weak
/// (VER_FLG_WEAK) lets the library load. Only versions known to be safe are ever weakened.
/// </summary>
internal static class LibStdCxxCompatibility
{
    public const string LibraryFileName = "libLibTorchSharp.so";
    const string LibStdCxx = "libstdc++.so.6";

    /// <summary>Versions whose absence is harmless for libLibTorchSharp.so (see the class comment).</summary>
    public static readonly IReadOnlySet<string> SafeToWeaken = new HashSet<string> { "GLIBCXX_3.4.32" };

    /// <summary>
    /// Makes one library loadable against <paramref name="systemLibStdCxx"/> (the libstdc++.so.6 the loader
    /// will pick). Idempotent; the file is rewritten through a temporary file and a rename, so a crash never
    /// leaves half a library and a process that has the old file mapped keeps its copy.
    /// </summary>
    public static FixReport Fix(string libraryPath, ElfSymbolVersions systemLibStdCxx)
    {
        var library = ElfSymbolVersions.Read(libraryPath);
        var provided = systemLibStdCxx.Definitions.ToHashSet();
        var missing = library.Needs.Where(n => n.File == LibStdCxx && !provided.Contains(n.Version)).ToList();
        if (missing.Count == 0)
            return new FixReport(libraryPath, FixOutcome.NotNeeded, []);

        var unsafeToWeaken = missing.Where(n => !SafeToWeaken.Contains(n.Version)).Select(n => n.Version).ToList();
        if (unsafeToWeaken.Count > 0)
            throw new PlatformNotSupportedException(
                $"{libraryPath} needs {string.Join(", ", unsafeToWeaken)} from {LibStdCxx}, which {systemLibStdCxx.Path} does not provide " +
                "and which cannot safely be made optional. Install a newer libstdc++ (GCC 13 or later: Debian 13, Ubuntu 24.04) " +
                "or use the dev container (.devcontainer/).");

        var names = missing.Select(n => n.Version).ToList();
        var toPatch = missing.Where(n => !n.IsWeak).ToList();
        if (toPatch.Count == 0)
            return new FixReport(libraryPath, FixOutcome.AlreadyPatched, names);

        byte[] bytes = File.ReadAllBytes(libraryPath);
        foreach (var need in toPatch)
        {
            ushort flags = BitConverter.ToUInt16(bytes, (int)need.FlagsOffset);
            BitConverter.TryWriteBytes(bytes.AsSpan((int)need.FlagsOffset, 2), (ushort)(flags | ElfSymbolVersions.VerFlagWeak));
        }
        AtomicFile.WriteAllBytes(libraryPath, bytes);
        return new FixReport(libraryPath, FixOutcome.Patched, names);
    }

    /// <summary>
    /// Fixes every libLibTorchSharp.so under the given folders (missing folders are skipped). Does nothing
    /// off Linux, and reads but never writes the files when this system's libstdc++ is new enough.
    /// </summary>
    public static IReadOnlyList<FixReport> FixAll(IEnumerable<string> folders, string? systemLibStdCxxPath = null)
    {
        if (!OperatingSystem.IsLinux()) return [];
        systemLibStdCxxPath ??= FindSystemLibStdCxx();
        if (systemLibStdCxxPath is null) return [];
        var system = ElfSymbolVersions.Read(systemLibStdCxxPath);
        return folders.Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, LibraryFileName, SearchOption.AllDirectories))
            .Distinct()
            .Select(path => Fix(path, system))
            .ToList();
    }

    /// <summary>
    /// The folders a process can load libLibTorchSharp.so from: its own output folder and the TorchSharp
    /// packages of the NuGet cache, including the native copy TorchSharp makes for notebook kernels
    /// under torchsharp/VERSION/lib/net8.0/cpu/.
    /// </summary>
    public static IEnumerable<string> DefaultFolders()
    {
        yield return AppContext.BaseDirectory;
        yield return Path.Combine(NuGetPackagesFolder(), "torchsharp");
    }

    public static string NuGetPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>The libstdc++.so.6 the dynamic loader picks: LD_LIBRARY_PATH first, then the system folders.</summary>
    public static string? FindSystemLibStdCxx()
    {
        string arch = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "aarch64" : "x86_64";
        var folders = (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat([$"/usr/lib/{arch}-linux-gnu", $"/lib/{arch}-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib"]);
        return folders.Select(f => Path.Combine(f, LibStdCxx)).FirstOrDefault(File.Exists);
    }
}
