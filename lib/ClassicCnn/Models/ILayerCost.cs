namespace ClassicCnn.Models;

/// <summary>A layer that states its own cost per sample, for layers the summary cannot know (LeNet-5's custom layers).</summary>
internal interface ILayerCost
{
    /// <summary>Multiply-accumulates and connections (inputs + bias per output unit, the 1998 paper's measure) for one sample.</summary>
    (long Macs, long Connections) Cost(long[] inputShape, long[] outputShape);
}
