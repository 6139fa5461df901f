import Foundation
import Units
import Workload

extension StepPredictor {
    /// Token copies on the busiest expert ranks of one MoE layer for one micro-batch of `tokens` per rank: the
    /// busiest routed rank (the mean times the load ratio) and, where ranks hold shared-expert replicas, each of them.
    struct ExpertRankLoad {
        var ratio: Double
        var routed: Double
        var shared: Double

        init(moe: ModelArchitecture.MixtureOfExperts, tokens: Double, layout: Layout, deployment: Deployment) {
            let groupTokens = tokens * Double(layout.expertParallel)
            let copies = groupTokens * Double(moe.expertsPerToken)
            ratio = deployment.expertLoadRatio(copies: copies, ranks: layout.routedRanks)
            routed = copies / Double(layout.routedRanks) * ratio
            shared = layout.sharedRanks > 0 ? groupTokens * Double(moe.sharedExperts) / Double(layout.sharedRanks) : 0
        }
    }

    /// Memory per rank. Activations: the residual stream of every micro-batch in flight (and the block's
    /// input), the largest block's working set for one micro-batch (``LayerWork/peakWorkingSet(tokens:routedCopies:)``),
    /// the received copies of each other micro-batch, whose dispatch runs while the first one computes, and the
    /// LM head's FP32 logits. Buffers: the dispatch and combine staging of one micro-batch's copies.
    static func footprint(request: StepRequest, layout: Layout, rank: RankHardware, work: LayerWork, tokens: Double, sequences: Double,
                          maxContext: Double, mbTokens: Double) -> MemoryFootprint {
        let model = request.model
        let weightBytes = request.precision.storedWeightBytes(computingIn: request.precision.compute)
        let routerBytes = request.precision.compute.weightBytesPerElement
        let tp = Double(layout.headParallel)
        let attentionWeights = model.attentionParametersPerLayer / tp * weightBytes
        let denseWeights = model.denseFFNParametersPerLayer / Double(layout.ffnParallel) * weightBytes
        // One MoE layer on this rank: its expert slots (and the shared expert, unless ranks of their own hold it) and the router.
        var moeWeights = 0.0
        if let moe = model.moe {
            let slots = Double(layout.slotsPerRank) + (layout.sharedRanks > 0 ? 0 : Double(moe.sharedExperts))
            moeWeights = slots * model.expertParameters * request.precision.storedWeightBytes(computingIn: request.precision.expert)
                + model.routerParametersPerLayer * routerBytes
        }
        var weights = Double(model.layers) * attentionWeights + Double(model.denseLayerCount) * denseWeights + Double(model.moeLayerCount) * moeWeights
        weights += (model.parameters.embedding + model.parameters.outputHead) * 2 / (work.vocabularyParallel ? tp : 1)
        // Each MTP module is laid out as a main layer is: its attention split like theirs, its MoE block over the
        // same expert group (it runs its dispatch and combine there), its norms and projection on every rank.
        let mtpModules = request.deployment.mtp != nil ? Double(model.mtpLayers) : 0
        weights += mtpModules * (model.mtpGlueParameters * weightBytes + attentionWeights + (model.moe != nil ? moeWeights : denseWeights))
        // The MTP modules' attention caches keys and values as a layer does.
        let cachedLayers = Double(model.layers) + mtpModules
        // Where attention splits heads (tensor-parallel, or SP-TP-SP's core), each rank attends for every token of
        // its group of `tp` ranks over its share of the KV heads, so it caches the group's tp x its own tokens at
        // 1/tp of the heads: its own tokens' worth, more when there are fewer KV heads than ranks (a head per
        // rank, replicated). MLA's latent is one per token: tensor-parallel ranks all cache the group's; SP-TP-SP
        // ranks keep their own tokens'.
        let kvFactor: Double
        switch model.attention {
        case let .grouped(_, kvHeads, _, _, _, _): kvFactor = tp / min(tp, Double(kvHeads))
        case .latent: kvFactor = layout.attentionKind == .tensor ? tp : 1
        }
        let kvPerToken = model.kvCacheBytesPerToken(request.precision.cache).bytes * cachedLayers / Double(model.layers) * kvFactor
        let kvTokens = request.phase == .decode ? sequences * maxContext : tokens
        let d = work.d, a = work.activationBytes
        let microbatches = Double(layout.microbatches)
        var busiest = 0.0
        if let moe = model.moe {
            let load = ExpertRankLoad(moe: moe, tokens: mbTokens, layout: layout, deployment: request.deployment)
            busiest = max(load.routed, load.shared)
        }
        let headRows = request.phase == .decode ? tokens : sequences
        // The residual stream and block input of every micro-batch: the group's tokens where tensor-parallel
        // attention replicates them on every rank.
        var activations = microbatches * work.projectionRows(mbTokens) * d * a * 2
        activations += work.peakWorkingSet(tokens: mbTokens, routedCopies: busiest)
        activations += (microbatches - 1) * busiest * d * work.expertQuantizedBytes
        activations += headRows * Double(model.vocabSize) * 4
        var buffers = 0.0
        if let moe = model.moe {
            buffers = mbTokens * Double(moe.expertsPerToken) * d * 2 * 2
        }
        return MemoryFootprint(weights: Bytes(weights), kvCache: Bytes(kvTokens * kvPerToken), activations: Bytes(activations),
                               communicationBuffers: Bytes(buffers), capacity: rank.memoryCapacity)
    }
}
