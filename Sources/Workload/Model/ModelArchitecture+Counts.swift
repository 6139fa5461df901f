import Units

/// Parameter counts of a model, split the way the cost model and the reports need them.
public struct ParameterCounts: Sendable, Hashable, Codable {
    /// Input embedding table (and learned positions, for GPT).
    public var embedding: Double
    /// Output projection to the vocabulary; 0 when tied to the embedding.
    public var outputHead: Double
    /// Attention of all main layers, with its norms.
    public var attention: Double
    /// Dense feed-forward blocks.
    public var denseFFN: Double
    /// Routed experts of all MoE layers.
    public var routedExperts: Double
    /// Shared experts of all MoE layers.
    public var sharedExperts: Double
    /// Routers (gates) of all MoE layers.
    public var routers: Double
    /// Layer norms before attention and FFN, and the final norm.
    public var norms: Double
    /// Multi-token-prediction modules (their own block and projections; embedding and head are shared).
    public var mtp: Double

    /// All weights of the main model (the figure vendors publish; MTP modules excluded).
    public var total: Double {
        embedding + outputHead + attention + denseFFN + routedExperts + sharedExperts + routers + norms
    }
}

extension ModelArchitecture {
    /// Attention weights of one layer, including its internal norms and biases.
    ///
    /// Grouped: q = d·h·dh, k = v = d·kv·dh, o = h·dh·d (+ biases, + q/k norms of dh each).
    /// Latent (MLA): q_a = d·rq, q_norm = rq, q_b = rq·h·(dn+dr) (or d·h·(dn+dr) without rq);
    /// kv_a = d·(rkv+dr), kv_norm = rkv, kv_b = rkv·h·(dn+dv), o = h·dv·d.
    public var attentionParametersPerLayer: Double {
        let d = Double(hiddenSize)
        switch attention {
        case let .grouped(heads, kvHeads, headDim, qkvBias, outputBias, qkNorm):
            let q = Double(heads) * Double(headDim), kv = Double(kvHeads) * Double(headDim)
            var count = d * q + 2 * d * kv + q * d
            if qkvBias { count += q + 2 * kv }
            if outputBias { count += d }
            if qkNorm { count += 2 * Double(headDim) }
            return count
        case let .latent(heads, qLoraRank, kvLoraRank, nopeDim, ropeDim, valueDim):
            let h = Double(heads)
            let queryWidth = h * (Double(nopeDim) + Double(ropeDim))
            var count: Double
            if let rank = qLoraRank {
                count = d * Double(rank) + Double(rank) + Double(rank) * queryWidth
            } else {
                count = d * queryWidth
            }
            count += d * (Double(kvLoraRank) + Double(ropeDim)) + Double(kvLoraRank)
            count += Double(kvLoraRank) * h * (Double(nopeDim) + Double(valueDim))
            count += h * Double(valueDim) * d
            return count
        }
    }

    /// Weights of one dense FFN block: 3·d·i gated, 2·d·i (+ i + d biases) plain.
    public var denseFFNParametersPerLayer: Double {
        let d = Double(hiddenSize), i = Double(ffn.intermediateSize)
        return ffn.isGated ? 3 * d * i : 2 * d * i + (ffn.hasBias ? i + d : 0)
    }

    /// Weights of one routed or shared expert (gated): 3·d·i.
    public var expertParameters: Double {
        guard let moe else { return 0 }
        return 3 * Double(hiddenSize) * Double(moe.expertIntermediateSize)
    }

    /// Router weights of one MoE layer: E·d (+ E for a bias).
    public var routerParametersPerLayer: Double {
        guard let moe else { return 0 }
        return Double(moe.routedExperts) * Double(hiddenSize) + (moe.routerBias ? Double(moe.routedExperts) : 0)
    }

    /// Norm weights per layer: two norms of d (with bias, 2·d each for GPT's LayerNorm).
    public var normParametersPerLayer: Double { Double(hiddenSize) * (normHasBias ? 4 : 2) }

    /// Weights of one MTP module besides its attention and its FFN or MoE block: the two input norms, the
    /// 2d -> d projection, the block's own norms and the final norm.
    public var mtpGlueParameters: Double {
        let d = Double(hiddenSize)
        return 2 * d + 2 * d * d + normParametersPerLayer + d
    }

