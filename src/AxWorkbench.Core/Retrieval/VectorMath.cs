using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AxWorkbench.Core.Retrieval;

internal static class VectorMath
{
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Dot(a, b);

    /// <summary>Scales to unit length in place (a zero vector stays zero).</summary>
    public static void Normalize(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }

    /// <summary>Symmetric int8 codes of a vector (code = round(value / scale), |code| &lt;= 127); returns the scale.</summary>
    public static float Quantize(ReadOnlySpan<float> vector, Span<sbyte> codes)
    {
        var max = 0f;
        foreach (var value in vector)
        {
            max = Math.Max(max, Math.Abs(value));
        }

        var scale = max > 0 ? max / 127f : 1f;
        for (var i = 0; i < vector.Length; i++)
        {
            codes[i] = (sbyte)Math.Clamp(MathF.Round(vector[i] / scale), -127, 127);
        }

        return scale;
    }

    /// <summary>The integer dot product of two int8 code vectors (AVX2: 16 codes a step, widened to 16 bits).</summary>
    public static int DotInt8(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        var length = Math.Min(a.Length, b.Length);
        var i = 0;
        var sum = 0;
        if (Avx2.IsSupported && length >= 16)
        {
            ref var ra = ref MemoryMarshal.GetReference(a);
            ref var rb = ref MemoryMarshal.GetReference(b);
            var acc = Vector256<int>.Zero;
            for (; i <= length - 16; i += 16)
            {
                var va = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref ra, (nuint)i));
                var vb = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref rb, (nuint)i));
                acc = Avx2.Add(acc, Avx2.MultiplyAddAdjacent(va, vb));
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
