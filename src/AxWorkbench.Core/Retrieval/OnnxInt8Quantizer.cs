using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace AxWorkbench.Core.Retrieval;

/// <summary>
/// Dynamic int8 quantization of a BERT-style ONNX model, done in memory when the model loads. First ONNX Runtime's own
/// "extended" graph optimizations run on the float model (LayerNormalization, BiasGelu and scaled-MatMul fusions;
/// the result is read back from a temporary file, the only way ONNX Runtime hands out an optimized graph). Then:
/// <list type="bullet">
/// <item>outputs other than the first (BERT's pooler) are dropped, with the nodes only they needed;</item>
/// <item>three MatMuls with weight matrices on one input (attention's query, key and value) become one MatMul over
/// the three matrices side by side and a Split, so the input is quantized once and the product is one wider GEMM;</item>
/// <item>every MatMul whose second input is a float weight matrix becomes ONNX Runtime's DynamicQuantizeMatMul
/// (activations quantized per call to uint8, weights int8 symmetric per output column: the u8s8 product that VNNI
/// runs), with a following bias Add folded into it; a following BiasGelu becomes the bias plus FastGelu (tanh
/// form of GELU, 1e-3 from erf's, cheaper to compute).</item>
/// </list>
/// MiniLM's vectors keep a cosine of ~0.995 to the float model's (measured in the embedding benchmark).
/// </summary>
internal static class OnnxInt8Quantizer
{
    private const string MicrosoftDomain = "com.microsoft";

    public static byte[] Quantize(byte[] model, out int quantized)
    {
        var proto = ModelProto.Parser.ParseFrom(OptimizeWithOnnxRuntime(model));
        var rewriter = new GraphRewriter(proto.Graph);
        rewriter.KeepFirstOutputOnly();
        rewriter.MergeProjections();
        quantized = rewriter.QuantizeMatMuls();
        rewriter.RemoveUnused();
        if (!proto.OpsetImport.Any(o => o.Domain == MicrosoftDomain))
        {
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }

        return proto.ToByteArray();
    }

    /// <summary>The float model after ONNX Runtime's hardware-independent ("extended") fusions.</summary>
    private static byte[] OptimizeWithOnnxRuntime(byte[] model)
    {
        var path = Path.Combine(Path.GetTempPath(), $"axwb-minilm-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = path })
            using (new InferenceSession(model, options))
            {
            }

            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Symmetric int8 per column of a row-major [rows, columns] matrix: value = int8 * scale[column].</summary>
    internal static (sbyte[] Values, float[] Scales) QuantizeColumns(ReadOnlySpan<float> matrix, int rows, int columns)
    {
        if (matrix.Length != rows * columns)
        {
            throw new ArgumentException($"A {rows}x{columns} matrix needs {rows * columns} values, not {matrix.Length}.", nameof(matrix));
        }

        var scales = new float[columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                scales[c] = Math.Max(scales[c], Math.Abs(matrix[(r * columns) + c]));
            }
        }

        for (var c = 0; c < columns; c++)
        {
            scales[c] = scales[c] > 0 ? scales[c] / 127f : 1f;
        }

        var values = new sbyte[matrix.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                values[(r * columns) + c] = (sbyte)Math.Clamp(MathF.Round(matrix[(r * columns) + c] / scales[c]), -127, 127);
            }
        }

        return (values, scales);
    }

    /// <summary>Joins row-major [rows, c_i] matrices side by side into one [rows, sum c_i].</summary>
    internal static float[] ConcatColumns(IReadOnlyList<float[]> matrices, int rows)
    {
        var widths = matrices.Select(m => m.Length / rows).ToArray();
        var total = widths.Sum();
        var joined = new float[rows * total];
        for (var r = 0; r < rows; r++)
        {
            var at = r * total;
            for (var m = 0; m < matrices.Count; m++)
            {
                Array.Copy(matrices[m], r * widths[m], joined, at, widths[m]);
                at += widths[m];
            }
        }

        return joined;
    }

    private sealed class GraphRewriter(GraphProto graph)
    {
        private readonly Dictionary<string, TensorProto> _initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);

        public void KeepFirstOutputOnly()
        {
            while (graph.Output.Count > 1)
            {
                graph.Output.RemoveAt(graph.Output.Count - 1);
            }
        }

