import Foundation
import Numerics
import Testing
@testable import Runtime
import Units

@Suite("Runtime kernels")
struct RuntimeKernelTests {
    @Test("SGEMM through OpenBLAS equals the triple loop", arguments: [(1, 1, 1), (3, 5, 7), (17, 9, 33), (64, 128, 32)])
    func matmul(m: Int, k: Int, n: Int) {
        var generator = SeededGenerator(seed: UInt64(m * 1000 + k * 10 + n))
        let a = Tensor.random([m, k], scale: 1, using: &generator)
        let b = Tensor.random([k, n], scale: 1, using: &generator)
        let c = BLAS.matmul(a, b)
        var reference = Tensor.zeros([m, n])
        for i in 0..<m { for j in 0..<n { for p in 0..<k { reference.values[i * n + j] += a.values[i * k + p] * b.values[p * n + j] } } }
        #expect(c.maxAbsoluteDifference(reference) < 1e-4)
        // Aᵀ form: B stored as [n, k].
        let bt = Tensor(shape: [n, k], values: (0..<(n * k)).map { index in b.values[(index % k) * n + index / k] })
        #expect(BLAS.matmul(a, bt, transposeB: true).maxAbsoluteDifference(reference) < 1e-4)
    }

    @Test("RMSNorm makes the root mean square one before the weight")
    func rmsNorm() {
        let x = Tensor(shape: [2, 4], values: [1, 2, 3, 4, -2, 0, 2, 0])
        let y = Kernels.rmsNorm(x, weight: Tensor(shape: [4], values: [1, 1, 1, 1]), epsilon: 0)
        for row in 0..<2 {
            let squares = (0..<4).map { y.values[row * 4 + $0] * y.values[row * 4 + $0] }.reduce(0, +)
            #expect(abs(squares / 4 - 1) < 1e-5)
        }
    }

    @Test("RoPE keeps each pair's length and does nothing at position 0")
    func rope() {
        var generator = SeededGenerator(seed: 7)
        let x = Tensor.random([3, 8], scale: 1, using: &generator)
        let y = Kernels.rope(x, positions: [0, 5, 9], heads: 2, headDim: 4)
        #expect(Array(y.values[0..<8]) == Array(x.values[0..<8]))
        for row in 1..<3 {
            for head in 0..<2 {
                for pair in 0..<2 {
                    let base = row * 8 + head * 4
                    let before = x.values[base + pair] * x.values[base + pair] + x.values[base + pair + 2] * x.values[base + pair + 2]
                    let after = y.values[base + pair] * y.values[base + pair] + y.values[base + pair + 2] * y.values[base + pair + 2]
                    #expect(abs(before - after) < 1e-5)
                }
            }
        }
    }

    @Test("Causal attention: the first query sees only the first key; a later one the average when keys are equal")
    func attention() {
        let q = Tensor(shape: [2, 2], values: [1, 0, 0, 1])
        let k = Tensor(shape: [2, 2], values: [1, 0, 1, 0])
        let v = Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        let out = Kernels.causalAttention(q: q, k: k, v: v, heads: 1, kvHeads: 1, headDim: 2, offset: 0)
        #expect(Array(out.values[0..<2]) == [1, 2])
        // Query 2 has equal scores on both keys: the mean of the values.
        #expect(abs(out.values[2] - 2) < 1e-6 && abs(out.values[3] - 3) < 1e-6)
    }

    @Test("Decoding with a cache equals attending over the whole sequence at once")
    func cacheEquivalence() {
        var generator = SeededGenerator(seed: 3)
        let q = Tensor.random([5, 8], scale: 1, using: &generator)
        let k = Tensor.random([5, 4], scale: 1, using: &generator)
        let v = Tensor.random([5, 4], scale: 1, using: &generator)
        let all = Kernels.causalAttention(q: q, k: k, v: v, heads: 4, kvHeads: 2, headDim: 2, offset: 0)
        let last = Kernels.causalAttention(q: q.rows(4..<5), k: k, v: v, heads: 4, kvHeads: 2, headDim: 2, offset: 4)
        #expect(last.maxAbsoluteDifference(all.rows(4..<5)) < 1e-6)
    }

