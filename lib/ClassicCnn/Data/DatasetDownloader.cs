using System.IO.Compression;
using System.Security.Cryptography;
using ClassicCnn.Platform;

namespace ClassicCnn.Data;

/// <summary>
/// The last resort of the dataset lookup: downloads the four files with MD5 checks, retries and a progress line,
/// writing each through a temporary file renamed into place only once its checksum is right.
/// </summary>
public static class DatasetDownloader
{
    public static int Retries { get; set; } = 3;

    const string Downloaded = "downloaded";

    /// <summary>Where the dataset's files are fetched from: the mirror when one is set, else the dataset's own host.</summary>
    public static Uri Source(DatasetInfo dataset) =>
        Environment.GetEnvironmentVariable(EnvironmentVariables.DataMirror) is { Length: > 0 } mirror
            ? new Uri(new Uri(mirror.TrimEnd('/') + "/"), dataset.FolderName + "/")
            : new Uri(dataset.DownloadBase);

    /// <summary>
    /// The folder downloads go to: the first place the lookup looks ($CLASSICCNN_DATA/name, else the repository's
    /// data/name, else ~/.classiccnn/data/name outside a checkout), so the next lookup finds what was downloaded.
    /// </summary>
    public static string DefaultTarget(DatasetInfo dataset) => DatasetLocator.Candidates(dataset)[0].Folder;

    public static DatasetLocation LocateOrDownload(DatasetInfo dataset, string? folder = null, HttpClient? client = null, Action<string>? progress = null)
    {
        if (DatasetLocator.Find(dataset, folder) is { } found) return found;
        string target = folder ?? DefaultTarget(dataset);
        try
        {
            Download(dataset, target, client, progress);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or UnauthorizedAccessException)
        {
            throw new FileNotFoundException($"{DatasetLocator.NotFoundMessage(dataset, folder)}\nThe download into {target} failed too: {e.Message}", e);
        }
        return new DatasetLocation(dataset, Path.GetFullPath(target), Downloaded);
    }

    /// <summary>
    /// The set-up's step: finds the dataset, or downloads it into <see cref="DefaultTarget"/> (where the lookup finds
    /// it next time). Offline it does not fail: it returns what is missing and how to add it, and the notebooks that
    /// need the dataset stop at their first cell with the same explanation.
    /// </summary>
    public static string Ensure(DatasetInfo dataset, HttpClient? client = null, Action<string>? progress = null)
    {
        try
        {
            var location = LocateOrDownload(dataset, client: client, progress: progress);
            return location.FoundBy == Downloaded ? $"{dataset}: downloaded into {location.Folder}" : $"{dataset}: found in {location.Folder} ({location.FoundBy})";
        }
        catch (FileNotFoundException e)
        {
            return $"{dataset}: MISSING. {e.Message}";
        }
    }

    /// <summary>
    /// Downloads every file the folder lacks (or holds with a wrong checksum), each tried <see cref="Retries"/> times;
    /// a file that still fails gives an <see cref="IOException"/> naming its address.
    /// </summary>
    public static void Download(DatasetInfo dataset, string folder, HttpClient? client = null, Action<string>? progress = null)
    {
        progress ??= Console.WriteLine;
        Directory.CreateDirectory(folder);
        // A network that drops packets without answering should cost seconds, not the whole transfer timeout.
        using var owned = client is null ? new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15) }) { Timeout = TimeSpan.FromMinutes(5) } : null;
        client ??= owned!;
        foreach (var (name, md5) in dataset.Md5)
        {
            string file = name + ".gz", path = Path.Combine(folder, file);
            if (File.Exists(path) && ContentMd5(path) == md5) continue;
            var url = new Uri(Source(dataset), file);
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    Fetch(client, url, path, md5, progress);
                    break;
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
                {
                    // The last failure names the file: a dropped connection's own message does not.
                    if (attempt >= Retries)
                        throw new IOException($"{(e.Message.Contains(url.ToString()) ? "" : $"{url}: ")}{e.Message} (after {attempt} attempt{(attempt == 1 ? "" : "s")})", e);
                    progress($"  {file}: attempt {attempt} failed ({e.Message}); retrying");
                    Thread.Sleep(TimeSpan.FromMilliseconds(200 * attempt));
                }
            }
        }
    }

    static void Fetch(HttpClient client, Uri url, string path, string md5, Action<string> progress)
    {
        ClassicCnn.Platform.AtomicFile.Write(path, temp =>
        {
            using var response = client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            // A proxy's, a network login's or a site's error page comes as 200 too, but as a web page.
            if (string.Equals(response.Content.Headers.ContentType?.MediaType, "text/html", StringComparison.OrdinalIgnoreCase))
                throw new IOException($"{url} answered with a web page (text/html) instead of the gzip file: a proxy's, a network login's or the site's own page. " +
                    $"Open the address in a browser to see it, or set {EnvironmentVariables.DataMirror} to a server that holds the files");
            long? total = response.Content.Headers.ContentLength;
            using (var body = response.Content.ReadAsStream())
            using (var file = File.Create(temp))
            {
                var buffer = new byte[1 << 16];
                long received = 0, reported = 0;
                int read;
                while ((read = body.Read(buffer)) > 0)
                {
                    file.Write(buffer, 0, read);
                    received += read;
                    if (received - reported >= 1 << 21 || received == total)
                    {
                        reported = received;
                        progress(total is > 0 ? $"  {Path.GetFileName(path)}: {received * 100 / total:0}% of {total / 1e6:0.0} MB" : $"  {Path.GetFileName(path)}: {received / 1e6:0.0} MB");
                    }
                }
                if (total is { } expected && received != expected)
                    throw new IOException($"{url}: the transfer stopped after {received:N0} of {expected:N0} bytes");
            }
            string actual = ContentMd5(temp);
            if (actual != md5)
                throw new IOException($"{url}: the MD5 of its content, {actual}, does not match the expected {md5} (a damaged or different file)");
        });
    }

    /// <summary>The MD5 of a .gz file's uncompressed content, read as a stream (no more memory than a buffer).</summary>
    public static string ContentMd5(string path)
    {
        using var file = File.OpenRead(path);
        using var content = new GZipStream(file, CompressionMode.Decompress);
        try
        {
            return Convert.ToHexStringLower(MD5.HashData(content));
        }
        catch (InvalidDataException)
        {
            return "(not a gzip file)";
        }
    }
}
