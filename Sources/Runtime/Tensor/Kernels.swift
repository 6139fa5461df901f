import Foundation

/// The operations a transformer layer needs, on row-major matrices `[tokens, width]`.
public enum Kernels {
    /// RMSNorm: x / sqrt(mean(x²) + ε) · weight, row by row.
    public static func rmsNorm(_ x: Tensor, weight: Tensor, epsilon: Float = 1e-6) -> Tensor {
        let width = x.columns
        precondition(weight.count == width, "norm weight of \(weight.count) for rows of \(width)")
        var out = [Float](repeating: 0, count: x.count)
        x.values.withUnsafeBufferPointer { px in
            weight.values.withUnsafeBufferPointer { pw in
                out.withUnsafeMutableBufferPointer { po in
                    for row in 0..<x.rows {
                        let input = px.baseAddress! + row * width, output = po.baseAddress! + row * width
                        let scale = 1 / (dot(input, input, count: width) / Float(width) + epsilon).squareRoot()
                        for column in 0..<width { output[column] = input[column] * scale * pw[column] }
                    }
                }
            }
        }
        return Tensor(shape: x.shape, values: out)
    }

    /// Rotary position embedding (rotate-half form) on `heads` heads of `headDim` per row; row i has
    /// position `positions[i]`.
    public static func rope(_ x: Tensor, positions: [Int], heads: Int, headDim: Int, theta: Float = 10_000) -> Tensor {
        precondition(x.columns == heads * headDim && positions.count == x.rows, "rope: \(x.shape) for \(heads) heads of \(headDim)")
        let half = headDim / 2, width = x.columns
        let frequencies = (0..<half).map { pow(theta, -2 * Float($0) / Float(headDim)) }
        var cosines = [Float](repeating: 0, count: half), sines = cosines
        var out = x
        out.values.withUnsafeMutableBufferPointer { values in
            for row in 0..<x.rows {
                let position = Float(positions[row])
                for pair in 0..<half {
                    let angle = position * frequencies[pair]
                    cosines[pair] = cos(angle)
                    sines[pair] = sin(angle)
                }
                cosines.withUnsafeBufferPointer { c in
                    sines.withUnsafeBufferPointer { s in
                        for head in 0..<heads {
                            let base = values.baseAddress! + row * width + head * headDim
                            for pair in 0..<half {
                                let a = base[pair], b = base[pair + half]
                                base[pair] = a * c[pair] - b * s[pair]
                                base[pair + half] = a * s[pair] + b * c[pair]
                            }
                        }
                    }
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
        precondition(q.columns == heads * headDim && k.columns == kvHeads * headDim && v.columns == k.columns && v.rows == context,
                     "attention: q \(q.shape), k \(k.shape), v \(v.shape) for \(heads) heads over \(kvHeads) of \(headDim)")
        var out = Tensor.zeros([t, heads * headDim])
        guard t > 0 else { return out }
        let outColumns = out.columns
        let group = heads / kvHeads
        let scale = 1 / Float(headDim).squareRoot()
        // Few queries (a decode step): vector loops over each head's keys, as GEMM calls would cost more in
        // overhead than in work. Several (a prefill): per head, two GEMMs on the head's column block:
        // scores = scale · Q Kᵀ (t x context), a softmax over each query's visible keys (the rest zero), out = P V.
        let loops = t < Self.attentionGEMMQueries
        var scores = [Float](repeating: 0, count: t * context)
        let qColumns = q.columns, kColumns = k.columns, vColumns = v.columns
        q.values.withUnsafeBufferPointer { pq in
            k.values.withUnsafeBufferPointer { pk in
                v.values.withUnsafeBufferPointer { pv in
                    out.values.withUnsafeMutableBufferPointer { po in
                        scores.withUnsafeMutableBufferPointer { ps in
                            let qBase = pq.baseAddress!, kBase = pk.baseAddress!, vBase = pv.baseAddress!
                            let oBase = po.baseAddress!, sBase = ps.baseAddress!
                            for head in 0..<heads {
                                let kvHead = head / group
                                if loops {
                                    for i in 0..<t {
                                        let query = qBase + i * qColumns + head * headDim, row = sBase + i * context
                                        for j in 0...(offset + i) {
                                            row[j] = scale * dot(query, kBase + j * kColumns + kvHead * headDim, count: headDim)
                                        }
                                    }
                                } else {
                                    BLAS.sgemm(transposeB: true, m: t, n: context, k: headDim, alpha: scale,
                                               a: qBase + head * headDim, lda: qColumns, b: kBase + kvHead * headDim, ldb: kColumns,
                                               beta: 0, c: sBase, ldc: context)
                                }
                                for i in 0..<t {
                                    let row = sBase + i * context, visible = offset + i + 1
                                    var maximum = -Float.infinity
                                    for j in 0..<visible { maximum = max(maximum, row[j]) }
                                    var sum: Float = 0
                                    for j in 0..<visible {
                                        row[j] = exp(row[j] - maximum)
                                        sum += row[j]
                                    }
                                    let inverse = 1 / sum
                                    for j in 0..<visible { row[j] *= inverse }
                                    for j in visible..<context { row[j] = 0 }
                                }
                                if loops {
                                    for i in 0..<t {
                                        let output = oBase + i * outColumns + head * headDim, row = sBase + i * context
                                        for j in 0...(offset + i) {
                                            let weight = row[j], value = vBase + j * vColumns + kvHead * headDim
                                            for d in 0..<headDim { output[d] += weight * value[d] }
                                        }
                                    }
                                } else {
                                    BLAS.sgemm(transposeB: false, m: t, n: headDim, k: context, alpha: 1,
                                               a: sBase, lda: context, b: vBase + kvHead * headDim, ldb: vColumns,
                                               beta: 0, c: oBase + head * headDim, ldc: outColumns)
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Queries from which attention runs on GEMMs rather than vector loops.
    public static let attentionGEMMQueries = 4

    /// The dot product of `count` floats, eight lanes at a time.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var index = 0
        while index + 8 <= count {
            lanes += UnsafeRawPointer(a + index).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + index).loadUnaligned(as: SIMD8<Float>.self)
            index += 8
        }
        var sum = lanes.sum()
        while index < count {
            sum += a[index] * b[index]
            index += 1
        }
        return sum
    }

    /// SwiGLU: silu(gate) · up, element by element.
    public static func swiglu(gate: Tensor, up: Tensor) -> Tensor {
        precondition(gate.shape == up.shape, "swiglu: \(gate.shape) and \(up.shape)")
        return .combine(gate, up) { g, u in g / (1 + exp(-g)) * u }
    }

    /// SwiGLU of a fused gate-and-up product `[t, 2i]` (gate in the first i columns, up in the last i):
    /// silu(gate) · up, `[t, i]`.
    public static func swiglu(fused: Tensor) -> Tensor {
        precondition(fused.columns % 2 == 0, "swiglu: a fused gate and up product has an even width, got \(fused.columns)")
        let width = fused.columns / 2, rows = fused.rows
        var values = [Float](repeating: 0, count: rows * width)
        fused.values.withUnsafeBufferPointer { input in
            values.withUnsafeMutableBufferPointer { output in
                for row in 0..<rows {
                    let gate = input.baseAddress! + row * 2 * width, up = gate + width, out = output.baseAddress! + row * width
                    for column in 0..<width {
                        let g = gate[column]
                        out[column] = g / (1 + exp(-g)) * up[column]
                    }
                }
            }
        }
        return Tensor(shape: [rows, width], values: values)
    }

    /// Top-k routing: for each row of `logits` (`[t, experts]`), the k largest experts (ties to the lower
    /// index) and their softmax weights renormalised over the k.
    public static func topK(_ logits: Tensor, k: Int) -> [[(expert: Int, weight: Float)]] {
        let experts = logits.columns
        precondition(k >= 1 && k <= experts, "top-\(k) of \(experts) experts")
        return logits.values.withUnsafeBufferPointer { values in
            (0..<logits.rows).map { row in
                // k passes over the row, each taking the largest not yet chosen (ties to the lower index).
                let scores = values.baseAddress! + row * experts
                var chosen: [Int] = []
                chosen.reserveCapacity(k)
                for _ in 0..<k {
                    var best = -1
                    for expert in 0..<experts where !chosen.contains(expert) && (best < 0 || scores[expert] > scores[best]) {
                        best = expert
                    }
                    chosen.append(best)
                }
                let maximum = scores[chosen[0]]
                let weights = chosen.map { exp(scores[$0] - maximum) }
                let sum = weights.reduce(0, +)
                return zip(chosen, weights).map { ($0, $1 / sum) }
            }
        }
    }
}
