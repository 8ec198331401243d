namespace ClassicCnn.Platform;

/// <summary>Where the library finds its checkout and keeps what it writes: in the checkout when it runs inside one, else under ~/.classiccnn.</summary>
internal static class ProjectFolders
{
    public const string SolutionFile = "ClassicCnnNotebooks.sln";

    /// <summary>The checkout holding <paramref name="start"/>, else the current folder (a notebook kernel runs in notebooks/), else this program's folder; null outside one.</summary>
    public static string? RepositoryRoot(string? start = null)
    {
        foreach (var from in new[] { start, Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = from is null ? null : new DirectoryInfo(from); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
                    return dir.FullName;
        return null;
    }

    /// <summary>The checkout's <paramref name="inCheckout"/> folder, or ~/.classiccnn/<paramref name="inHome"/> outside a checkout.</summary>
    public static string CheckoutOrHome(string inCheckout, string inHome) =>
        RepositoryRoot() is { } repo ? Path.Combine(repo, inCheckout) : InHome(inHome);

    /// <summary>~/.classiccnn/<paramref name="relative"/>: where the library keeps what it writes outside a checkout.</summary>
    public static string InHome(string relative) =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".classiccnn", relative);
}
