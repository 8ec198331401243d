using System.Diagnostics;

namespace ClassicCnn.Tests;

/// <summary>
/// Lets one test assembly of the repository run at a time. `dotnet test` on the solution starts each test assembly
/// as soon as it is built, so the unit tests and the notebook runs would share the cores of a small machine, and the
/// times the executed notebooks print (and the course website shows) would measure that contention instead of the
/// lesson. Each assembly holds a lock file for as long as its test process lives; the other waits for it.
/// </summary>
public static class TestAssemblyTurns
{
    /// <summary>Longer than the notebook tests take on a 2-core machine; after it a stuck holder no longer blocks the run.</summary>
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(60);

    /// <summary>A test assembly's turn: the lock file in the checkout's artifacts/ folder, held until the process exits.</summary>
    public static FileStream? TakeTurn(string repositoryRoot) => Take(Path.Combine(repositoryRoot, "artifacts", "test-assembly.lock"), Patience);

    /// <summary>
    /// Waits until no other holder has <paramref name="lockFile"/> (at most <paramref name="patience"/>) and returns it
    /// held, to keep for as long as the turn lasts; null when the patience ran out.
    /// </summary>
    public static FileStream? Take(string lockFile, TimeSpan patience)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(lockFile)!);
        var waited = Stopwatch.StartNew();
        FileStream? held;
        while ((held = TryHold(lockFile)) is null)
        {
            if (waited.Elapsed > patience)
            {
                Console.Error.WriteLine($"{lockFile}: still held by another test process after {patience.TotalSeconds:0} s; running alongside it.");
                return null;
            }
            Thread.Sleep(TimeSpan.FromMilliseconds(500));
        }
        return held;
    }

    /// <summary>The lock, held by this process, or null while another holder has it.</summary>
    public static FileStream? TryHold(string lockFile)
    {
        try
        {
            return new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
