/// Running experts on token rows: the routed mixture for a set of rows, or one expert's rows, sharded or whole.
enum Experts {
    /// SwiGLU expert `e` on `rows`: one GEMM for gate and up together (a rank's shard has them fused), then
    /// the down GEMM.
    static func run(_ layer: LayerWeights, expert e: Int, rows: Tensor) -> Tensor {
        precondition(layer.gateUp.count == layer.down.count, "experts run on a rank's shard, whose gate and up are fused")
        guard rows.rows > 0 else { return .zeros([0, layer.down[e].columns]) }
        return BLAS.matmul(Kernels.swiglu(fused: BLAS.matmul(rows, layer.gateUp[e])), layer.down[e])
    }

    /// The routed mixture of all experts for `input` (`[t, d]`), with `routes` from top-k; experts in
    /// `owned` only (all by default).
    static func mixture(_ layer: LayerWeights, input: Tensor, routes: [[(expert: Int, weight: Float)]],
                        owned: Range<Int>? = nil) -> Tensor {
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
            let result = run(layer, expert: e, rows: rows)
            for (index, token) in tokens.enumerated() {
                for column in 0..<d { out.values[token * d + column] += weights[index] * result.values[index * d + column] }
            }
        }
        return out
    }
}
