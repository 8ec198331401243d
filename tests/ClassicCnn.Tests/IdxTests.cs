using ClassicCnn.Data;
using ClassicCnn.Platform;

namespace ClassicCnn.Tests;

public class IdxTests
{
    static byte[] Pixels(int n) => Enumerable.Range(0, n).Select(i => (byte)(i * 37 % 256)).ToArray();

    [Theory]
    [InlineData("images-idx3-ubyte")]
    [InlineData("images-idx3-ubyte.gz")]
    public void Round_trips_byte_exact(string name)
    {
        using var temp = new TempFolder();
        string path = temp.File(name);
        byte[] data = Pixels(3 * 28 * 28);
        Idx.Write(path, [3, 28, 28], data);
        var read = Idx.Read(path, expectedDimensions: 3);
        Assert.Equal([3, 28, 28], read.Dimensions);
        Assert.Equal(data, read.Data);

        // Writing what was read gives the same file, byte for byte.
        string again = temp.File("again-" + name);
        Idx.Write(again, read.Dimensions, read.Data);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
        if (!name.EndsWith(".gz"))
            Assert.Equal(new byte[] { 0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 28, 0, 0, 0, 28 }, File.ReadAllBytes(path)[..16]);
    }

    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "bad magic", [1, 0, 8, 1, 0, 0, 0, 1, 7], "not an IDX file: the magic number must start with two zero bytes" },
        { "float type", [0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0], "holds float32 values (type 0x0D)" },
        { "unknown type", [0, 0, 0x42, 1, 0, 0, 0, 1, 7], "unknown IDX element type 0x42" },
        { "truncated data", [0, 0, 8, 1, 0, 0, 0, 5, 1, 2], "truncated: the header declares [5] = 5 values but the file holds 2" },
        { "truncated header", [0, 0, 8, 3, 0, 0, 0, 5], "truncated inside the header (8 of 16 bytes)" },
        { "trailing bytes", [0, 0, 8, 1, 0, 0, 0, 1, 7, 9, 9], "2 unexpected bytes after the 1 values" },
        { "too short", [0, 0], "shorter than the 4-byte IDX header" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_files_name_the_file_and_the_problem(string name, byte[] bytes, string expected)
    {
        using var temp = new TempFolder();
        string path = temp.File(name.Replace(' ', '-'));
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.StartsWith(path + ":", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_label_file_given_for_images_is_caught_by_its_rank()
    {
        using var temp = new TempFolder();
        string path = temp.File("labels");
        Idx.Write(path, [4], [1, 2, 3, 4]);
        var error = Assert.Throws<InvalidDataException>(() => Idx.Read(path, expectedDimensions: 3));
        Assert.Contains("has 1 dimension(s), expected 3 (images: count, rows, columns)", error.Message);
    }

    [Fact]
    public void A_damaged_gzip_and_a_missing_file_are_explained()
    {
        using var temp = new TempFolder();
        string gz = temp.File("x.gz");
        File.WriteAllBytes(gz, [0x1f, 0x8b, 8, 0, 1, 2, 3]);
        Assert.Contains("damaged gzip file", Assert.Throws<InvalidDataException>(() => Idx.Read(gz)).Message);
        var missing = Assert.Throws<FileNotFoundException>(() => Idx.Read(temp.File("nope")));
        Assert.Contains("data/README.md", missing.Message);
    }

    /// <summary>A gzip file of the declared header and values followed by <paramref name="extra"/> zero bytes (written in chunks).</summary>
    static void WriteGzip(string path, int[] dims, long extra)
    {
        using var file = File.Create(path);
        using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Optimal);
        var header = new byte[4 + 4 * dims.Length];
        header[2] = 8;
        header[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        gzip.Write(header);
        gzip.Write(Pixels(dims.Aggregate(1, (a, d) => a * d)));
        var zeros = new byte[1 << 20];
        for (long left = extra; left > 0; left -= zeros.Length) gzip.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
    }

    [Fact]
    public void A_gzip_that_expands_past_its_header_is_refused_before_it_is_expanded()
    {
        using var temp = new TempFolder();
        string path = temp.File("bomb-idx3-ubyte.gz");
        WriteGzip(path, [10, 28, 28], extra: 512L << 20);
        Assert.True(new FileInfo(path).Length < 4 << 20, "the test file should be small on disk");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => Idx.Read(path, expectedDimensions: 3));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.StartsWith(path + ":", error.Message);
        Assert.Contains("the gzip trailer says the file expands to 536,878,768 bytes", error.Message);
        Assert.True(allocated < 1 << 20, $"refusing it allocated {allocated:N0} bytes");
    }

    [Fact]
    public void A_gzip_whose_trailer_lies_stops_reading_at_the_first_byte_past_the_declared_values()
    {
        using var temp = new TempFolder();
        string path = temp.File("forged-idx3-ubyte.gz");
        WriteGzip(path, [10, 28, 28], extra: 256L << 20);
        // The trailer now claims exactly the declared size, so only reading can find the extra data.
        using (var file = File.OpenWrite(path))
        {
            file.Position = file.Length - 4;
            file.Write(BitConverter.GetBytes((uint)(16 + 7_840)));
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => Idx.Read(path, expectedDimensions: 3));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("unexpected bytes after the 7,840 values declared by [10, 28, 28]", error.Message);
        Assert.True(allocated < 1 << 20, $"refusing it allocated {allocated:N0} bytes");
    }

    [Fact]
    public void A_saved_web_page_and_an_absurd_header_are_named_as_such()
    {
        using var temp = new TempFolder();
        string html = temp.File("train-images-idx3-ubyte.gz");
        File.WriteAllText(html, "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>");
        var page = Assert.Throws<InvalidDataException>(() => Idx.Read(html));
        Assert.Equal($"{html}: a web page (HTML), not an IDX file: the download saved an error or redirect page instead of the data. Download it again (see data/README.md for where each dataset comes from).", page.Message);

        string huge = temp.File("huge");
        File.WriteAllBytes(huge, [0, 0, 8, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 2, 3]);
        var error = Assert.Throws<InvalidDataException>(() => Idx.Read(huge));
        Assert.Contains("the header declares [65536, 65536, 65536], more than the 1,073,741,824 values", error.Message);
    }

    [Fact]
    public void Images_and_labels_that_disagree_are_refused()
    {
        using var temp = new TempFolder();
        Idx.Write(temp.File("images"), [3, 2, 2], new byte[12]);
        Idx.Write(temp.File("labels"), [2], [0, 1]);
        var error = Assert.Throws<InvalidDataException>(() => ImageDataset.FromIdx("x", temp.File("images"), temp.File("labels"), ["a", "b"]));
        Assert.Contains("holds 3 images but", error.Message);
        Assert.Contains("holds 2 labels", error.Message);

        Idx.Write(temp.File("labels"), [3], [0, 1, 5]);
        var label = Assert.Throws<InvalidDataException>(() => ImageDataset.FromIdx("x", temp.File("images"), temp.File("labels"), ["a", "b"]));
        Assert.Contains("label 5 at position 2 is not a class of x (0-1)", label.Message);
    }

    [Fact]
    public void The_bundled_mnist_sample_is_real_idx_with_the_documented_split_and_checksums()
    {
        string root = ProjectFolders.RepositoryRoot()!;
        string folder = Path.Combine(root, "data", "mnist");
        var images = Idx.Read(Path.Combine(folder, DatasetInfo.TrainImages + ".gz"), 3);
        var labels = Idx.Read(Path.Combine(folder, DatasetInfo.TrainLabels + ".gz"), 1);
        var testLabels = Idx.Read(Path.Combine(folder, DatasetInfo.TestLabels + ".gz"), 1);
        Assert.Equal([7_996, 28, 28], images.Dimensions);
        Assert.Equal(2_004, testLabels.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(d => (byte)d), labels.Data.Distinct().Order());
        foreach (var line in File.ReadAllLines(Path.Combine(folder, "SHA256SUMS")))
        {
            var parts = line.Split("  ");
            using var stream = File.OpenRead(Path.Combine(folder, parts[1]));
            Assert.Equal(parts[0], Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream)));
        }
    }
}
