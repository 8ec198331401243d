using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Models;

/// <summary>
/// What the series' networks share: named layers applied in order to images of one shape. Each model's constructor
/// lists its layers the way its paper's table does; the input is checked before the first layer, so a wrong shape is
/// reported in the model's own terms rather than as a matrix-size error deep inside.
/// </summary>
public abstract class ImageClassifier : Module<Tensor, Tensor>
{
    readonly List<Module<Tensor, Tensor>> layers = [];
    readonly string title;
    readonly long channels, height, width;
    readonly string? inputHint;

    /// <param name="title">The model as error messages name it ("VGG D").</param>
    /// <param name="inputHint">A sentence added to the error for a wrong input (how to get the right one).</param>
    protected ImageClassifier(string name, string title, long channels, long height, long width, string? inputHint = null) : base(name)
    {
        this.title = title;
        (this.channels, this.height, this.width) = (channels, height, width);
        this.inputHint = inputHint;
    }

    /// <summary>Registers the layers in order; a null layer is one an option switched off (LRN, say), and is left out.</summary>
    protected void Stack(params (string Name, Module<Tensor, Tensor>? Layer)[] list)
    {
        foreach (var (name, layer) in list)
        {
            if (layer is null) continue;
            register_module(name, layer);
            layers.Add(layer);
        }
    }

    public override Tensor forward(Tensor input)
    {
        CheckImage(title, input, channels, height, width, inputHint);
        var x = input;
        try
        {
            foreach (var layer in layers)
            {
                var next = layer.call(x);
                if (!ReferenceEquals(x, input) && !ReferenceEquals(x, next)) x.Dispose();
                x = next;
            }
        }
        catch
        {
            if (!ReferenceEquals(x, input)) x.Dispose();
            throw;
        }
        // The caller owns what comes back and may dispose it: never hand back the input itself.
        return ReferenceEquals(x, input) ? x.alias() : x;
    }

    /// <summary>Throws for anything but [N, channels, height, width], saying which part is wrong.</summary>
    internal static void CheckImage(string model, Tensor input, long channels, long height, long width, string? hint = null)
    {
        var shape = input.shape;
        if (shape.Length == 4 && shape[1] == channels && shape[2] == height && shape[3] == width) return;
        string given = "[" + string.Join(", ", shape) + "]";
        string problem = shape.Length != 4 ? $"a {shape.Length}-D tensor" : shape[1] != channels ? $"{shape[1]} channel(s)" : $"{shape[2]}x{shape[3]} images";
        throw new ArgumentException(
            $"{model} expects input of shape [N, {channels}, {height}, {width}] but was given {given} ({problem}).{(hint is null ? "" : " " + hint)}",
            nameof(input));
    }

    /// <summary>The option checks every classifier here shares; <paramref name="options"/> names the argument in the error.</summary>
    internal static void CheckOptions(int inputChannels, int classes, double dropout, string options)
    {
        if (inputChannels < 1) throw new ArgumentException($"InputChannels is {inputChannels}; use 1 (grey) or 3 (colour).", options);
        if (classes < 2) throw new ArgumentException($"Classes is {classes}; a classifier needs at least 2.", options);
        if (dropout is < 0 or >= 1) throw new ArgumentException($"Dropout is {dropout}; use a probability in [0, 1).", options);
    }
}
