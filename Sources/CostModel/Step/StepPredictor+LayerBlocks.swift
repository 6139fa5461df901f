import Foundation
import Hardware
import Units
import Workload

extension StepPredictor {
    /// One micro-batch's blocks of a layer, priced: attention, router, dense FFN, experts, and the
    /// communication between them.
    struct LayerBlocks {
        let work: LayerWork
        let layout: Layout
        let rank: RankHardware
        let request: StepRequest
        let mbTokens: Double, mbSequences: Double, context: Double

        struct Priced {
            var attention: TimeSpan
            var routing: TimeSpan
            var dense: TimeSpan
            var experts: TimeSpan
            var dispatch: TimeSpan
            var combine: TimeSpan
            /// Collectives inside attention, already on the attention's stream.
            var attentionComm: [MicrobatchSchedule.Task]
            /// Collectives inside a tensor-parallel dense FFN; ``chain(model:partitioned:attentionShare:)`` puts them
            /// on the FFN's stream.
            var ffnComm: [MicrobatchSchedule.Task]
            var facts: [(String, String)]

            /// One micro-batch's chain of tasks, layer after layer. `partitioned`: the MoE path (router, dispatch,
            /// experts, combine, dense FFN) runs on its own stream, and with `attentionShare` durations priced on
            /// the whole chip are stretched to each stream's share (attention path by 1 / share, MoE path by
            /// 1 / (1 - share)). Otherwise compute on the compute resource and expert dispatch and combine on the
            /// network. The collectives inside attention and a tensor-parallel dense FFN stay in their block's
            /// stream, as the stacks run them: SGLang's two-batch overlap switches micro-batches only around
            /// dispatch and combine, and CANN's prefill pipeline gives its communication engines only those
            /// (Zuo et al. Fig. 18b), so the other micro-batch cannot hide them.
            func chain(model: ModelArchitecture, partitioned: Bool, attentionShare: Double? = nil) -> [MicrobatchSchedule.Task] {
                let attentionStretch = attentionShare.map { 1 / $0 } ?? 1
                let moeStretch = attentionShare.map { 1 / (1 - $0) } ?? 1
                let moeStream: MicrobatchSchedule.Resource = partitioned ? .secondStream : .compute
                let commStream: MicrobatchSchedule.Resource = partitioned ? .secondStream : .network
                let inFFN = ffnComm.map { MicrobatchSchedule.Task($0.name, moeStream, $0.duration, communication: true) }
                var chain: [MicrobatchSchedule.Task] = []
                chain.reserveCapacity(model.layers * (2 + attentionComm.count + max(4, 1 + inFFN.count)))
                for layer in 0..<model.layers {
                    let first = chain.count
                    chain.append(.init("attention", .compute, attention * attentionStretch))
                    chain += attentionComm
                    if model.isMoELayer(layer) {
                        chain.append(.init("router", moeStream, routing * moeStretch))
                        chain.append(.init("dispatch", commStream, dispatch, communication: true))
                        chain.append(.init("experts", moeStream, experts * moeStretch))
                        chain.append(.init("combine", commStream, combine, communication: true))
                    } else {
                        chain.append(.init("dense FFN", moeStream, dense * moeStretch))
                        chain += inFFN
                    }
                    for index in first..<chain.count { chain[index].layer = layer }
                }
                return chain
            }
        }

        /// Prices the blocks into `ledger`, the attention block slowed by `attentionSlowdown` (the share of the
        /// compute units it does not have) and the router, dense FFN and experts by `moeSlowdown`.
        func price(ledger: inout Ledger, attentionSlowdown: Double, moeSlowdown: Double) throws(CostModelError) -> Priced {
            let model = request.model
            let profile = rank.profile
            let attentionTime = try ledger.price(work.attention(tokens: mbTokens, sequences: mbSequences, context: context), on: rank,
                                                 block: "attention", calls: model.layers * layout.microbatches, slowdown: attentionSlowdown)
            let routingTime = try ledger.price(work.routing(tokens: mbTokens), on: rank, block: "moe", calls: model.moeLayerCount * layout.microbatches,
                                               slowdown: moeSlowdown)
            let denseTime = model.denseLayerCount > 0
                ? try ledger.price(work.denseFFN(tokens: mbTokens), on: rank, block: "ffn", calls: model.denseLayerCount * layout.microbatches, slowdown: moeSlowdown)
                : .zero

            // Tensor-parallel communication per attention and per dense FFN.
            var attentionComm: [MicrobatchSchedule.Task] = []
            var ffnComm: [MicrobatchSchedule.Task] = []
            let overhead = profile.network.collectiveOverhead
            let attentionCalls = model.layers * layout.microbatches
            if layout.headParallel > 1 {
                let group = try RankGroup(size: layout.headParallel, on: rank)
                switch layout.attentionKind {
                case .spTpSp:
                    let traffic = work.sequenceParallelTraffic(tokens: mbTokens)
                    let gather = Collectives.time(.allGather, bytes: Bytes(traffic.gather), group: group, overhead: overhead)
                    let exchange = Collectives.time(.allToAll, bytes: Bytes(traffic.exchange), group: group, overhead: overhead)
                    ledger.communication("attention all-gather", gather, calls: attentionCalls)
                    ledger.communication("attention all-to-all", exchange, calls: attentionCalls)
                    attentionComm = [.init("attention all-gather", .compute, gather.total, communication: true),
                                     .init("attention all-to-all", .compute, exchange.total, communication: true)]
                case .tensor, .data:
                    let bytes = Bytes(work.headRows(mbTokens) * work.d * 2)
                    let reduce = Collectives.time(.allReduce, bytes: bytes, group: group, overhead: overhead)
                    ledger.communication("attention all-reduce", reduce, calls: attentionCalls)
                    attentionComm = [.init("attention all-reduce", .compute, reduce.total, communication: true)]
                }
            }
            if layout.ffnParallel > 1, model.denseLayerCount > 0 {
                let group = try RankGroup(size: layout.ffnParallel, on: rank)
                let reduce = Collectives.time(.allReduce, bytes: Bytes(mbTokens * Double(layout.ffnParallel) * work.d * 2), group: group, overhead: overhead)
                ledger.communication("FFN all-reduce", reduce, calls: model.denseLayerCount * layout.microbatches)
                ffnComm = [.init("FFN all-reduce", .network, reduce.total)]
            }

            // Experts and their dispatch and combine, per micro-batch.
            var priced = Priced(attention: attentionTime, routing: routingTime, dense: denseTime, experts: .zero, dispatch: .zero, combine: .zero,
                                attentionComm: attentionComm, ffnComm: ffnComm, facts: [])
            if let moe = model.moe {
                let moeCalls = model.moeLayerCount * layout.microbatches
                let expert = try StepPredictor.expertBlock(moe: moe, tokens: mbTokens, layout: layout, work: work, rank: rank, request: request,
                                                           ledger: &ledger, calls: moeCalls, slowdown: moeSlowdown)
                priced.experts = expert.time
                priced.dispatch = expert.dispatch.total
                priced.combine = expert.combine.total
                priced.facts = expert.facts
            }
            return priced
        }
    }

