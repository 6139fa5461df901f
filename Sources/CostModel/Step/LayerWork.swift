import Units
import Workload

/// The kernels of one layer's blocks for one micro-batch on one rank.
///
/// Shapes: d hidden, h heads, dh head dim, kv key/value heads; MLA ranks rq (query), rkv (latent), dn/dr/dv
/// (no-rope, rope and value head dims); i intermediate size. `tokens` is the micro-batch's tokens on this
/// rank, `sequences` the sequences they belong to, `context` the tokens each one attends over (the causal
/// mean (P + 1) / 2 in prefill, the cache length in decode).
struct LayerWork {
    let model: ModelArchitecture
    let phase: Phase
    let compute: Precision
    let cache: Precision
    /// Tensor-parallel degree of attention heads and dense FFN weights.
    let tensorParallel: Int

    var d: Double { Double(model.hiddenSize) }
    var weightBytes: Double { compute.bytesPerElement }
    /// Activations move in BF16 between kernels.
    let activationBytes = 2.0

    /// A weight GEMM of `rows` x `inner` by `inner` x `outer` in the compute precision.
    func gemm(_ name: String, rows: Double, inner: Double, outer: Double, precision: Precision? = nil) -> Kernel {
        let format = precision ?? compute
        let bytes = inner * outer * format.bytesPerElement + rows * (inner + outer) * activationBytes
        return Kernel(name, .gemm, precision: format, flops: 2 * rows * inner * outer, bytes: bytes)
    }

    /// Norm, rotary embedding, residual and quantisation traffic of an attention block.
    func attentionElementwise(tokens: Double) -> Kernel {
        Kernel("norms, rope, residual", .elementwise, precision: .bf16, flops: 0, bytes: tokens * d * activationBytes * 6, launches: 3)
    }

    func attention(tokens t: Double, sequences s: Double, context c: Double) -> [Kernel] {
        let tp = Double(tensorParallel)
        var kernels = [attentionElementwise(tokens: t)]
        switch model.attention {
        case let .grouped(heads, kvHeads, headDim, _, _, _):
            let h = Double(heads) / tp, kv = max(1, Double(kvHeads) / tp), dh = Double(headDim)
            // Tensor-parallel ranks each see all the group's tokens for their share of heads.
            let rows = t * tp
            kernels.append(gemm("qkv projection", rows: rows, inner: d, outer: (h + 2 * kv) * dh))
            let coreFLOPs = 4 * h * dh * c * rows
            let coreBytes: Double
            switch phase {
            case .prefill: coreBytes = rows * (h + 2 * kv + h) * dh * activationBytes
            case .decode: coreBytes = s * tp * c * 2 * kv * dh * cache.bytesPerElement + rows * 2 * h * dh * activationBytes
            }
            kernels.append(Kernel("attention core", .attention, precision: .bf16, flops: coreFLOPs, bytes: coreBytes))
            kernels.append(gemm("output projection", rows: rows, inner: h * dh, outer: d))
        case let .latent(heads, qLoraRank, kvLoraRank, nopeDim, ropeDim, valueDim):
            let h = Double(heads) / tp
            let rows = t * tp
            let rq = qLoraRank.map(Double.init), rkv = Double(kvLoraRank)
            let dn = Double(nopeDim), dr = Double(ropeDim), dv = Double(valueDim)
            if let rq {
                kernels.append(gemm("q down projection", rows: rows, inner: d, outer: rq))
                kernels.append(gemm("q up projection", rows: rows, inner: rq, outer: h * (dn + dr)))
            } else {
                kernels.append(gemm("q projection", rows: rows, inner: d, outer: h * (dn + dr)))
            }
            kernels.append(gemm("kv down projection", rows: rows, inner: d, outer: rkv + dr))
            switch phase {
            case .prefill:
                // Standard form: expand the latent into per-head keys and values, then attend.
                kernels.append(gemm("kv up projection", rows: rows, inner: rkv, outer: h * (dn + dv)))
                let flops = 2 * h * (dn + dr) * c * rows + 2 * h * dv * c * rows
                let bytes = rows * h * (dn + dr + dn + dr + dv + dv) * activationBytes
                kernels.append(Kernel("attention core (MLA)", .attention, precision: .bf16, flops: flops, bytes: bytes))
            case .decode:
                // Weight-absorbed form: attend over the 576-element latent cache directly.
                kernels.append(Kernel("absorb keys (q·W_UK)", .attention, precision: .bf16, flops: 2 * rows * h * dn * rkv,
                                      bytes: h * dn * rkv * 2 + rows * h * (dn + rkv) * activationBytes))
                let flops = 2 * h * (rkv + dr) * c * rows + 2 * h * rkv * c * rows
                let bytes = s * tp * c * (rkv + dr) * cache.bytesPerElement + rows * h * (rkv + dr + rkv) * activationBytes
                kernels.append(Kernel("attention core (absorbed MLA)", .attention, precision: .bf16, flops: flops, bytes: bytes))
                kernels.append(Kernel("absorb values (·W_UV)", .attention, precision: .bf16, flops: 2 * rows * h * rkv * dv,
                                      bytes: h * rkv * dv * 2 + rows * h * (rkv + dv) * activationBytes))
            }
            kernels.append(gemm("output projection", rows: rows, inner: h * dv, outer: d))
        }
        return kernels
    }

    /// A dense FFN block (every layer of a dense model, the first layers of DeepSeek).
    func denseFFN(tokens t: Double) -> [Kernel] {
        let tp = Double(tensorParallel)
        let rows = t * tp
        let i = Double(model.ffn.intermediateSize) / tp
        var kernels: [Kernel] = []
        if model.ffn.isGated {
            kernels.append(gemm("FFN gate and up", rows: rows, inner: d, outer: 2 * i))
        } else {
            kernels.append(gemm("FFN up", rows: rows, inner: d, outer: i))
        }
        kernels.append(Kernel("FFN activation", .elementwise, precision: .bf16, flops: 0, bytes: rows * i * 3 * activationBytes))
        kernels.append(gemm("FFN down", rows: rows, inner: i, outer: d))
        return kernels
    }

    /// Router and the quantisation before dispatch, for `tokens` tokens.
    func routing(tokens t: Double) -> [Kernel] {
        guard let moe = model.moe else { return [] }
        let experts = Double(moe.routedExperts)
        return [Kernel("router and top-k", .elementwise, precision: .bf16, flops: 2 * t * d * experts,
                       bytes: d * experts * 2 + t * (d + experts) * activationBytes, launches: 2)]
    }

    /// Grouped GEMMs of `slots` experts over `tokens` routed token copies.
    func experts(_ name: String, tokens r: Double, slots: Double) -> [Kernel] {
        guard let moe = model.moe, r > 0 else { return [] }
        let i = Double(moe.expertIntermediateSize)
        let gateUp = Kernel("\(name) gate and up", .gemm, precision: compute, flops: 2 * r * d * 2 * i,
                            bytes: slots * d * 2 * i * weightBytes + r * (d + 2 * i) * activationBytes)
        let activation = Kernel("\(name) activation", .elementwise, precision: .bf16, flops: 0, bytes: r * i * 3 * activationBytes)
        let down = Kernel("\(name) down", .gemm, precision: compute, flops: 2 * r * i * d,
                          bytes: slots * i * d * weightBytes + r * (i + d) * activationBytes)
        return [gateUp, activation, down]
    }
}
