import Foundation

/// The operations a transformer layer needs, on row-major matrices `[tokens, width]`.
public enum Kernels {
    /// RMSNorm: x / sqrt(mean(x²) + ε) · weight, row by row.
    public static func rmsNorm(_ x: Tensor, weight: Tensor, epsilon: Float = 1e-6) -> Tensor {
        let width = x.columns
        precondition(weight.count == width, "norm weight of \(weight.count) for rows of \(width)")
        var out = x
        for row in 0..<x.rows {
            var sum: Float = 0
            for column in 0..<width { let v = x.values[row * width + column]; sum += v * v }
            let scale = 1 / (sum / Float(width) + epsilon).squareRoot()
            for column in 0..<width { out.values[row * width + column] = x.values[row * width + column] * scale * weight.values[column] }
        }
        return out
    }

    /// Rotary position embedding (rotate-half form) on `heads` heads of `headDim` per row; row i has
    /// position `positions[i]`.
    public static func rope(_ x: Tensor, positions: [Int], heads: Int, headDim: Int, theta: Float = 10_000) -> Tensor {
        precondition(x.columns == heads * headDim && positions.count == x.rows, "rope: \(x.shape) for \(heads) heads of \(headDim)")
        let half = headDim / 2
        var out = x
        for row in 0..<x.rows {
            let position = Float(positions[row])
            for pair in 0..<half {
                let angle = position * pow(theta, -2 * Float(pair) / Float(headDim))
                let cosine = cos(angle), sine = sin(angle)
                for head in 0..<heads {
                    let base = row * x.columns + head * headDim
                    let a = x.values[base + pair], b = x.values[base + pair + half]
                    out.values[base + pair] = a * cosine - b * sine
                    out.values[base + pair + half] = a * sine + b * cosine
                }
            }
        }
        return out
    }

    /// Softmax of each row in place, numerically stable.
    public static func softmaxRows(_ values: inout [Float], rows: Int, columns: Int) {
        for row in 0..<rows {
            let start = row * columns
            var maximum = -Float.infinity
            for column in 0..<columns { maximum = max(maximum, values[start + column]) }
            var sum: Float = 0
            for column in 0..<columns {
                let e = exp(values[start + column] - maximum)
                values[start + column] = e
                sum += e
            }
            for column in 0..<columns { values[start + column] /= sum }
        }
    }

    /// Causal grouped-query attention. `q` is `[t, heads·d]` for positions `offset ..< offset + t`; `k` and
    /// `v` are `[offset + t, kvHeads·d]` (the cache followed by the new tokens). Query i attends keys 0...offset+i.
    public static func causalAttention(q: Tensor, k: Tensor, v: Tensor, heads: Int, kvHeads: Int, headDim: Int, offset: Int) -> Tensor {
        let t = q.rows, context = k.rows
        precondition(context == offset + t, "attention: \(context) keys for \(t) queries at offset \(offset)")
        precondition(heads % kvHeads == 0, "\(heads) heads over \(kvHeads) key/value heads")
        let group = heads / kvHeads
        let scale = 1 / Float(headDim).squareRoot()
        var out = Tensor.zeros([t, heads * headDim])
        var scores = [Float](repeating: 0, count: context)
        for head in 0..<heads {
            let kvHead = head / group
            for i in 0..<t {
                let visible = offset + i + 1
                let qBase = i * q.columns + head * headDim
                var maximum = -Float.infinity
                for j in 0..<visible {
                    let kBase = j * k.columns + kvHead * headDim
                    var dot: Float = 0
                    for d in 0..<headDim { dot += q.values[qBase + d] * k.values[kBase + d] }
                    scores[j] = dot * scale
                    maximum = max(maximum, scores[j])
                }
                var sum: Float = 0
                for j in 0..<visible { scores[j] = exp(scores[j] - maximum); sum += scores[j] }
                let oBase = i * out.columns + head * headDim
                for j in 0..<visible {
                    let weight = scores[j] / sum
                    let vBase = j * v.columns + kvHead * headDim
                    for d in 0..<headDim { out.values[oBase + d] += weight * v.values[vBase + d] }
                }
            }
        }
        return out
    }

    /// SwiGLU: silu(gate) · up, element by element.
    public static func swiglu(gate: Tensor, up: Tensor) -> Tensor {
        precondition(gate.shape == up.shape, "swiglu: \(gate.shape) and \(up.shape)")
        var out = gate
        for index in out.values.indices {
            let g = gate.values[index]
            out.values[index] = g / (1 + exp(-g)) * up.values[index]
        }
        return out
    }

    /// Top-k routing: for each row of `logits` (`[t, experts]`), the k largest experts (ties to the lower
    /// index) and their softmax weights renormalised over the k.
    public static func topK(_ logits: Tensor, k: Int) -> [[(expert: Int, weight: Float)]] {
        let experts = logits.columns
        precondition(k >= 1 && k <= experts, "top-\(k) of \(experts) experts")
        return (0..<logits.rows).map { row in
            let slice = Array(logits.values[(row * experts)..<((row + 1) * experts)])
            let order = slice.indices.sorted { slice[$0] > slice[$1] || (slice[$0] == slice[$1] && $0 < $1) }
            let chosen = Array(order.prefix(k))
            let maximum = slice[chosen[0]]
            let weights = chosen.map { exp(slice[$0] - maximum) }
            let sum = weights.reduce(0, +)
            return zip(chosen, weights).map { ($0, $1 / sum) }
        }
    }
}
