using System.Runtime.CompilerServices;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// The engine's sampler, in managed code over the logits llama.cpp already computed: the chain LLamaSharp's
/// DefaultSamplingPipeline builds natively (logit bias, top-k 40, top-p, min-p 0.1, temperature, a seeded draw; no
/// penalties, which it leaves off too), without building and sorting a native candidate array of the whole vocabulary for
/// every sequence and step. Temperature ≤ 0 is greedy (arg-max, as llama.cpp's temperature sampler does). One per
/// sequence; allocation-free after construction.
/// </summary>
internal sealed class TokenSampler
{
    private const int TopK = 40;
    private const float MinP = 0.1f;
    private readonly float _temperature;
    private readonly float _topP;
    private readonly float[] _values = new float[TopK];
    private readonly int[] _ids = new int[TopK];
    private readonly double[] _weights = new double[TopK];
    private ulong _state;

    public TokenSampler(float temperature, float topP, ulong seed)
    {
        _temperature = temperature;
        _topP = topP is > 0 and <= 1 ? topP : 1;
        _state = seed;
    }

    /// <summary>The next token from <paramref name="logits"/>; <paramref name="bias"/> (same length or empty) is added first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a hot loop from the first call: no tier-0 code in the decode loop
    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<float> bias)
    {
        var hasBias = bias.Length >= logits.Length;
        if (_temperature <= 0)
        {
            return ArgMax(logits, bias, hasBias);
        }

        var k = SelectTopK(logits, bias, hasBias);

        // top-p and min-p on the unscaled distribution (as llama.cpp's chain applies them before the temperature)
        var max = _values[0];
        double sum = 0;
        for (var i = 0; i < k; i++)
        {
            _weights[i] = Math.Exp(_values[i] - max);
            sum += _weights[i];
        }

        var keep = k;
        if (_topP < 1)
        {
            double cumulative = 0;
            for (var i = 0; i < k; i++)
            {
                cumulative += _weights[i] / sum;
                if (cumulative >= _topP)
                {
                    keep = i + 1;
                    break;
                }
            }
        }

        var floor = max + MathF.Log(MinP);
        var minPKeep = 1;
        while (minPKeep < keep && _values[minPKeep] >= floor)
        {
            minPKeep++;
        }

        keep = minPKeep;

        // temperature, then a draw
        double total = 0;
        for (var i = 0; i < keep; i++)
        {
            _weights[i] = Math.Exp((_values[i] - max) / _temperature);
            total += _weights[i];
        }

        var target = NextDouble() * total;
        for (var i = 0; i < keep; i++)
        {
            target -= _weights[i];
            if (target < 0)
            {
                return _ids[i];
            }
        }

        return _ids[keep - 1];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ArgMax(ReadOnlySpan<float> logits, ReadOnlySpan<float> bias, bool hasBias)
    {
        var best = 0;
        var bestValue = float.NegativeInfinity;
        for (var i = 0; i < logits.Length; i++)
        {
            var v = hasBias ? logits[i] + bias[i] : logits[i];
            if (v > bestValue)
            {
                bestValue = v;
                best = i;
            }
        }

        return best;
    }

    /// <summary>Fills the first k of <see cref="_values"/>/<see cref="_ids"/> with the k largest logits, descending; returns k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int SelectTopK(ReadOnlySpan<float> logits, ReadOnlySpan<float> bias, bool hasBias)
    {
        var k = Math.Min(TopK, logits.Length);
        var count = 0;
        var minAt = 0;
        var minValue = float.NegativeInfinity;
        for (var i = 0; i < logits.Length; i++)
        {
            var v = hasBias ? logits[i] + bias[i] : logits[i];
            if (count < k)
            {
                _values[count] = v;
                _ids[count] = i;
                count++;
                if (count == k)
                {
                    (minAt, minValue) = FindMin(k);
                }

                continue;
            }

            if (v > minValue)
            {
                _values[minAt] = v;
                _ids[minAt] = i;
                (minAt, minValue) = FindMin(k);
            }
        }

        // insertion sort, descending (k is small); ties keep the lower token id first
        for (var i = 1; i < count; i++)
        {
            var v = _values[i];
            var id = _ids[i];
            var j = i - 1;
            while (j >= 0 && (_values[j] < v || (_values[j] == v && _ids[j] > id)))
            {
                _values[j + 1] = _values[j];
                _ids[j + 1] = _ids[j];
                j--;
            }

            _values[j + 1] = v;
            _ids[j + 1] = id;
        }

        return count;
    }

    private (int At, float Value) FindMin(int k)
    {
        var at = 0;
        for (var i = 1; i < k; i++)
        {
            if (_values[i] < _values[at])
            {
                at = i;
            }
        }

        return (at, _values[at]);
    }

    /// <summary>SplitMix64: a seeded, reproducible stream.</summary>
    private double NextDouble()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
