using static TorchSharp.torch;

namespace ClassicCnn.Models;

/// <summary>Checks the input of a model before the first layer, so a wrong shape is reported in the model's own terms.</summary>
public static class InputCheck
{
    public static void Image(string model, Tensor input, long channels, long height, long width, string? hint = null)
    {
        var shape = input.shape;
        if (shape.Length == 4 && shape[1] == channels && shape[2] == height && shape[3] == width) return;
        string given = "[" + string.Join(", ", shape) + "]";
        string problem = shape.Length != 4 ? $"a {shape.Length}-D tensor" : shape[1] != channels ? $"{shape[1]} channel(s)" : $"{shape[2]}x{shape[3]} images";
        throw new ArgumentException(
            $"{model} expects input of shape [N, {channels}, {height}, {width}] but was given {given} ({problem}).{(hint is null ? "" : " " + hint)}",
            nameof(input));
    }
}
