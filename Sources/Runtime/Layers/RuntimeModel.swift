import Units

/// The shape of the small MoE transformer the runtime runs: GQA attention with RoPE, then a top-k routed
/// mixture of SwiGLU experts, in every layer. Weights are random from a seed.
public struct RuntimeModelShape: Sendable, Hashable, Codable {
    public var layers: Int
    public var hidden: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var experts: Int
    public var topK: Int
    public var expertFFN: Int

    /// Defaults that split evenly over 1, 2, 3 and 4 ranks: 24 heads over 12 KV heads, 12 experts.
    public init(layers: Int = 2, hidden: Int = 384, heads: Int = 24, kvHeads: Int = 12, headDim: Int = 16,
                experts: Int = 12, topK: Int = 2, expertFFN: Int = 256) {
        self.layers = layers
        self.hidden = hidden
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.experts = experts
        self.topK = topK
        self.expertFFN = expertFFN
    }

    /// What is wrong with the shape, or nil.
    public var problem: String? {
        for (name, value) in [("layers", layers), ("hidden", hidden), ("heads", heads), ("kv heads", kvHeads), ("head dim", headDim),
                              ("experts", experts), ("top-k", topK), ("expert FFN", expertFFN)] where value < 1 {
            return "\(name) must be positive, got \(value)"
        }
        if heads % kvHeads != 0 { return "\(kvHeads) KV heads do not divide \(heads) heads" }
        if headDim % 2 != 0 { return "the head dim \(headDim) must be even for rotary embedding" }
        if topK > experts { return "top-\(topK) of only \(experts) experts" }
        return nil
    }

    /// Bytes of the weights one rank reads in a step when the experts split over `ranks` (attention, router
    /// and norms whole, its share of the experts), FP32.
    public func weightBytesPerRank(ranks: Int) -> Int {
        let expertsPerRank = (experts + ranks - 1) / max(ranks, 1)
        return 4 * layers * (parametersPerLayer - (experts - expertsPerRank) * 3 * hidden * expertFFN)
    }

    /// Bytes a run of `ranks` ranks on one machine holds at its peak, about (an upper bound, in floating point
    /// so that no shape overflows): on every rank the whole model, its sliced and fused copies of the
    /// attention and expert weights, the same again for the single-rank check, the KV caches of both, and a
    /// prefill's working set (hidden states, expert inputs and outputs, one sequence's attention scores).
    public func runBytes(ranks: Int, sequences: Int, prompt: Int, decodeSteps: Int) -> Double {
        let l = Double(layers), d = Double(hidden), f = Double(expertFFN), e = Double(experts)
        let qWidth = Double(heads * headDim), kvWidth = Double(kvHeads * headDim)
        let model = 4 * l * (2 * d * qWidth + 2 * d * kvWidth + d * e + e * 3 * d * f + 2 * d)
        let copies = 2 * 4 * l * (2 * d * qWidth + 2 * d * kvWidth + e * 2 * d * f)
        let positions = Double(sequences) * (Double(prompt) + Double(decodeSteps))
        let caches = 2 * 4 * l * positions * 2 * kvWidth
        let rows = Double(sequences) * Double(prompt)
        let working = 4 * rows * (8 * max(d, qWidth) + Double(topK) * (d + 2 * f)) + 4 * Double(heads) * Double(prompt) * Double(prompt)
        return Double(ranks) * (model + copies + caches + working)
    }

    /// Weights of one layer.
    public var parametersPerLayer: Int {
        hidden * heads * headDim * 2 + hidden * kvHeads * headDim * 2 + hidden * experts + experts * 3 * hidden * expertFFN + 2 * hidden
    }
}

/// One layer's weights. Matrices are `[input, output]`.
public struct LayerWeights: Sendable {
    public var attentionNorm: Tensor
    public var wq: Tensor, wk: Tensor, wv: Tensor, wo: Tensor
    public var moeNorm: Tensor
    public var router: Tensor
    public var gate: [Tensor], up: [Tensor], down: [Tensor]
    /// Each expert's gate and up side by side (`[d, 2i]`), for one GEMM instead of two; empty until a rank cuts
    /// its shard.
    public var gateUp: [Tensor] = []
}

/// The model's weights, the same on every rank for the same seed.
public struct RuntimeModel: Sendable {
    public let shape: RuntimeModelShape
    public let layers: [LayerWeights]

    public init(shape: RuntimeModelShape, seed: UInt64) {
        precondition(shape.problem == nil, shape.problem ?? "")
        var generator = SeededGenerator(seed: seed)
        let d = shape.hidden, q = shape.heads * shape.headDim, kv = shape.kvHeads * shape.headDim
        let scale = 1 / Float(d).squareRoot(), ffnScale = 1 / Float(shape.expertFFN).squareRoot()
        self.shape = shape
        layers = (0..<shape.layers).map { _ in
            LayerWeights(
                attentionNorm: Tensor(shape: [d], values: Array(repeating: 1, count: d)),
                wq: .random([d, q], scale: scale, using: &generator), wk: .random([d, kv], scale: scale, using: &generator),
                wv: .random([d, kv], scale: scale, using: &generator), wo: .random([q, d], scale: 1 / Float(q).squareRoot(), using: &generator),
                moeNorm: Tensor(shape: [d], values: Array(repeating: 1, count: d)),
                router: .random([d, shape.experts], scale: scale, using: &generator),
                gate: (0..<shape.experts).map { _ in .random([d, shape.expertFFN], scale: scale, using: &generator) },
                up: (0..<shape.experts).map { _ in .random([d, shape.expertFFN], scale: scale, using: &generator) },
                down: (0..<shape.experts).map { _ in .random([shape.expertFFN, d], scale: ffnScale, using: &generator) })
        }
    }

    /// Input activations for `rows` tokens, from a seed (the runtime has no tokenizer or embedding table).
    public static func inputs(rows: Int, hidden: Int, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return .random([rows, hidden], scale: 1, using: &generator)
    }
}

/// Keys and values of every sequence, per layer: `keys[layer][sequence]` is `[length, kvHeads·headDim]`.
public struct KVCache: Sendable {
    public var keys: [[Tensor]]
    public var values: [[Tensor]]

    public init(layers: Int, sequences: Int, width: Int) {
        keys = Array(repeating: Array(repeating: .zeros([0, width]), count: sequences), count: layers)
        values = keys
    }

    /// Tokens cached for `sequence` (after the last layer has run, every layer holds the same).
    public func length(sequence: Int) -> Int { keys.last?[sequence].rows ?? 0 }
}