    @Test("Attention (vector loops for few queries, GEMMs for several) equals its definition over head groups, offsets and lengths",
          arguments: [(1, 4, 4, 2, 0), (5, 4, 2, 8, 0), (3, 6, 3, 4, 7), (1, 24, 12, 16, 63), (9, 8, 1, 4, 2)])
    func attentionMatchesLoops(shape: (t: Int, heads: Int, kvHeads: Int, headDim: Int, offset: Int)) {
        var generator = SeededGenerator(seed: UInt64(shape.t * 31 + shape.offset))
        let context = shape.offset + shape.t
        let q = Tensor.random([shape.t, shape.heads * shape.headDim], scale: 1, using: &generator)
        let k = Tensor.random([context, shape.kvHeads * shape.headDim], scale: 1, using: &generator)
        let v = Tensor.random([context, shape.kvHeads * shape.headDim], scale: 1, using: &generator)
        let out = Kernels.causalAttention(q: q, k: k, v: v, heads: shape.heads, kvHeads: shape.kvHeads, headDim: shape.headDim, offset: shape.offset)
        // The definition, written out in Double.
        let dh = shape.headDim, group = shape.heads / shape.kvHeads
        var worst = 0.0
        for head in 0..<shape.heads {
            let kv = head / group
            for i in 0..<shape.t {
                let visible = shape.offset + i + 1
                let scores = (0..<visible).map { j in
                    (0..<dh).reduce(0.0) { $0 + Double(q.values[i * q.columns + head * dh + $1]) * Double(k.values[j * k.columns + kv * dh + $1]) }
                        / Double(dh).squareRoot()
                }
                let top = scores.max()!
                let weights = scores.map { exp($0 - top) }
                let total = weights.reduce(0, +)
                for d in 0..<dh {
                    let expected = (0..<visible).reduce(0.0) { $0 + weights[$1] / total * Double(v.values[$1 * v.columns + kv * dh + d]) }
                    worst = max(worst, abs(expected - Double(out.values[i * out.columns + head * dh + d])))
                }
            }
        }
        #expect(worst < 1e-5)
    }

    @Test("Top-k picks the largest and its weights sum to one")
    func topK() {
        let logits = Tensor(shape: [1, 5], values: [0.1, 2, -1, 2, 0.5])
        let picked = Kernels.topK(logits, k: 2)[0]
        #expect(picked.map(\.expert) == [1, 3])
        #expect(abs(picked.map(\.weight).reduce(0, +) - 1) < 1e-6)
    }

    @Test("SwiGLU is silu(gate) · up")
    func swiglu() {
        let out = Kernels.swiglu(gate: Tensor(shape: [2], values: [0, 1]), up: Tensor(shape: [2], values: [5, 2]))
        #expect(out.values[0] == 0)
        #expect(abs(out.values[1] - 2 / (1 + exp(-1))) < 1e-6)
    }

    @Test("Fused SwiGLU over [gate | up] rows equals SwiGLU of the halves")
    func swigluFused() {
        var generator = SeededGenerator(seed: 4)
        let gate = Tensor.random([3, 5], scale: 2, using: &generator), up = Tensor.random([3, 5], scale: 2, using: &generator)
        let fused = Kernels.swiglu(fused: .concatenateColumns([gate, up]))
        #expect(fused.shape == [3, 5])
        #expect(fused.maxAbsoluteDifference(Kernels.swiglu(gate: gate, up: up)) < 1e-6)
    }

    @Test("The same seed gives the same tensor")
    func seeded() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        #expect(Tensor.random([4, 4], scale: 1, using: &a) == Tensor.random([4, 4], scale: 1, using: &b))
    }
}

@Suite("Calibration statistics")
struct StatisticsTests {
    @Test("The median is the middle value, or the mean of the two middle values of an even count")
    func median() {
        #expect([3.0, 1, 2].median == 2)
        #expect([4.0, 1, 3, 2].median == 2.5)
        #expect([5.0].median == 5)
        #expect([Double]().median == 0)
    }
}
