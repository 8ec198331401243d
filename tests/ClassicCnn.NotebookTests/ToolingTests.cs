using System.Xml.Linq;
using ClassicCnn.Tool;

namespace ClassicCnn.NotebookTests;

[Collection(SeriesCollection.Name)]
public class ToolingTests
{
    [Fact]
    public void The_feed_is_registered_once_and_kept_enabled()
    {
        using var temp = new TempFolder();
        string config = temp.File("NuGet.Config");
        File.WriteAllText(config, """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><add key="nuget.org" value="https://api.nuget.org/v3/index.json" /></packageSources>
              <disabledPackageSources><add key="ClassicCnnLocal" value="true" /></disabledPackageSources>
            </configuration>
            """);

        Assert.True(NuGetUserConfig.EnsureSource("ClassicCnnLocal", "/repo/artifacts/feed", config));
        Assert.False(NuGetUserConfig.EnsureSource("ClassicCnnLocal", "/repo/artifacts/feed", config));
        Assert.True(NuGetUserConfig.EnsureSource("ClassicCnnLocal", "/other/artifacts/feed", config));

        var document = XDocument.Load(config);
        var sources = document.Root!.Element("packageSources")!.Elements("add").ToList();
        Assert.Equal(["nuget.org", "ClassicCnnLocal"], sources.Select(s => (string?)s.Attribute("key")));
        Assert.Equal("/other/artifacts/feed", (string?)sources[1].Attribute("value"));
        Assert.Empty(document.Root.Element("disabledPackageSources")!.Elements());

        // Switched off after it was registered (dotnet nuget disable source): the set-up switches it on again.
        document.Root.Element("disabledPackageSources")!.Add(new XElement("add", new XAttribute("key", "ClassicCnnLocal"), new XAttribute("value", "true")));
        document.Save(config);
        Assert.True(NuGetUserConfig.EnsureSource("ClassicCnnLocal", "/other/artifacts/feed", config));
        Assert.Empty(XDocument.Load(config).Root!.Element("disabledPackageSources")!.Elements());
    }

    [Fact]
    public void A_missing_user_config_is_created_and_a_broken_one_is_named()
    {
        using var temp = new TempFolder();
        string config = Path.Combine(temp.Path, "NuGet", "NuGet.Config");
        Assert.True(NuGetUserConfig.EnsureSource("ClassicCnnLocal", "/feed", config));
        Assert.Equal("/feed", (string?)XDocument.Load(config).Root!.Element("packageSources")!.Element("add")!.Attribute("value"));

        File.WriteAllText(config, "<configuration><packageSources>");
        var error = Assert.Throws<InvalidDataException>(() => NuGetUserConfig.EnsureSource("ClassicCnnLocal", "/feed", config));
        Assert.Contains(config, error.Message);
        Assert.Contains("not valid XML", error.Message);
    }

    [SkippableFact]
    public void A_user_level_feed_left_pointing_at_a_deleted_clone_does_not_break_this_repository_s_restore()
    {
        Skip.If(OperatingSystem.IsWindows(), "The user-level NuGet config lives under HOME only on Linux and macOS.");
        var repository = Repository.Find(AppContext.BaseDirectory);
        using var home = new TempFolder();
        string gone = Path.Combine(home.Path, "deleted-clone", "artifacts", "feed");
        Directory.CreateDirectory(Path.Combine(home.Path, ".nuget", "NuGet"));
        File.WriteAllText(Path.Combine(home.Path, ".nuget", "NuGet", "NuGet.Config"), $"""
            <configuration><packageSources>
              <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              <add key="ClassicCnnLocal" value="{gone}" />
            </packageSources></configuration>
            """);
        ChildResult Restore(string project) => ChildProcess.Run("dotnet", ["restore", project], home.Path, environment: new Dictionary<string, string>
        {
            ["HOME"] = home.Path,
            ["NUGET_PACKAGES"] = ClassicCnn.Platform.LibStdCxxCompatibility.NuGetPackagesFolder(), // the real cache: nothing to download
        });

        // Outside the repository the stale source breaks a restore, which is what a learner who deleted a clone meets...
        string outside = Path.Combine(home.Path, "other", "Other.csproj");
        Directory.CreateDirectory(Path.GetDirectoryName(outside)!);
        File.WriteAllText(outside, """
            <Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <ItemGroup><PackageReference Include="ClassicCnn" Version="*-*" /></ItemGroup></Project>
            """);
        var other = Restore(outside);
        Assert.NotEqual(0, other.ExitCode);
        Assert.Contains("NU1301", other.Output);

        // ...and the repository's nuget.config keeps its own projects restoring.
        var ours = Restore(Path.Combine(repository.Root, "ClassicCnnNotebooks.sln")); // what the README's `dotnet test` restores first
        Assert.True(ours.ExitCode == 0, ours.Output);
    }

