using ClassicCnn.Platform;

namespace ClassicCnn.Tests;

public class LibStdCxxCompatibilityTests
{
    static readonly ElfSymbolVersions OldLibStdCxx = ElfSymbolVersions.Parse("debian12/libstdc++.so.6", ElfFixture.Defining("GLIBCXX_3.4", "GLIBCXX_3.4.29", "GLIBCXX_3.4.30"));
    static readonly ElfSymbolVersions NewLibStdCxx = ElfSymbolVersions.Parse("ubuntu24/libstdc++.so.6", ElfFixture.Defining("GLIBCXX_3.4", "GLIBCXX_3.4.30", "GLIBCXX_3.4.32", "GLIBCXX_3.4.33"));

    static byte[] TorchSharpLike() => ElfFixture.Needing("libstdc++.so.6", ("GLIBCXX_3.4.30", 0), ("GLIBCXX_3.4.32", 0), ("GLIBCXX_3.4", 0));

    [Fact]
    public void Reads_needed_and_defined_versions()
    {
        var library = ElfSymbolVersions.Parse("lib.so", TorchSharpLike());
        Assert.Equal(["GLIBCXX_3.4.30", "GLIBCXX_3.4.32", "GLIBCXX_3.4"], library.Needs.Select(n => n.Version));
        Assert.All(library.Needs, n => Assert.Equal("libstdc++.so.6", n.File));
        Assert.All(library.Needs, n => Assert.False(n.IsWeak));
        Assert.Equal(["GLIBCXX_3.4", "GLIBCXX_3.4.29", "GLIBCXX_3.4.30"], OldLibStdCxx.Definitions);
    }

