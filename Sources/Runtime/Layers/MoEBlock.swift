/// Running experts on token rows: the routed mixture for a set of rows, or one expert's rows, sharded or whole.
enum Experts {
    /// SwiGLU expert `e` on `rows`, optionally only columns `slice` of its FFN (tensor parallelism: the
    /// partial outputs of all slices sum to the whole).
    static func run(_ layer: LayerWeights, expert e: Int, rows: Tensor, slice: Range<Int>? = nil) -> Tensor {
        guard rows.rows > 0 else { return .zeros([0, layer.down[e].columns]) }
        let gate = slice.map { layer.gate[e].columns($0) } ?? layer.gate[e]
        let up = slice.map { layer.up[e].columns($0) } ?? layer.up[e]
        let down = slice.map { layer.down[e].rows($0) } ?? layer.down[e]
        let hidden = Kernels.swiglu(gate: BLAS.matmul(rows, gate), up: BLAS.matmul(rows, up))
        return BLAS.matmul(hidden, down)
    }

    /// The routed mixture of all experts for `input` (`[t, d]`), with `routes` from top-k; experts in
    /// `owned` only (all by default), FFN columns `slice` only.
    static func mixture(_ layer: LayerWeights, input: Tensor, routes: [[(expert: Int, weight: Float)]],
                        owned: Range<Int>? = nil, slice: Range<Int>? = nil) -> Tensor {
        let d = input.columns
        var out = Tensor.zeros([input.rows, d])
        let experts = owned ?? 0..<layer.gate.count
        for e in experts {
            var tokens: [Int] = [], weights: [Float] = []
            for (token, picks) in routes.enumerated() {
                for pick in picks where pick.expert == e {
                    tokens.append(token)
                    weights.append(pick.weight)
                }
            }
            guard !tokens.isEmpty else { continue }
            let rows = Tensor(shape: [tokens.count, d], values: tokens.flatMap { input.values[($0 * d)..<(($0 + 1) * d)] })
            let result = run(layer, expert: e, rows: rows, slice: slice)
            for (index, token) in tokens.enumerated() {
                for column in 0..<d { out.values[token * d + column] += weights[index] * result.values[index * d + column] }
            }
        }
        return out
    }
}