    [Fact]
    public void The_library_packs_with_its_kernel_extension_from_sources_never_restored()
    {
        // What the set-up meets on a fresh clone: no obj/ folders, so nothing restored the kernel extension yet.
        var repository = Repository.Find(AppContext.BaseDirectory);
        using var clone = new TempFolder();
        foreach (var project in new[] { "ClassicCnn", "ClassicCnn.Interactive" })
        {
            string from = Path.Combine(repository.Root, "lib", project);
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories)
                         .Where(f => !Path.GetRelativePath(from, f).Split('/', '\\').Any(part => part is "bin" or "obj")))
            {
                string to = Path.Combine(clone.Path, "lib", project, Path.GetRelativePath(from, file));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to);
            }
        }
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "nuget.config" })
            File.Copy(Path.Combine(repository.Root, file), Path.Combine(clone.Path, file));

        var pack = ChildProcess.Run("dotnet", ["pack", Path.Combine("lib", "ClassicCnn"), "-c", "Release", "-o", "feed", "-p:Version=0.1.0-fresh"],
            clone.Path, environment: new Dictionary<string, string> { ["NUGET_PACKAGES"] = ClassicCnn.Platform.LibStdCxxCompatibility.NuGetPackagesFolder() });
        Assert.True(pack.ExitCode == 0, pack.Output);
        using var package = System.IO.Compression.ZipFile.OpenRead(Path.Combine(clone.Path, "feed", "ClassicCnn.0.1.0-fresh.nupkg"));
        var entries = package.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("lib/net10.0/ClassicCnn.dll", entries);
        Assert.Contains("interactive-extensions/dotnet/ClassicCnn.Interactive.dll", entries);
    }

    [Fact]
    public void Every_pack_gets_a_version_above_all_that_the_feed_holds()
    {
        // A checkout of its own: the base version from the library's project file, and a feed holding a pack from the future.
        using var temp = new TempFolder();
        File.WriteAllText(temp.File(ClassicCnn.Platform.ProjectFolders.SolutionFile), "");
        Directory.CreateDirectory(Path.Combine(temp.Path, "lib", "ClassicCnn"));
        File.WriteAllText(Path.Combine(temp.Path, "lib", "ClassicCnn", "ClassicCnn.csproj"), "<Project><PropertyGroup><Version>0.3.0</Version></PropertyGroup></Project>");
        var feed = new LocalPackageFeed(new Repository(temp.Path));
        Assert.Matches(@"^0\.3\.0-local\.\d{14}$", feed.NextVersion()); // an empty feed: the time stamp
        Directory.CreateDirectory(Path.Combine(temp.Path, "artifacts", "feed"));
        File.WriteAllText(Path.Combine(temp.Path, "artifacts", "feed", "ClassicCnn.0.3.0-local.99991231235959.nupkg"), "");
        Assert.Equal("0.3.0-local.99991231235960", feed.NextVersion());
    }

    [Fact]
    public void Any_change_to_the_library_sources_changes_the_fingerprint_that_decides_a_new_pack()
    {
        var repository = Repository.Find(AppContext.BaseDirectory);
        var feed = new LocalPackageFeed(repository);
        string before = feed.SourceFingerprint();
        Assert.Equal(before, feed.SourceFingerprint());
        string probe = Path.Combine(repository.Library, $"FingerprintProbe{Environment.ProcessId}.cs");
        try
        {
            File.WriteAllText(probe, "// a change");
            Assert.NotEqual(before, feed.SourceFingerprint());
        }
        finally
        {
            File.Delete(probe);
        }
        Assert.Equal(before, feed.SourceFingerprint());
    }

    [Fact]
    public void Only_kernel_cache_entries_that_mention_the_package_are_cleared()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("a1"));
        File.WriteAllText(Path.Combine(temp.File("a1"), "restore.fsx"), "#r \"nuget: ClassicCnn, 0.1.0-*\"");
        Directory.CreateDirectory(temp.File("b2"));
        File.WriteAllText(Path.Combine(temp.File("b2"), "restore.fsx"), "#r \"nuget: Plotly.NET, 6.0.0\"");

        var cleared = KernelPackageCache.ClearStale("ClassicCnn", temp.Path);
        Assert.Equal([temp.File("a1")], cleared);
        Assert.False(Directory.Exists(temp.File("a1")));
        Assert.True(Directory.Exists(temp.File("b2")));
        Assert.Empty(KernelPackageCache.ClearStale("ClassicCnn", temp.File("missing")));
    }
}