    [Fact]
    public void Patches_once_then_changes_nothing()
    {
        using var temp = new TempFolder();
        string path = temp.File(LibStdCxxCompatibility.LibraryFileName);
        byte[] original = TorchSharpLike();
        File.WriteAllBytes(path, original);

        var first = LibStdCxxCompatibility.Fix(path, OldLibStdCxx);
        Assert.Equal(FixOutcome.Patched, first.Outcome);
        Assert.Equal(["GLIBCXX_3.4.32"], first.MissingVersions);
        Assert.Equal("applied now: GLIBCXX_3.4.32 marked weak, so it loads with this system's libstdc++", first.Summary); // 00-setup's row
        byte[] patched = File.ReadAllBytes(path);
        var needs = ElfSymbolVersions.Read(path).Needs;
        Assert.True(needs.Single(n => n.Version == "GLIBCXX_3.4.32").IsWeak);
        Assert.All(needs.Where(n => n.Version != "GLIBCXX_3.4.32"), n => Assert.False(n.IsWeak));
        // Exactly one byte differs: the weak bit of that one vna_flags field.
        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.Single(changed);
        Assert.Equal(0x2, patched[changed[0]] ^ original[changed[0]]);

        var stamp = File.GetLastWriteTimeUtc(path);
        var second = LibStdCxxCompatibility.Fix(path, OldLibStdCxx);
        Assert.Equal(FixOutcome.AlreadyPatched, second.Outcome);
        Assert.Equal("applied by an earlier run, so it loads with this system's libstdc++", second.Summary);
        Assert.Equal(patched, File.ReadAllBytes(path));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void Leaves_the_file_alone_when_the_system_libstdcxx_is_new_enough()
    {
        using var temp = new TempFolder();
        string path = temp.File(LibStdCxxCompatibility.LibraryFileName);
        byte[] original = TorchSharpLike();
        File.WriteAllBytes(path, original);
        var stamp = File.GetLastWriteTimeUtc(path);

        var report = LibStdCxxCompatibility.Fix(path, NewLibStdCxx);
        Assert.Equal(FixOutcome.NotNeeded, report.Outcome);
        Assert.Equal("not needed", report.Summary);
        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void FixAll_patches_every_copy_under_the_folders_and_skips_missing_folders()
    {
        using var temp = new TempFolder();
        string libstdcxx = temp.File("libstdc++.so.6");
        File.WriteAllBytes(libstdcxx, ElfFixture.Defining("GLIBCXX_3.4", "GLIBCXX_3.4.30"));
        string package = Path.Combine(temp.Path, "torchsharp", "0.107.0");
        string[] copies =
        [
            Path.Combine(package, "runtimes", "linux-x64", "native", LibStdCxxCompatibility.LibraryFileName),
            Path.Combine(package, "lib", "net8.0", "cpu", LibStdCxxCompatibility.LibraryFileName),
        ];
        foreach (var copy in copies)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.WriteAllBytes(copy, TorchSharpLike());
        }
        string unrelated = Path.Combine(package, "lib", "net8.0", "cpu", "libtorch_cpu.so");
        File.WriteAllBytes(unrelated, ElfFixture.Needing("libstdc++.so.6", ("GLIBCXX_3.4.32", 0)));
        byte[] unrelatedBefore = File.ReadAllBytes(unrelated);

        var reports = LibStdCxxCompatibility.FixAll([Path.Combine(temp.Path, "torchsharp"), temp.File("missing")], libstdcxx);

        if (!OperatingSystem.IsLinux()) { Assert.Empty(reports); return; }
        Assert.Equal(copies.Order(), reports.Select(r => r.Path).Order());
        Assert.All(reports, r => Assert.Equal(FixOutcome.Patched, r.Outcome));
        Assert.Equal(unrelatedBefore, File.ReadAllBytes(unrelated));
        Assert.All(LibStdCxxCompatibility.FixAll([Path.Combine(temp.Path, "torchsharp")], libstdcxx), r => Assert.Equal(FixOutcome.AlreadyPatched, r.Outcome));
    }

    [Fact]
    public void A_file_that_is_not_elf_gives_a_clear_error()
    {
        using var temp = new TempFolder();
        string path = temp.File(LibStdCxxCompatibility.LibraryFileName);
        File.WriteAllText(path, "<html>404 Not Found</html>");
        var error = Assert.Throws<InvalidDataException>(() => LibStdCxxCompatibility.Fix(path, OldLibStdCxx));
        Assert.Contains(path, error.Message);
        Assert.Contains("not an ELF file", error.Message);
    }

    [Fact]
    public void A_truncated_elf_file_gives_a_clear_error()
    {
        byte[] bytes = TorchSharpLike()[..100];
        var error = Assert.Throws<InvalidDataException>(() => ElfSymbolVersions.Parse("cut.so", bytes));
        Assert.StartsWith("cut.so: corrupt or truncated ELF file", error.Message);
    }

    [Fact]
    public void A_missing_version_that_is_not_known_to_be_safe_is_refused_with_advice()
    {
        using var temp = new TempFolder();
        string path = temp.File(LibStdCxxCompatibility.LibraryFileName);
        File.WriteAllBytes(path, ElfFixture.Needing("libstdc++.so.6", ("GLIBCXX_3.4.31", 0), ("GLIBCXX_3.4.32", 0)));
        byte[] before = File.ReadAllBytes(path);
        var error = Assert.Throws<PlatformNotSupportedException>(() => LibStdCxxCompatibility.Fix(path, OldLibStdCxx));
        Assert.Contains("GLIBCXX_3.4.31", error.Message);
        Assert.Contains("newer libstdc++", error.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void The_real_libLibTorchSharp_loads_after_the_fix()
    {
        // The copy in this test's output folder was prepared by the library's module initializer; a tensor op proves it loads.
        using var ones = TorchSharp.torch.ones(3);
        Assert.Equal(3f, ones.sum().item<float>());
        if (OperatingSystem.IsLinux() && LibStdCxxCompatibility.FindSystemLibStdCxx() is { } system &&
            !ElfSymbolVersions.Read(system).Definitions.Contains("GLIBCXX_3.4.32"))
        {
            string bin = Path.Combine(AppContext.BaseDirectory, LibStdCxxCompatibility.LibraryFileName);
            string loaded = File.Exists(bin) ? bin : Directory.EnumerateFiles(AppContext.BaseDirectory, LibStdCxxCompatibility.LibraryFileName, SearchOption.AllDirectories).First();
            Assert.True(ElfSymbolVersions.Read(loaded).Needs.Single(n => n.Version == "GLIBCXX_3.4.32").IsWeak);
        }
    }
}
