namespace ClassicCnn.Tool;

/// <summary>
/// .NET Interactive keeps the result of every `#r "nuget: ..."` restore under ~/.packagemanagement/nuget/Cache,
/// keyed by the reference text; a floating "*-*" would keep resolving to the version cached there.
/// Clearing the entries that mention the package makes the next kernel resolve it again.
/// </summary>
public static class KernelPackageCache
{
    public static string DefaultFolder =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".packagemanagement", "nuget", "Cache");

    public static IReadOnlyList<string> ClearStale(string packageId, string? folder = null)
    {
        folder ??= DefaultFolder;
        if (!Directory.Exists(folder)) return [];
        var cleared = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder))
        {
            if (!Mentions(entry, packageId)) continue;
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
            cleared.Add(entry);
        }
        return cleared;
    }

    static bool Mentions(string entry, string packageId)
    {
        var files = Directory.Exists(entry)
            ? Directory.EnumerateFiles(entry, "*", SearchOption.AllDirectories)
            : [entry];
        return files.Where(f => new FileInfo(f).Length < 4_000_000)
            .Any(f => File.ReadAllText(f).Contains(packageId, StringComparison.OrdinalIgnoreCase));
    }
}
