using System.Reflection;
using System.Runtime.Loader;
using ClassicCnn.Notebooks;
using ClassicCnn.Platform;
using ClassicCnn.Training;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;

namespace ClassicCnn.Interactive;

/// <summary>
/// Runs when a notebook references the ClassicCnn package. It lets Plotly.NET (built against FSharp.Core
/// 10.1) run on the FSharp.Core the kernel already loaded, makes libtorch loadable (see
/// <see cref="LibStdCxxCompatibility"/>), and registers the HTML formatters for charts and library types.
/// </summary>
public sealed class KernelExtension : IKernelExtension
{
    static bool loaded;

    public Task OnLoadAsync(Kernel kernel)
    {
        // Referencing the package again (Run All twice) must not stack handlers or formatters.
        if (loaded) return Task.CompletedTask;
        loaded = true;

        AssemblyLoadContext.Default.Resolving += UseLoadedFSharpCore;
        _ = TorchRuntime.NativeFixes; // runs the library's module initializer before any libtorch call

        Formatter.Register<GenericChart>((chart, writer) => writer.Write(NotebookHtml.Chart(chart)), HtmlFormatter.MimeType);
        Formatter.Register<IHtmlRenderable>((value, writer) => writer.Write(value.ToHtml()), HtmlFormatter.MimeType);
        LiveDisplay.Factory = value => new DisplayHandle(value.Display());
        TrainingProgress.NotebookDisplay = () => new NotebookProgress();
        return Task.CompletedTask;
    }

    /// <summary>A notebook output redrawn in place (training curves, progress lines).</summary>
    sealed class DisplayHandle(DisplayedValue displayed) : IDisplayHandle
    {
        public void Update(object value) => displayed.Update(value);
    }

    /// <summary>Any FSharp.Core version request is answered with the FSharp.Core already in the process.</summary>
    static Assembly? UseLoadedFSharpCore(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == "FSharp.Core"
            ? AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "FSharp.Core")
            : null;
}
