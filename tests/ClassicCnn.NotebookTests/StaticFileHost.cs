using System.Net;

namespace ClassicCnn.NotebookTests;

/// <summary>An HTTP server on 127.0.0.1 that serves a fixed set of files (a dataset host, for tests without internet).</summary>
sealed class StaticFileHost : IDisposable
{
    readonly HttpListener listener = new();
    readonly IReadOnlyDictionary<string, string> files;

    public string Prefix { get; }

    /// <param name="files">File path on disk, by URL path (without the leading slash).</param>
    public StaticFileHost(IReadOnlyDictionary<string, string> files)
    {
        this.files = files;
        Prefix = $"http://127.0.0.1:{Random.Shared.Next(20_000, 60_000)}/";
        listener.Prefixes.Add(Prefix);
        listener.Start();
        _ = Task.Run(Serve);
    }

    async Task Serve()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync(); } catch { return; }
            string name = context.Request.Url!.AbsolutePath.TrimStart('/');
            if (!files.TryGetValue(name, out var path)) { context.Response.StatusCode = 404; context.Response.Close(); continue; }
            await using var file = File.OpenRead(path);
            context.Response.ContentLength64 = file.Length;
            await file.CopyToAsync(context.Response.OutputStream);
            context.Response.Close();
        }
    }

    public void Dispose() => listener.Close();
}