    struct ExpertBlock {
        var time: TimeSpan
        var dispatch: CommunicationTime
        var combine: CommunicationTime
        var facts: [(String, String)]
    }

    /// The experts of one MoE layer for one micro-batch: the busiest routed rank (or shared-expert rank),
    /// and the dispatch and combine around it.
    static func expertBlock(moe: ModelArchitecture.MixtureOfExperts, tokens: Double, layout: Layout, work: LayerWork,
                            rank: RankHardware, request: StepRequest, ledger: inout Ledger, calls: Int, slowdown: Double,
                            label: String = "") throws(CostModelError) -> ExpertBlock {
        let load = ExpertRankLoad(moe: moe, tokens: tokens, layout: layout, deployment: request.deployment)
        let ratio = load.ratio, routedLoad = load.routed
        let routed = work.experts("\(label)routed experts", tokens: routedLoad, slots: Double(layout.slotsPerRank))
        var time: TimeSpan
        if layout.sharedRanks > 0 {
            let sharedLoad = load.shared
            let shared = work.experts("\(label)shared expert", tokens: sharedLoad, slots: 1)
            let routedTime = try sum(routed, on: rank)
            let sharedTime = try sum(shared, on: rank)
            time = try ledger.price(routedTime >= sharedTime ? routed : shared, on: rank, block: label.isEmpty ? "moe" : "mtp", calls: calls, slowdown: slowdown)
        } else {
            let shared = work.experts("\(label)shared expert", tokens: tokens * Double(moe.sharedExperts), slots: Double(moe.sharedExperts))
            time = try ledger.price(routed + shared, on: rank, block: label.isEmpty ? "moe" : "mtp", calls: calls, slowdown: slowdown)
        }
        let group = try RankGroup(size: layout.expertParallel, on: rank)
        let exchange = ExpertExchange(
            tokensPerRank: tokens, topK: moe.expertsPerToken, hidden: request.model.hiddenSize, group: group,
            slotsPerRank: layout.slotsPerRank,
            deduplication: request.phase == .prefill ? rank.profile.network.prefillDispatch : rank.profile.network.decodeDispatch,
            expertGroups: moe.groups, groupsPerToken: moe.groupsPerToken, loadRatio: ratio)
        let network = rank.profile.network
        let dispatch = exchange.time(bytesPerCopy: ExpertExchange.payloadBytes(hidden: request.model.hiddenSize, precision: request.precision.expert),
                                     overhead: network.dispatchOverhead(ranks: group.size))
        let combine = exchange.time(bytesPerCopy: ExpertExchange.payloadBytes(hidden: request.model.hiddenSize, precision: .bf16),
                                    overhead: network.combineOverhead(ranks: group.size))
        ledger.communication("\(label)dispatch", dispatch, calls: calls)
        ledger.communication("\(label)combine", combine, calls: calls)
        let copiesPerToken = exchange.copiesPerToken
        let facts: [(String, String)] = label.isEmpty ? [
            ("expert load, busiest / mean", NumberText.fixed(ratio, decimals: 3)),
            ("token copies on the busiest expert rank", "\(NumberText.grouped(routedLoad, decimals: 0)) per micro-batch"),
            ("copies per token, scale-up / scale-out", "\(NumberText.fixed(copiesPerToken.scaleUp, decimals: 2)) / \(NumberText.fixed(copiesPerToken.scaleOut, decimals: 2))"),
            ("expert slots per rank", layout.sharedRanks > 0 ? "\(layout.slotsPerRank) (\(layout.sharedRanks) ranks hold shared-expert replicas)" : "\(layout.slotsPerRank) + shared expert locally"),
        ] : []
        return ExpertBlock(time: time, dispatch: dispatch, combine: combine, facts: facts)
    }

    static func sum(_ kernels: [Kernel], on rank: RankHardware) throws(CostModelError) -> TimeSpan {
        var total = TimeSpan.zero
        for kernel in kernels { total += try rank.time(kernel).total }
        return total
    }
}

extension ModelArchitecture.Attention {
    var isLatent: Bool {
        if case .latent = self { return true }
        return false
    }
}