    /// All parameter counts.
    public var parameters: ParameterCounts {
        let d = Double(hiddenSize), v = Double(vocabSize)
        let moeLayers = Double(moeLayerCount), denseLayers = Double(denseLayerCount)
        let embedding = v * d + (hasLearnedPositions ? Double(maxPositions) * d : 0)
        let finalNorm = d * (normHasBias ? 2 : 1)
        let routed = moeLayers * Double(moe?.routedExperts ?? 0) * expertParameters
        let shared = moeLayers * Double(moe?.sharedExperts ?? 0) * expertParameters
        var mtp = 0.0
        if mtpLayers > 0 {
            // Per module: two input norms, a 2d -> d projection, one full MoE block, and a final norm.
            let block = attentionParametersPerLayer
                + (moe != nil
                    ? (Double(moe?.routedExperts ?? 0) + Double(moe?.sharedExperts ?? 0)) * expertParameters + routerParametersPerLayer
                    : denseFFNParametersPerLayer)
            mtp = Double(mtpLayers) * (mtpGlueParameters + block)
        }
        return ParameterCounts(
            embedding: embedding,
            outputHead: tiedEmbeddings ? 0 : v * d,
            attention: Double(layers) * attentionParametersPerLayer,
            denseFFN: denseLayers * denseFFNParametersPerLayer,
            routedExperts: routed,
            sharedExperts: shared,
            routers: moeLayers * routerParametersPerLayer,
            norms: Double(layers) * normParametersPerLayer + finalNorm,
            mtp: mtp)
    }

    /// Weights one token touches: everything but the routed experts it is not sent to. Counts both the
    /// embedding row's table and the output head, as Mixtral's 12.9B and Qwen3's 22B do.
    public var activeParameters: Double {
        let counts = parameters
        guard let moe else { return counts.total }
        let unusedExperts = Double(moeLayerCount) * (Double(moe.routedExperts) - Double(moe.expertsPerToken)) * expertParameters
        return counts.total - unusedExperts
    }

    /// Weights multiplied by each token's activations (active weights without the embedding lookup table
    /// and the norms):
    /// the basis of ``forwardFLOPsPerToken(contextLength:)``.
    public var activeMatmulParameters: Double {
        activeParameters - parameters.embedding - parameters.norms
    }

    /// Bytes of all main-model weights stored in `precision`, quantisation scales included
    /// (``Units/Precision/weightBytesPerElement``).
    public func weightBytes(_ precision: Precision) -> Bytes {
        Bytes(parameters.total * precision.weightBytesPerElement)
    }

    /// Forward FLOPs for one token that attends over `contextLength` tokens (itself included).
    ///
    /// 2 x active matmul weights (a multiply-add is two FLOPs; the output head included, the embedding lookup
    /// not), plus attention scores and values per layer: 4·h·dh·L for grouped attention, 2·h·(dn+dr+dv)·L for
    /// MLA in its standard (not weight-absorbed) form. For a prompt of length P, the average token attends
    /// over (P + 1) / 2 tokens under causal masking.
    public func forwardFLOPsPerToken(contextLength: Int) -> Double {
        let l = Double(max(contextLength, 0))
        let attentionFLOPs: Double
        switch attention {
        case let .grouped(heads, _, headDim, _, _, _):
            attentionFLOPs = 4 * Double(heads) * Double(headDim) * l
        case let .latent(heads, _, _, nopeDim, ropeDim, valueDim):
            attentionFLOPs = 2 * Double(heads) * (Double(nopeDim) + Double(ropeDim) + Double(valueDim)) * l
        }
        return 2 * activeMatmulParameters + Double(layers) * attentionFLOPs
    }

    /// KV-cache bytes per token in `precision` over all main layers: 2·kv·dh per layer for grouped
    /// attention, (rkv + dr) per layer for MLA (the latent and the shared rope key).
    public func kvCacheBytesPerToken(_ precision: Precision) -> Bytes {
        let elements: Double
        switch attention {
        case let .grouped(_, kvHeads, headDim, _, _, _): elements = 2 * Double(kvHeads) * Double(headDim)
        case let .latent(_, _, kvLoraRank, _, ropeDim, _): elements = Double(kvLoraRank) + Double(ropeDim)
        }
        return Bytes(Double(layers) * elements * precision.bytesPerElement)
    }
}
