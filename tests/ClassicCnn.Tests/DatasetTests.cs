using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using ClassicCnn.Data;
using ClassicCnn.Platform;

namespace ClassicCnn.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    /// <summary>Runs alone: its tests set environment variables or rely on libtorch's process-wide random generator.</summary>
    public const string Name = "tests that must not run beside others";
}

[Collection(EnvironmentCollection.Name)]
public class DatasetLocatorTests
{
    static void Fill(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var name in DatasetInfo.FileNames) File.WriteAllBytes(Path.Combine(folder, name + ".gz"), [1]);
    }

    [Fact]
    public void Looks_in_the_given_folder_then_the_variable_then_the_repository_then_the_system()
    {
        using var temp = new TempFolder();
        string given = temp.File("given"), variableRoot = temp.File("env"), repo = temp.File("repo");
        Fill(given);
        Fill(Path.Combine(variableRoot, "mnist"));
        Fill(Path.Combine(repo, "data", "mnist"));
        string? saved = Environment.GetEnvironmentVariable(EnvironmentVariables.Data);
        try
        {
            Environment.SetEnvironmentVariable(EnvironmentVariables.Data, variableRoot);
            Assert.Equal("the folder given", DatasetLocator.Find(Datasets.Mnist, given, repo)!.FoundBy);
            Assert.StartsWith(EnvironmentVariables.Data, DatasetLocator.Find(Datasets.Mnist, null, repo)!.FoundBy);
            Environment.SetEnvironmentVariable(EnvironmentVariables.Data, null);
            Assert.Equal(Path.Combine(repo, "data", "mnist"), DatasetLocator.Find(Datasets.Mnist, null, repo)!.Folder);
            Directory.Delete(Path.Combine(repo, "data"), recursive: true);
            Assert.Null(DatasetLocator.Find(Datasets.Mnist, temp.File("empty"), repo));

            var error = Assert.Throws<FileNotFoundException>(() => DatasetLocator.Locate(Datasets.Mnist, temp.File("empty"), repo));
            Assert.Contains("MNIST was not found. Looked in:", error.Message);
            Assert.Contains(temp.File("empty"), error.Message);
            Assert.Contains(Path.Combine(repo, "data", "mnist"), error.Message);
            Assert.Contains("/usr/share/datasets/mnist", error.Message);
            Assert.Contains("ossci-datasets", error.Message);
            Assert.Contains("CLASSICCNN_DATA", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(EnvironmentVariables.Data, saved);
        }
    }

    [Fact]
    public void Downloads_go_to_the_first_place_the_lookup_looks_so_the_next_lookup_finds_them()
    {
        string? saved = Environment.GetEnvironmentVariable(EnvironmentVariables.Data);
        try
        {
            Environment.SetEnvironmentVariable(EnvironmentVariables.Data, null);
            Assert.Equal(Path.Combine(ProjectFolders.RepositoryRoot()!, "data", "fashion-mnist"), DatasetDownloader.DefaultTarget(Datasets.FashionMnist));
            using var temp = new TempFolder();
            Environment.SetEnvironmentVariable(EnvironmentVariables.Data, temp.Path);
            string target = DatasetDownloader.DefaultTarget(Datasets.FashionMnist);
            Assert.Equal(Path.Combine(temp.Path, "fashion-mnist"), target);
            Fill(target); // what a download leaves there is what the next lookup finds, before any other place
            Assert.Equal(target, DatasetLocator.Find(Datasets.FashionMnist)!.Folder);
        }
        finally
        {
            Environment.SetEnvironmentVariable(EnvironmentVariables.Data, saved);
        }
    }

    [Fact]
    public void The_system_folder_can_be_replaced_by_a_variable()
    {
        using var temp = new TempFolder();
        Fill(temp.File(Path.Combine("system", "mnist")));
        string? saved = Environment.GetEnvironmentVariable(EnvironmentVariables.SystemData);
        try
        {
            Environment.SetEnvironmentVariable(EnvironmentVariables.SystemData, temp.File("system"));
            var found = DatasetLocator.Find(Datasets.Mnist, temp.File("empty"), temp.File("no-repo"));
            Assert.Equal(temp.File(Path.Combine("system", "mnist")), found?.Folder);
            Assert.StartsWith("the system dataset folder", found?.FoundBy);
            Assert.DoesNotContain("/usr/share/datasets", DatasetLocator.NotFoundMessage(Datasets.FashionMnist, temp.File("empty"), temp.File("no-repo")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(EnvironmentVariables.SystemData, saved);
        }
    }

    [Fact]
    public void The_recorded_checksums_are_those_of_the_Fashion_MNIST_found_here()
    {
        // Debian's package compresses the files again, so this also shows why the content, not the .gz, is checked.
        var found = DatasetLocator.Locate(Datasets.FashionMnist);
        foreach (var name in DatasetInfo.FileNames)
        {
            string path = found.FileOf(name);
            string md5 = path.EndsWith(".gz") ? DatasetDownloader.ContentMd5(path)
                : Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(File.ReadAllBytes(path)));
            Assert.Equal(Datasets.FashionMnist.Md5[name], md5);
        }
    }

    [Theory]
    [InlineData("Fashion-MNIST", 0.00005)] // the whole training set: the recorded figures are its own, rounded
    [InlineData("MNIST", 0.003)]           // the bundled 7,996-digit sample: close to the whole set's 0.1307 and 0.3081
    public void The_recorded_pixel_statistics_are_those_of_the_training_images(string name, double tolerance)
    {
        var info = name == "MNIST" ? Datasets.Mnist : Datasets.FashionMnist;
        var location = DatasetLocator.Locate(info);
        var pixels = Idx.Read(location.FileOf(DatasetInfo.TrainImages), expectedDimensions: 3).Data;
        // Plain float64 sums over the bytes, independent of libtorch.
        double sum = 0, squares = 0;
        foreach (byte b in pixels) { double v = b / 255.0; sum += v; squares += v * v; }
        double mean = sum / pixels.Length, std = Math.Sqrt(squares / pixels.Length - mean * mean);
        var (recordedMean, recordedStd) = info.PixelStatistics!.Value;
        Assert.InRange(mean, recordedMean - tolerance, recordedMean + tolerance);
        Assert.InRange(std, recordedStd - tolerance, recordedStd + tolerance);
    }

    [Fact]
    public void Fashion_mnist_names_its_debian_package_when_missing()
    {
        using var temp = new TempFolder();
        string message = DatasetLocator.NotFoundMessage(Datasets.FashionMnist, temp.Path, temp.Path);
        Assert.Contains("apt-get install dataset-fashion-mnist", message);
    }
}

[Collection(EnvironmentCollection.Name)]
public class ProfileDatasetTests
{
    [Fact]
    public void The_full_profile_trains_the_LeNets_on_the_whole_MNIST_kept_apart_from_the_bundled_sample()
    {
        var quick = ClassicCnn.Training.TrainingProfile.Quick;
        var full = ClassicCnn.Training.TrainingProfile.Full;
        Assert.Equal("mnist", ClassicCnn.Training.Recipes.LeNet5(quick).Dataset.FolderName);
        Assert.Equal("mnist", ClassicCnn.Training.Recipes.LeNet(profile: quick).Dataset.FolderName);
        Assert.Equal("mnist-full", ClassicCnn.Training.Recipes.LeNet5(full).Dataset.FolderName);
        Assert.Equal("mnist-full", ClassicCnn.Training.Recipes.LeNet(profile: full).Dataset.FolderName);
        // The same files from the same host, checked against the same checksums.
        Assert.Equal(Datasets.Mnist.Md5, Datasets.MnistFull.Md5);
        Assert.Equal(Datasets.Mnist.DownloadBase, Datasets.MnistFull.DownloadBase);
    }

    [Fact]
    public void The_profile_table_gives_the_MNIST_split_that_each_profile_trains_on()
    {
        static string MnistRow(ClassicCnn.Training.TrainingProfile profile) =>
            profile.Describe().Rows.Single(r => r[0] == "MNIST examples")[1];
        string? saved = Environment.GetEnvironmentVariable(EnvironmentVariables.Data);
        Environment.SetEnvironmentVariable(EnvironmentVariables.Data, null); // the repository's copy, whatever this machine sets
        try
        {
            // The quick profile's figures are those of the bundled files, read from their headers.
            var sample = DatasetLocator.Locate(Datasets.Mnist);
            int train = Idx.Read(sample.FileOf(DatasetInfo.TrainImages), expectedDimensions: 3).Count;
            int test = Idx.Read(sample.FileOf(DatasetInfo.TestImages), expectedDimensions: 3).Count;
            Assert.Equal($"the bundled sample: {train:N0} train / {test:N0} test", MnistRow(ClassicCnn.Training.TrainingProfile.Quick));
            Assert.Equal("all 60,000 / 10,000", MnistRow(ClassicCnn.Training.TrainingProfile.Full));

            // Another copy named by CLASSICCNN_DATA comes first, and the row counts what it holds.
            using var temp = new TempFolder();
            string other = Path.Combine(temp.Path, "mnist");
            Directory.CreateDirectory(other);
            foreach (var (name, count) in new[] { (DatasetInfo.TrainLabels, 3), (DatasetInfo.TestLabels, 2) })
                Idx.Write(Path.Combine(other, name), [count], new byte[count]);
            foreach (var (name, count) in new[] { (DatasetInfo.TrainImages, 3), (DatasetInfo.TestImages, 2) })
                Idx.Write(Path.Combine(other, name), [count, 28, 28], new byte[count * 28 * 28]);
            Environment.SetEnvironmentVariable(EnvironmentVariables.Data, temp.Path);
            Assert.Equal($"3 train / 2 test, from {other}", MnistRow(ClassicCnn.Training.TrainingProfile.Quick));
        }
        finally
        {
            Environment.SetEnvironmentVariable(EnvironmentVariables.Data, saved);
        }
    }
}

/// <summary>The download code against a server on 127.0.0.1 serving fixture files.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class DownloadTests : IDisposable
{
    readonly HttpListener listener = new();
    readonly string prefix;
    readonly Dictionary<string, byte[]> files = [];
    volatile string mode = "ok";
    int requests, cuts;

    public DownloadTests()
    {
        int port = Random.Shared.Next(20_000, 60_000);
        prefix = $"http://127.0.0.1:{port}/";
        listener.Prefixes.Add(prefix);
        listener.Start();
        _ = Task.Run(Serve);
        foreach (var name in DatasetInfo.FileNames) files[name + ".gz"] = Gzip(Content(name), CompressionLevel.Fastest);
    }

    static byte[] Content(string name) => Enumerable.Range(0, 3000).Select(i => (byte)(i * name.Length)).ToArray();

    static byte[] Gzip(byte[] content, CompressionLevel level)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, level)) gzip.Write(content);
        return buffer.ToArray();
    }

    async Task Serve()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync(); } catch { return; }
            Interlocked.Increment(ref requests);
            // The files answer at the root and, as on a mirror, under the fixture's folder name.
            string name = context.Request.Url!.AbsolutePath.TrimStart('/').Replace("download-fixture/", "");
            if (!files.TryGetValue(name, out var body)) { context.Response.StatusCode = 404; context.Response.Close(); continue; }
            if (mode == "web page")
            {
                context.Response.ContentType = "text/html; charset=utf-8";
                body = "<!DOCTYPE html><html><body>Sign in to use this network</body></html>"u8.ToArray();
            }
            if (mode == "corrupt") body = body.Reverse().ToArray();
            if (mode == "compressed again") body = Gzip(Content(name.Replace(".gz", "")), CompressionLevel.SmallestSize);
            context.Response.ContentLength64 = body.Length;
            if (mode == "interrupted" || mode == "cut once" && Interlocked.Increment(ref cuts) == 1)
            {
                await context.Response.OutputStream.WriteAsync(body.AsMemory(0, body.Length / 2));
                context.Response.Abort();
                continue;
            }
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    DatasetInfo Fixture => Datasets.Mnist with
    {
        FolderName = "download-fixture", // found nowhere, so the lookup falls through to the download
        DownloadBase = prefix,
        Md5 = DatasetInfo.FileNames.ToDictionary(name => name, name => Convert.ToHexStringLower(MD5.HashData(Content(name)))),
    };

    [Fact]
    public void Downloads_every_file_and_checks_it()
    {
        using var temp = new TempFolder();
        var lines = new List<string>();
        DatasetDownloader.Download(Fixture, temp.Path, progress: lines.Add);
        foreach (var (name, body) in files) Assert.Equal(body, File.ReadAllBytes(temp.File(name)));
        Assert.Contains(lines, l => l.Contains("100% of"));
        Assert.Empty(Directory.EnumerateFiles(temp.Path, "*.tmp"));

        int before = requests;
        DatasetDownloader.Download(Fixture, temp.Path, progress: lines.Add); // complete and correct: nothing fetched
        Assert.Equal(before, requests);
    }

    [Fact]
    public void A_bad_checksum_fails_after_retries_and_leaves_no_file()
    {
        using var temp = new TempFolder();
        mode = "corrupt";
        var error = Assert.Throws<IOException>(() => DatasetDownloader.Download(Fixture, temp.Path, progress: _ => { }));
        Assert.Contains("does not match the expected", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
        Assert.Equal(DatasetDownloader.Retries, requests);
    }

    [Fact]
    public void A_web_page_served_instead_of_the_file_is_named_as_such_and_leaves_no_file()
    {
        using var temp = new TempFolder();
        mode = "web page";
        var error = Assert.Throws<IOException>(() => DatasetDownloader.Download(Fixture, temp.Path, progress: _ => { }));
        Assert.StartsWith($"{prefix}{DatasetInfo.TrainImages}.gz answered with a web page (text/html) instead of the gzip file", error.Message);
        Assert.Contains(EnvironmentVariables.DataMirror, error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Fact]
    public void A_copy_compressed_again_is_accepted_because_its_content_is_what_is_checked()
    {
        // Debian's dataset-fashion-mnist holds the official content in .gz files of other bytes; a classroom mirror
        // made from it must pass.
        using var temp = new TempFolder();
        mode = "compressed again";
        DatasetDownloader.Download(Fixture, temp.Path, progress: _ => { });
        foreach (var (name, body) in files)
        {
            Assert.NotEqual(body, File.ReadAllBytes(temp.File(name)));
            Assert.Equal(Fixture.Md5[name.Replace(".gz", "")], DatasetDownloader.ContentMd5(temp.File(name)));
        }
    }

    [Fact]
    public void An_interrupted_transfer_leaves_no_partial_file()
    {
        using var temp = new TempFolder();
        mode = "interrupted";
        var error = Assert.Throws<IOException>(() => DatasetDownloader.Download(Fixture, temp.Path, progress: _ => { }));
        Assert.Contains(DatasetInfo.TrainImages + ".gz", error.Message);
        Assert.Contains($"(after {DatasetDownloader.Retries} attempts)", error.Message);
        Assert.Equal(DatasetDownloader.Retries, requests);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Fact]
    public void A_transfer_cut_once_is_retried_and_completes()
    {
        using var temp = new TempFolder();
        mode = "cut once";
        var lines = new List<string>();
        DatasetDownloader.Download(Fixture, temp.Path, progress: lines.Add);
        foreach (var (name, body) in files) Assert.Equal(body, File.ReadAllBytes(temp.File(name)));
        Assert.Contains(lines, l => l.Contains("attempt 1 failed") && l.Contains("retrying"));
        Assert.Equal(files.Count + 1, requests);
    }

    [Fact]
    public void The_set_up_step_fills_the_data_folder_the_lookup_uses_and_offline_says_what_is_missing()
    {
        using var temp = new TempFolder();
        string? saved = Environment.GetEnvironmentVariable(EnvironmentVariables.Data);
        Environment.SetEnvironmentVariable(EnvironmentVariables.Data, temp.Path);
        try
        {
            Assert.Null(DatasetLocator.Find(Fixture));
            var lines = new List<string>();
            string report = DatasetDownloader.Ensure(Fixture, progress: lines.Add);
            string folder = Path.Combine(temp.Path, Fixture.FolderName);
            Assert.Equal($"MNIST: downloaded into {folder}", report);
            Assert.Contains(lines, l => l.Contains("100% of"));
            var found = DatasetLocator.Find(Fixture);
            Assert.Equal(folder, found?.Folder);
            Assert.Equal($"{EnvironmentVariables.Data}={temp.Path}", found?.FoundBy);
            Assert.Equal($"MNIST: found in {folder} ({EnvironmentVariables.Data}={temp.Path})", DatasetDownloader.Ensure(Fixture));

            var offline = Fixture with { FolderName = "offline-fixture", DownloadBase = "http://127.0.0.1:9/" };
            string missing = DatasetDownloader.Ensure(offline, progress: _ => { });
            Assert.StartsWith("MNIST: MISSING. MNIST was not found. Looked in:", missing);
            Assert.Contains("download them from http://127.0.0.1:9/", missing);
            Assert.False(Directory.Exists(Path.Combine(temp.Path, "offline-fixture")) && Directory.EnumerateFiles(Path.Combine(temp.Path, "offline-fixture")).Any());
        }
        finally
        {
            Environment.SetEnvironmentVariable(EnvironmentVariables.Data, saved);
        }
    }

    [Fact]
    public void A_mirror_serves_every_dataset_from_its_folder_name()
    {
        string? saved = Environment.GetEnvironmentVariable(EnvironmentVariables.DataMirror);
        try
        {
            Environment.SetEnvironmentVariable(EnvironmentVariables.DataMirror, null);
            Assert.Equal(new Uri(Datasets.FashionMnist.DownloadBase), DatasetDownloader.Source(Datasets.FashionMnist));
            Environment.SetEnvironmentVariable(EnvironmentVariables.DataMirror, prefix.TrimEnd('/'));
            Assert.Equal(new Uri(prefix + "download-fixture/"), DatasetDownloader.Source(Fixture));
            Assert.Equal(new Uri(prefix + "mnist-full/"), DatasetDownloader.Source(Datasets.MnistFull));
            using var temp = new TempFolder();
            int before = requests;
            DatasetDownloader.Download(Fixture with { DownloadBase = "http://127.0.0.1:9/" }, temp.Path, progress: _ => { });
            Assert.Equal(before + 4, requests);
            foreach (var name in DatasetInfo.FileNames) Assert.True(File.Exists(temp.File(name + ".gz")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(EnvironmentVariables.DataMirror, saved);
        }
    }

    [Fact]
    public void Offline_and_not_found_gives_one_error_with_the_places_and_the_failure()
    {
        using var temp = new TempFolder();
        var offline = Fixture with { DownloadBase = "http://127.0.0.1:9/" };
        var error = Assert.Throws<FileNotFoundException>(() => DatasetDownloader.LocateOrDownload(offline, temp.File("target"), progress: _ => { }));
        Assert.Contains("MNIST was not found. Looked in:", error.Message);
        Assert.Contains("The download into", error.Message);
        Assert.False(File.Exists(Path.Combine(temp.File("target"), DatasetInfo.TrainImages + ".gz")));
    }

    public void Dispose() => listener.Close();
}
