import Foundation
import Units
import Workload

/// MoE dispatch (tokens to their experts) and combine (expert outputs back), for one rank of an
/// expert-parallel group.
///
/// Each token goes to `top_k` experts spread over the group's ranks. How many copies cross each fabric
/// depends on the stack's deduplication (one per expert, per destination rank, or per destination node
/// and then per rank), on node-limited routing where the model has expert groups, and on the payload:
/// dispatch sends the hidden vector in the compute format with one 4-byte scale per 128 elements when
/// quantised (FP8, INT8), or in BF16; combine returns BF16. The busiest receiver takes the mean times the
/// expert load ratio; the operation lasts as long as the slower of sending and receiving, plus the
/// farthest latency and the stack's collective overhead.
public struct ExpertExchange: Sendable, Hashable {
    public var tokensPerRank: Double
    public var topK: Int
    public var hidden: Int
    public var group: RankGroup
    /// Expert slots (routed plus redundant) each rank of the group holds.
    public var slotsPerRank: Int
    public var deduplication: DispatchDeduplication
    /// Node-limited routing: expert groups, and groups each token may pick.
    public var expertGroups: Int?
    public var groupsPerToken: Int?
    /// Busiest receiver's load over the mean.
    public var loadRatio: Double

    public init(tokensPerRank: Double, topK: Int, hidden: Int, group: RankGroup, slotsPerRank: Int,
                deduplication: DispatchDeduplication, expertGroups: Int? = nil, groupsPerToken: Int? = nil, loadRatio: Double) {
        self.tokensPerRank = tokensPerRank
        self.topK = topK
        self.hidden = hidden
        self.group = group
        self.slotsPerRank = slotsPerRank
        self.deduplication = deduplication
        self.expertGroups = expertGroups
        self.groupsPerToken = groupsPerToken
        self.loadRatio = loadRatio
    }

    /// Bytes of one token copy: FP8 and INT8 carry a 4-byte scale per 128 elements; FP4 is NVFP4, with a
    /// 1-byte (FP8) scale per 16 elements.
    public static func payloadBytes(hidden: Int, precision: Precision) -> Double {
        switch precision {
        case .fp4:
            return Double(hidden) * precision.bytesPerElement + Double(hidden) / 16
        case .fp8, .int8:
            return Double(hidden) * precision.bytesPerElement + Double(hidden) / 128 * 4
        default:
            return Double(hidden) * precision.bytesPerElement
        }
    }

    /// Copies of one token that leave its rank over the scale-up and over the scale-out fabric.
    public var copiesPerToken: (scaleUp: Double, scaleOut: Double) {
        let size = group.size
        guard size > 1 else { return (0, 0) }
        let remoteShare = Double(group.remote) / Double(group.peers)
        switch deduplication {
        case .perExpert:
            let leaving = Double(topK) * Double(size - 1) / Double(size)
            return (leaving * (1 - remoteShare), leaving * remoteShare)
        case .perRank:
            let distinct = ExpertLoad.expectedDistinct(buckets: size, perBucket: slotsPerRank, draws: topK)
            let leaving = distinct * Double(size - 1) / Double(size)
            return (leaving * (1 - remoteShare), leaving * remoteShare)
        case .perNode:
            let distinctRanks = ExpertLoad.expectedDistinct(buckets: size, perBucket: slotsPerRank, draws: topK)
            guard group.domains > 1 else { return (distinctRanks * Double(size - 1) / Double(size), 0) }
            let domains = group.domains
            let distinctDomains: Double
            if let groups = expertGroups, let picked = groupsPerToken, groups >= domains, groups % domains == 0 {
                distinctDomains = ExpertLoad.expectedDistinct(buckets: domains, perBucket: groups / domains, draws: picked)
            } else {
                distinctDomains = ExpertLoad.expectedDistinct(buckets: domains, perBucket: slotsPerRank * group.ranksPerDomain, draws: topK)
            }
            let remoteDomains = distinctDomains * Double(domains - 1) / Double(domains)
            // Over the scale-out fabric once per remote domain; inside each domain, forwarded to each target rank.
            return (distinctRanks * Double(size - 1) / Double(size), remoteDomains)
        }
    }

    /// Time to move `bytesPerCopy`-byte copies: the busiest of sending and receiving, on each fabric.
    public func time(bytesPerCopy: Double, overhead: TimeSpan) -> CommunicationTime {
        guard group.size > 1, tokensPerRank > 0 else { return .zero }
        let copies = copiesPerToken
        let upBytes = tokensPerRank * copies.scaleUp * bytesPerCopy * loadRatio
        let outBytes = tokensPerRank * copies.scaleOut * bytesPerCopy * loadRatio
        let up = upBytes / group.allToAllScaleUpBandwidth.bytesPerSecond
        let out = outBytes > 0 ? outBytes / (group.allToAllScaleOutBandwidth?.bytesPerSecond ?? .infinity) : 0
        return CommunicationTime(transfer: TimeSpan(seconds: max(up, out)), latency: group.maxLatency, overhead: overhead, algorithm: .direct)
    }
}

/// One side of an expert exchange.
public enum ExchangeOperation: String, Sendable, Hashable, Codable, CaseIterable {
    case dispatch, combine
}

extension ExpertExchange {
    /// A dispatch or combine microbenchmark as the papers run it: `tokensPerRank` tokens on each of `ranks`
    /// ranks, each sent to `topK` of `experts` experts (one per rank unless given), balanced, with the
    /// stack's decode (low-latency) deduplication and the profile's fixed cost for a group of that size.
    public static func benchmark(_ operation: ExchangeOperation, ranks: Int, tokensPerRank: Int, hidden: Int, topK: Int,
                                 experts: Int? = nil, precision: Precision, on rank: RankHardware) throws(CostModelError) -> CommunicationTime {
        let group = try RankGroup(size: ranks, on: rank)
        let exchange = ExpertExchange(
            tokensPerRank: Double(tokensPerRank), topK: topK, hidden: hidden, group: group,
            slotsPerRank: max(1, (experts ?? ranks) / ranks), deduplication: rank.profile.network.decodeDispatch, loadRatio: 1)
        let network = rank.profile.network
        return exchange.time(bytesPerCopy: payloadBytes(hidden: hidden, precision: precision),
                             overhead: operation == .dispatch ? network.dispatchOverhead(ranks: ranks) : network.combineOverhead(ranks: ranks))
    }
}
