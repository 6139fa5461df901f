import Foundation
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
    /// How attention is split: data-parallel, tensor-parallel over heads, or sequence-parallel projections
    /// around a tensor-parallel core.
    let attentionKind: AttentionLayout.Kind
    /// Ranks that split attention heads (1 for data-parallel attention).
    let headParallel: Int
    /// Tensor-parallel degree of dense FFN weights.
    let ffnParallel: Int
    /// Rows per block of the stack's grouped expert GEMMs: each expert's rows are computed in whole blocks.
    var expertBlockRows: Double = 1
    /// Format of the experts' GEMMs and their inputs, when it differs from `compute`.
    var expertPrecision: Precision? = nil
    /// Storage format of weight-only quantised weights (``PrecisionSettings/weights``).
    var weightPrecision: Precision? = nil

    var d: Double { Double(model.hiddenSize) }
    /// Bytes of one stored weight of a GEMM computing in `format` (``PrecisionSettings/storedWeightBytes(computingIn:)``).
    func storedWeightBytes(_ format: Precision) -> Double {
        PrecisionSettings(compute: compute, weights: weightPrecision).storedWeightBytes(computingIn: format)
    }
    /// The format activations move in between kernels and attention computes in: FP32 when the GEMMs are
    /// FP32, BF16 otherwise.
    var activation: Precision { compute == .fp32 ? .fp32 : .bf16 }
    var activationBytes: Double { activation.bytesPerElement }

    /// A weight GEMM of `rows` x `inner` by `inner` x `outer` in the compute precision, its weights stored
    /// weight-only quantised where the deployment says so and `quantised` (the LM head is not).
    func gemm(_ name: String, rows: Double, inner: Double, outer: Double, precision: Precision? = nil, quantised: Bool = true) -> Kernel {
        let format = precision ?? compute
        let stored = quantised ? storedWeightBytes(format) : format.weightBytesPerElement
        let bytes = inner * outer * stored + rows * (inner + outer) * activationBytes
        return Kernel(name, .gemm, precision: format, flops: 2 * rows * inner * outer, bytes: bytes,
                      blockScaled: model.blockScaledPrecision == format)
    }

    /// Bytes of one activation element after quantisation for the GEMMs (the compute format, at most BF16).
    var quantizedBytes: Double { min(compute.bytesPerElement, activationBytes) }
    /// The experts' format, and the bytes of one expert input element in it (at most BF16).
    var expertFormat: Precision { expertPrecision ?? compute }
    var expertQuantizedBytes: Double { min(expertFormat.bytesPerElement, activationBytes) }

    /// Memory passes of an attention block besides its GEMMs and attention core, per token: the input
    /// RMSNorm (read and write d), quantising the GEMM input (read d, write d in the compute format), rotary
    /// embedding of the query and key rope parts, quantising the attention output for the output projection,
    /// and the residual add (read 2d, write d).
    func attentionElementwise(tokens t: Double, rows: Double) -> Kernel {
        var perToken = 2 * d * activationBytes + d * (activationBytes + quantizedBytes) + 3 * d * activationBytes
        var perRow = 0.0
        switch model.attention {
        case let .grouped(heads, kvHeads, headDim, _, _, _):
            let h = Double(heads) / Double(headParallel), kv = max(1, Double(kvHeads) / Double(headParallel)), dh = Double(headDim)
            perRow = 2 * (h + kv) * dh * activationBytes + h * dh * (activationBytes + quantizedBytes)
        case let .latent(heads, qLoraRank, kvLoraRank, _, ropeDim, valueDim):
            let h = Double(heads) / Double(headParallel)
            // q and kv latent norms, rope on the rope parts, output quantisation.
            perToken += 2 * (Double(qLoraRank ?? 0) + Double(kvLoraRank)) * activationBytes
            perRow = 2 * (h + 1) * Double(ropeDim) * activationBytes + h * Double(valueDim) * (activationBytes + quantizedBytes)
        }
        return Kernel("norms, rope, quantisation, residual", .elementwise, precision: .bf16, flops: 0,
                      bytes: t * perToken + rows * perRow, launches: 5)
    }

    /// Rows of the head-split part of attention: every token of the group for a share of the heads.
    func headRows(_ t: Double) -> Double { attentionKind == .data ? t : t * Double(headParallel) }
    /// Rows of the projections before the heads split: the group's tokens when they are replicated
    /// (tensor-parallel), the rank's own tokens otherwise.
    func projectionRows(_ t: Double) -> Double { attentionKind == .tensor ? t * Double(headParallel) : t }

    /// The output projection: on the head split's rows for its `width` (this rank's heads), or, in SP-TP-SP,
    /// on the rank's own tokens for every head once the all-to-all has returned them (Zuo et al. 4.3.1, Stage 3).
    func outputProjection(tokens t: Double, rows: Double, width: Double) -> Kernel {
        attentionKind == .spTpSp
            ? gemm("output projection", rows: t, inner: width * Double(headParallel), outer: d)
            : gemm("output projection", rows: rows, inner: width, outer: d)
    }

    /// Whether the embedding and the LM head split the vocabulary over the tensor-parallel attention group
    /// (Megatron's vocabulary-parallel layers, as vLLM, SGLang and TensorRT-LLM run them); with data-parallel
    /// and SP-TP-SP attention every rank holds the whole vocabulary for its own tokens.
    var vocabularyParallel: Bool { attentionKind == .tensor && headParallel > 1 }

    /// The LM head for `t` tokens' rows on this rank: the whole vocabulary, or, vocabulary-parallel, this
    /// rank's share of it for every row of the group.
    func lmHead(_ name: String, tokens t: Double) -> Kernel {
        let vocabulary = Double(model.vocabSize)
        return vocabularyParallel
            ? gemm(name, rows: t * Double(headParallel), inner: d, outer: vocabulary / Double(headParallel), precision: activation, quantised: false)
            : gemm(name, rows: t, inner: d, outer: vocabulary, precision: activation, quantised: false)
    }

    /// Sampling the next token of `t` rows from their logits, as SGLang and vLLM do in FP32: read the BF16
    /// logits and write them as FP32, a softmax that reads them twice (maximum, then the exponentials' sum)
    /// and writes the probabilities, and top-k/top-p sampling that reads those once: 2 + 4 + 2·4 + 4 + 4 = 22
    /// bytes per vocabulary entry and row, in four kernels. A vocabulary-parallel head samples the group's
    /// gathered rows.
    func sampling(_ name: String, tokens t: Double) -> Kernel {
        let rows = vocabularyParallel ? t * Double(headParallel) : t
        return Kernel(name, .elementwise, precision: .bf16, flops: 0, bytes: rows * Double(model.vocabSize) * (activationBytes + 4 + 2 * 4 + 4 + 4),
                      launches: 4)
    }

    /// Bytes of the logits a vocabulary-parallel head gathers for `t` tokens' rows (every row's whole
    /// vocabulary, the all-gather's result), or nil.
    func logitsGather(tokens t: Double) -> Double? {
        vocabularyParallel ? t * Double(headParallel) * Double(model.vocabSize) * activationBytes : nil
    }

    /// A prefill's prompt length from the mean context its causal attention sees, (P + 1) / 2.
    func promptLength(context c: Double) -> Double { 2 * c - 1 }

    func attention(tokens t: Double, sequences s: Double, context c: Double) -> [Kernel] {
        let tp = Double(headParallel)
        let rows = headRows(t)
        var kernels = [attentionElementwise(tokens: t, rows: rows)]
        switch model.attention {
        case let .grouped(heads, kvHeads, headDim, _, _, _):
            let h = Double(heads) / tp, kv = max(1, Double(kvHeads) / tp), dh = Double(headDim)
            kernels.append(gemm("qkv projection", rows: rows, inner: d, outer: (h + 2 * kv) * dh))
            let coreFLOPs = 4 * h * dh * c * rows
            let coreBytes: Double
            switch phase {
            case .prefill: coreBytes = rows * (h + 2 * kv + h) * dh * activationBytes
            case .decode: coreBytes = s * tp * c * 2 * kv * dh * cache.bytesPerElement + rows * 2 * h * dh * activationBytes
            }
            kernels.append(Kernel("attention core", .attention, precision: activation, flops: coreFLOPs, bytes: coreBytes,
                                  causalLength: phase == .prefill ? promptLength(context: c) : nil))
            kernels.append(outputProjection(tokens: t, rows: rows, width: h * dh))
        case let .latent(heads, qLoraRank, kvLoraRank, nopeDim, ropeDim, valueDim):
            // Down projections and the latent are per token (replicated in tensor parallelism, the rank's
            // own tokens otherwise); the up projections, the core and the output projection split by heads.
            let h = Double(heads) / tp
            let down = projectionRows(t)
            let rq = qLoraRank.map(Double.init), rkv = Double(kvLoraRank)
            let dn = Double(nopeDim), dr = Double(ropeDim), dv = Double(valueDim)
            if let rq {
                kernels.append(gemm("q down projection", rows: down, inner: d, outer: rq))
                kernels.append(gemm("q up projection", rows: rows, inner: rq, outer: h * (dn + dr)))
            } else {
                kernels.append(gemm("q projection", rows: rows, inner: d, outer: h * (dn + dr)))
            }
            kernels.append(gemm("kv down projection", rows: down, inner: d, outer: rkv + dr))
            switch phase {
            case .prefill:
                // Standard form: expand the latent into per-head keys and values, then attend.
                kernels.append(gemm("kv up projection", rows: rows, inner: rkv, outer: h * (dn + dv)))
                let flops = 2 * h * (dn + dr) * c * rows + 2 * h * dv * c * rows
                let bytes = rows * h * (dn + dr + dn + dr + dv + dv) * activationBytes
                kernels.append(Kernel("attention core (MLA)", .attention, precision: activation, flops: flops, bytes: bytes,
                                      causalLength: promptLength(context: c)))
            case .decode:
                // Weight-absorbed form: attend over the 576-element latent cache directly.
                kernels.append(Kernel("absorb keys (q·W_UK)", .attention, precision: activation, flops: 2 * rows * h * dn * rkv,
                                      bytes: h * dn * rkv * activationBytes + rows * h * (dn + rkv) * activationBytes))
                let flops = 2 * h * (rkv + dr) * c * rows + 2 * h * rkv * c * rows
                let bytes = s * tp * c * (rkv + dr) * cache.bytesPerElement + rows * h * (rkv + dr + rkv) * activationBytes
                kernels.append(Kernel("attention core (absorbed MLA)", .attention, precision: activation, flops: flops, bytes: bytes))
                kernels.append(Kernel("absorb values (·W_UV)", .attention, precision: activation, flops: 2 * rows * h * rkv * dv,
                                      bytes: h * rkv * dv * activationBytes + rows * h * (rkv + dv) * activationBytes))
            }
            kernels.append(outputProjection(tokens: t, rows: rows, width: h * dv))
        }
        return kernels
    }

    /// Per-rank traffic around a sequence-parallel/tensor-parallel/sequence-parallel attention (Zuo et al.
    /// 4.3.1): the head-split projections read every token of the group, so the group all-gathers what they
    /// read (MLA: the query and KV latents and the rope key after the down projections; GQA: the hidden
    /// states), and an all-to-all returns each head shard's outputs to the ranks that own the tokens.
    func sequenceParallelTraffic(tokens t: Double) -> (gather: Double, exchange: Double) {
        let tp = Double(headParallel)
        switch model.attention {
        case let .grouped(heads, _, headDim, _, _, _):
            return (t * tp * d * activationBytes, t * Double(heads * headDim) * activationBytes)
        case let .latent(heads, qLoraRank, kvLoraRank, _, ropeDim, valueDim):
            let latents = Double((qLoraRank ?? model.hiddenSize) + kvLoraRank + ropeDim) * activationBytes
            return (t * tp * latents, t * Double(heads * valueDim) * activationBytes)
        }
    }

    /// Memory passes of an FFN or MoE block besides its GEMMs, per token: the post-attention RMSNorm,
    /// quantising the input, and the residual add.
    func ffnElementwise(tokens t: Double) -> Kernel {
        Kernel("FFN norm, quantisation, residual", .elementwise, precision: .bf16, flops: 0,
               bytes: t * (2 * d * activationBytes + d * (activationBytes + quantizedBytes) + 3 * d * activationBytes), launches: 3)
    }

    /// A dense FFN block (every layer of a dense model, the first layers of DeepSeek).
    func denseFFN(tokens t: Double) -> [Kernel] {
        let tp = Double(ffnParallel)
        let rows = t * tp
        let i = Double(model.ffn.intermediateSize) / tp
        var kernels: [Kernel] = [ffnElementwise(tokens: t)]
        if model.ffn.isGated {
            kernels.append(gemm("FFN gate and up", rows: rows, inner: d, outer: 2 * i))
        } else {
            kernels.append(gemm("FFN up", rows: rows, inner: d, outer: i))
        }
        // Activation (read gate and up, write the product) and its quantisation for the down projection.
        kernels.append(Kernel("FFN activation", .elementwise, precision: .bf16, flops: 0,
                              bytes: rows * i * (3 * activationBytes + activationBytes + quantizedBytes)))
        kernels.append(gemm("FFN down", rows: rows, inner: i, outer: d))
        return kernels
    }

    /// The MoE block's own memory passes for `tokens` tokens: norm, quantisation and residual, the router
    /// GEMV and top-k, and the weighted sum of the returned expert outputs (read `topK` copies, write one).
    func routing(tokens t: Double) -> [Kernel] {
        guard let moe = model.moe else { return [] }
        let experts = Double(moe.routedExperts), k = Double(moe.expertsPerToken)
        return [
            ffnElementwise(tokens: t),
            Kernel("router and top-k", .elementwise, precision: .bf16, flops: 2 * t * d * experts,
                   bytes: d * experts * 2 + t * (d + experts) * activationBytes, launches: 2),
            Kernel("combine weighted sum", .elementwise, precision: .bf16, flops: 0, bytes: t * (k + 1) * d * activationBytes),
        ]
    }

    /// Grouped GEMMs of `slots` experts over `tokens` routed token copies, with the copies' permutation into
    /// expert order (read and write each copy) and the activation with its quantisation. Only the experts
    /// that receive a copy read their weights: ``touchedExperts(slots:copies:)`` of them; each computes its
    /// rows in whole blocks of `expertBlockRows` (``paddedRows(copies:experts:blockRows:)``).
    func experts(_ name: String, tokens r: Double, slots: Double) -> [Kernel] {
        guard let moe = model.moe, r > 0 else { return [] }
        let i = Double(moe.expertIntermediateSize)
        let slots = Self.touchedExperts(slots: slots, copies: r)
        let format = expertFormat, q = expertQuantizedBytes, w = storedWeightBytes(format)
        let permute = Kernel("\(name) permutation", .elementwise, precision: .bf16, flops: 0, bytes: r * d * 2 * q)
        let blockScaled = model.blockScaledPrecision == format
        let rows = Self.paddedRows(copies: r, experts: slots, blockRows: expertBlockRows)
        let gateUp = Kernel("\(name) gate and up", .gemm, precision: format, flops: 2 * rows * d * 2 * i,
                            bytes: slots * d * 2 * i * w + r * (d * q + 2 * i * activationBytes),
                            blockScaled: blockScaled)
        let activation = Kernel("\(name) activation", .elementwise, precision: .bf16, flops: 0,
                                bytes: r * i * (3 * activationBytes + activationBytes + q))
        let down = Kernel("\(name) down", .gemm, precision: format, flops: 2 * rows * i * d,
                          bytes: slots * i * d * w + r * (i + d) * activationBytes, blockScaled: blockScaled)
        return [permute, gateUp, activation, down]
    }

    /// Activation bytes live on a rank while one micro-batch of `t` tokens runs its largest block: the
    /// attention block (its projections' outputs and the core's output for its rows), a dense FFN (the
    /// gathered input, the gate and up outputs and the activation), or the MoE block on its busiest rank's
    /// `routedCopies` (received copies and their permuted copy in the dispatch format, gate and up outputs,
    /// the activation and its quantised copy, the down projection's output). Kernels free their inputs
    /// once the next kernel has read them, so the block's tensors are counted once each, not per kernel.
    func peakWorkingSet(tokens t: Double, routedCopies r: Double) -> Double {
        let a = activationBytes, q = quantizedBytes
        let rows = headRows(t)
        // The block's input: the rank's tokens, or the whole group's where tensor parallelism replicates them.
        var attention = projectionRows(t) * d * a
        switch model.attention {
        case let .grouped(heads, kvHeads, headDim, _, _, _):
            let h = Double(heads) / Double(headParallel), kv = max(1, Double(kvHeads) / Double(headParallel)), dh = Double(headDim)
            attention += rows * (h + 2 * kv + h) * dh * a
        case let .latent(heads, qLoraRank, kvLoraRank, nopeDim, ropeDim, valueDim):
            let h = Double(heads) / Double(headParallel)
            let rq = Double(qLoraRank ?? 0), rkv = Double(kvLoraRank), dn = Double(nopeDim), dr = Double(ropeDim), dv = Double(valueDim)
            attention += projectionRows(t) * (rq + rkv + dr) * a
            switch phase {
            case .prefill:
                // Queries, the expanded keys and values, the keys with their rope part, the core's output.
                attention += rows * h * ((dn + dr) + (dn + dv) + (dn + dr) + dv) * a
            case .decode:
                // Queries in the latent space, the core's latent output and the values after W_UV.
                attention += rows * h * (dn + dr + rkv + rkv + dv) * a
            }
        }
        var ffn = 0.0
        if model.denseLayerCount > 0 {
            let tp = Double(ffnParallel), i = Double(model.ffn.intermediateSize) / tp
            ffn = t * tp * d * a + t * tp * i * ((model.ffn.isGated ? 2 : 1) * a + a + q)
        }
        var moeBlock = 0.0
        if let moe = model.moe {
            let i = Double(moe.expertIntermediateSize), qe = expertQuantizedBytes
            moeBlock = r * (2 * d * qe + 2 * i * a + i * (a + qe) + d * a)
        }
        return max(attention, ffn, moeBlock)
    }

    /// Rows a grouped GEMM computes for `copies` rows over `experts` experts when each expert's rows are
    /// padded to whole blocks of `blockRows` (DeepGEMM aligns each expert's segment to 128 rows; CANN's INT8
    /// GEMM tiles are 128 rows high): experts x ceil(copies / experts / blockRows) x blockRows, from the mean
    /// rows per expert.
    static func paddedRows(copies: Double, experts: Double, blockRows: Double) -> Double {
        guard blockRows > 1, experts > 0 else { return copies }
        return experts * (copies / experts / blockRows).rounded(.up) * blockRows
    }

    /// Expected number of a rank's `slots` experts that receive at least one of `copies` token copies, each
    /// copy landing on one of the slots at random: slots · (1 − (1 − 1/slots)^copies). All of them once the
    /// copies outnumber the slots a few times over; fewer at small decode batches, whose untouched experts
    /// stream no weights.
    static func touchedExperts(slots: Double, copies: Double) -> Double {
        guard slots > 1 else { return slots }
        return slots * (1 - pow(1 - 1 / slots, copies))
    }
}
