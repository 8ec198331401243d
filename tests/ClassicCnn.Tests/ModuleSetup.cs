using System.Runtime.CompilerServices;
using ClassicCnn.Platform;

namespace ClassicCnn.Tests;

static class ModuleSetup
{
    /// <summary>Runs the library's native-library preparation before any test can call into libtorch.</summary>
    [ModuleInitializer]
    internal static void PrepareTorch() => RuntimeHelpers.RunModuleConstructor(typeof(TorchRuntime).Module.ModuleHandle);
}
