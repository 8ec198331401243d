namespace ClassicCnn.Platform;

/// <summary>Every environment variable the library and its tool read, and what each one changes.</summary>
internal static class EnvironmentVariables
{
    /// <summary>The device to train on: cpu, cuda or cuda:N (default: CUDA when the backend has it).</summary>
    public const string Device = "CLASSICCNN_DEVICE";
    /// <summary>The libtorch the package brings, read when it is built: cpu (default), cuda or none.</summary>
    public const string Backend = "CLASSICCNN_BACKEND";
    /// <summary>quick or full: how much data and how many epochs the notebooks train on.</summary>
    public const string Profile = "CLASSICCNN_PROFILE";
    /// <summary>A folder holding mnist/, fashion-mnist/...: looked in first, and where downloads go.</summary>
    public const string Data = "CLASSICCNN_DATA";
    /// <summary>Replaces /usr/share/datasets as the system folder (a shared classroom copy; or an empty folder, to act as a machine without Debian's package).</summary>
    public const string SystemData = "CLASSICCNN_SYSTEM_DATA";
    /// <summary>A server holding every dataset's files under its folder name (a classroom's local copy): http://host/fashion-mnist/...</summary>
    public const string DataMirror = "CLASSICCNN_DATA_MIRROR";
    /// <summary>on, off or auto (default): route the convolutions libtorch's CPU kernels get wrong (docs/platform.md).</summary>
    public const string ConvolutionRoute = "CLASSICCNN_CONV_ROUTE";
    /// <summary>default leaves glibc's allocator as it is instead of keeping freed buffers.</summary>
    public const string Malloc = "CLASSICCNN_MALLOC";
    /// <summary>en or zh-CN: the language of the library's own tables and labels.</summary>
    public const string Language = "CLASSICCNN_LANG";
    /// <summary>cdn, embed or auto (default): where charts get plotly.js.</summary>
    public const string Charts = "CLASSICCNN_CHARTS";
    /// <summary>1 when notebooks run with no one watching (CI): progress is drawn once per epoch.</summary>
    public const string Headless = "CLASSICCNN_HEADLESS";
    /// <summary>The folder the file-based apps write their charts and tables to (default: app-output/).</summary>
    public const string AppOutput = "CLASSICCNN_APP_OUTPUT";
    /// <summary>The Chromium the figure export and the website's browser tests use.</summary>
    public const string Chromium = "CLASSICCNN_CHROMIUM";
}