        /// <summary>Q/K/V: three MatMuls with weights of one height on one input, each followed by a bias Add.</summary>
        public void MergeProjections()
        {
            foreach (var (input, consumers) in Consumers().ToList())
            {
                var matMuls = consumers.Where(n => n.OpType == "MatMul" && n.Input[0] == input && IsWeight(n.Input[1])).ToList();
                if (matMuls.Count != 3 || matMuls.Select(m => _initializers[m.Input[1]].Dims[0]).Distinct().Count() != 1)
                {
                    continue;
                }

                var consumersNow = Consumers();
                var adds = matMuls.Select(m => consumersNow.GetValueOrDefault(m.Output[0]) is [{ OpType: "Add" } add] && BiasOf(add) is not null ? add : null).ToList();
                if (adds.Any(a => a is null))
                {
                    continue;
                }

                var rows = (int)_initializers[matMuls[0].Input[1]].Dims[0];
                var weights = ConcatColumns([.. matMuls.Select(m => Floats(m.Input[1]))], rows);
                var biases = adds.SelectMany(a => Floats(BiasOf(a!)!)).ToArray();
                var name = matMuls[0].Name + "_qkv";
                AddInitializer(name + "_weight", TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(weights.AsSpan()), rows, biases.Length);
                AddInitializer(name + "_bias", TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(biases.AsSpan()), biases.Length);
                long[] widths = [.. matMuls.Select(m => _initializers[m.Input[1]].Dims[1])];
                AddInitializer(name + "_split", TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(widths.AsSpan()), widths.Length);
                var at = graph.Node.IndexOf(matMuls[0]);
                foreach (var node in matMuls.Concat(adds))
                {
                    graph.Node.Remove(node);
                }

                var split = Node("Split", "", name + "_split_node", [name + "_sum", name + "_split"], [.. adds.Select(a => a!.Output[0])]);
                split.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = -1 });
                graph.Node.Insert(Math.Min(at, graph.Node.Count), split);
                graph.Node.Insert(at, Node("Add", "", name + "_add", [name + "_product", name + "_bias"], [name + "_sum"]));
                graph.Node.Insert(at, Node("MatMul", "", name, [input, name + "_weight"], [name + "_product"]));
            }
        }

        public int QuantizeMatMuls()
        {
            var consumers = Consumers();
            var quantized = 0;
            foreach (var matMul in graph.Node.Where(n => n.OpType == "MatMul" && IsWeight(n.Input[1])).ToList())
            {
                var weights = _initializers[matMul.Input[1]];
                var (rows, columns) = ((int)weights.Dims[0], (int)weights.Dims[1]);
                var (values, scales) = QuantizeColumns(MemoryMarshal.Cast<byte, float>(weights.RawData.Span), rows, columns);
                graph.Initializer.Remove(weights);
                _initializers.Remove(weights.Name);
                AddInitializer(weights.Name + "_int8", TensorProto.Types.DataType.Int8, MemoryMarshal.AsBytes(values.AsSpan()), rows, columns);
                AddInitializer(weights.Name + "_scale", TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(scales.AsSpan()), columns);
                List<string> inputs = [matMul.Input[0], weights.Name + "_int8", weights.Name + "_scale"];
                var output = matMul.Output[0];
                if (consumers.GetValueOrDefault(output) is [{ OpType: "Add" or "BiasGelu" } next] && BiasOf(next) is { } bias && _initializers[bias].Dims[0] == columns)
                {
                    inputs.AddRange(["", bias]);
                    if (next.OpType == "Add")
                    {
                        output = next.Output[0];
                        graph.Node.Remove(next);
                    }
                    else
                    {
                        graph.Node[graph.Node.IndexOf(next)] = Node("FastGelu", MicrosoftDomain, next.Name + "_fast", [output], [next.Output[0]]);
                    }
                }

                graph.Node[graph.Node.IndexOf(matMul)] = Node("DynamicQuantizeMatMul", MicrosoftDomain, matMul.Name + "_int8", inputs, [output]);
                quantized++;
            }

            return quantized;
        }

        /// <summary>Drops nodes no output depends on and initializers no node reads.</summary>
        public void RemoveUnused()
        {
            while (true)
            {
                var used = new HashSet<string>(graph.Output.Select(o => o.Name).Concat(graph.Node.SelectMany(n => n.Input)), StringComparer.Ordinal);
                var dead = graph.Node.Where(n => !n.Output.Any(used.Contains)).ToList();
                if (dead.Count == 0)
                {
                    foreach (var initializer in graph.Initializer.Where(i => !used.Contains(i.Name)).ToList())
                    {
                        graph.Initializer.Remove(initializer);
                    }

                    return;
                }

                foreach (var node in dead)
                {
                    graph.Node.Remove(node);
                }
            }
        }

        private Dictionary<string, List<NodeProto>> Consumers()
        {
            var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
            foreach (var node in graph.Node)
            {
                foreach (var input in node.Input.Distinct())
                {
                    if (!consumers.TryGetValue(input, out var list))
                    {
                        consumers[input] = list = [];
                    }

                    list.Add(node);
                }
            }

            return consumers;
        }

        private bool IsWeight(string name) =>
            _initializers.TryGetValue(name, out var t) && t.Dims.Count == 2 && t.DataType == (int)TensorProto.Types.DataType.Float && t.RawData.Length > 0
            && graph.Node.Count(n => n.Input.Contains(name)) == 1;

        /// <summary>The 1-D float initializer among a node's two inputs, the other being computed.</summary>
        private string? BiasOf(NodeProto node) =>
            node.Input.Count == 2 && node.Input.Count(i => _initializers.ContainsKey(i)) == 1
            && node.Input.First(i => _initializers.ContainsKey(i)) is var name && _initializers[name] is { Dims.Count: 1, DataType: (int)TensorProto.Types.DataType.Float, RawData.Length: > 0 }
            && graph.Node.Count(n => n.Input.Contains(name)) == 1
                ? name : null;

        private float[] Floats(string initializer) => MemoryMarshal.Cast<byte, float>(_initializers[initializer].RawData.Span).ToArray();

        private void AddInitializer(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> data, params long[] dims)
        {
            var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(data) };
            tensor.Dims.Add(dims);
            graph.Initializer.Add(tensor);
            _initializers[name] = tensor;
        }

        private static NodeProto Node(string op, string domain, string name, IEnumerable<string> inputs, IEnumerable<string> outputs)
        {
            var node = new NodeProto { OpType = op, Domain = domain, Name = name };
            node.Input.Add(inputs);
            node.Output.Add(outputs);
            return node;
        }
    }
}
