using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Inspection;

/// <summary>
/// Forward hooks on some of a model's layers for one block: set when created, removed when disposed, even when the
/// forward pass throws, so a probe never leaves a hook behind on the learner's model.
/// </summary>
internal sealed class ForwardHooks : IDisposable
{
    readonly List<Action> removers = [];

    /// <param name="after">Called with the layer's name, input and output after it runs.</param>
    /// <param name="before">Called with the layer's name and input before it runs.</param>
    public ForwardHooks(IEnumerable<(string Name, Module Module)> layers, Action<string, Tensor, Tensor> after, Action<string, Tensor>? before = null)
    {
        foreach (var (name, module) in layers)
        {
            if (module is not Module<Tensor, Tensor> layer) continue;
            if (before is not null)
            {
                var pre = layer.register_forward_pre_hook((_, input) => { before(name, input); return null!; });
                removers.Add(pre.remove);
            }
            var post = layer.register_forward_hook((_, input, output) => { after(name, input, output); return null!; });
            removers.Add(post.remove);
        }
    }

    public void Dispose()
    {
        removers.ForEach(remove => remove());
        removers.Clear();
    }
}
