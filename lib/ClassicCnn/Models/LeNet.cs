using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Models;

/// <summary>
/// LeNet as it is taught today (the code of the article this series follows, and d2l.ai's): two 5x5 convolutions with
/// pooling, then 400-120-84-10 fully connected layers. 28x28 input with padding 2 on the first convolution: 61,706 parameters.
/// The activation and the pooling are options, for the experiments that compare them.
/// </summary>
public sealed class LeNet : ImageClassifier
{
    public const int InputSize = 28;

    public LeNet(Activation activation = Activation.Sigmoid, Pooling pooling = Pooling.Average, int classes = 10)
        : base(nameof(LeNet), nameof(LeNet), 1, InputSize, InputSize)
    {
        Module<Tensor, Tensor> Pool() => pooling == Pooling.Max ? MaxPool2d(2, 2) : AvgPool2d(2, 2);
        Stack(
            ("conv1", Conv2d(1, 6, 5, padding: 2)), ("act1", Layers.Of(activation)), ("pool1", Pool()),
            ("conv2", Conv2d(6, 16, 5)), ("act2", Layers.Of(activation)), ("pool2", Pool()),
            ("flatten", Flatten()),
            ("fc1", Linear(16 * 5 * 5, 120)), ("act3", Layers.Of(activation)),
            ("fc2", Linear(120, 84)), ("act4", Layers.Of(activation)),
            ("fc3", Linear(84, classes)));
        Layers.XavierInit(this);
    }
}
