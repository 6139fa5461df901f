import Foundation
import Units

/// A collective operation and the algorithms it may run as.
public enum CollectiveOperation: String, Sendable, Hashable, Codable, CaseIterable {
    case allReduce = "all_reduce"
    case allGather = "all_gather"
    case reduceScatter = "reduce_scatter"
    case allToAll = "all_to_all"
    case broadcast
    case pointToPoint = "point_to_point"
}

/// The algorithm a collective was priced with.
public enum CollectiveAlgorithm: String, Sendable, Hashable, Codable {
    case none, ring, halvingDoubling = "halving-doubling", direct, tree, hierarchical
}

/// The time of one communication operation, split into its parts.
public struct CommunicationTime: Sendable, Hashable {
    public var transfer: TimeSpan
    public var latency: TimeSpan
    public var overhead: TimeSpan
    public var algorithm: CollectiveAlgorithm
    public var total: TimeSpan { transfer + latency + overhead }

    public static let zero = CommunicationTime(transfer: .zero, latency: .zero, overhead: .zero, algorithm: .none)
}

public enum Collectives {
    /// Time of `operation` over `group`, where `bytes` is each rank's buffer: the full vector for all-reduce
    /// and broadcast, the gathered result for all-gather and the input for reduce-scatter, the total a rank
    /// sends for all-to-all, the message for point-to-point.
    ///
    /// Candidates, with G ranks, bandwidth B to the slowest peer, latency α to the farthest:
    /// - ring: all-reduce 2(G−1)/G·S/B + 2(G−1)·α; all-gather and reduce-scatter (G−1)/G·S/B + (G−1)·α; across n
    ///   scale-up domains of d ranks, NCCL's d rings each leave a domain through a different rank's scale-out
    ///   port, so 1/B becomes max((d−1)/d / B_up, 1/d / B_out), both fabrics carrying their share at once;
    /// - halving-doubling: the same bytes with 2·log₂G·α (all-reduce) or log₂G·α; when G is not a power of
    ///   two, the ranks beyond the largest power of two first fold their data in and get the result back
    ///   (one extra S/B and 2α);
    /// - tree (NCCL's double binary tree): all-reduce reduces up two trees, each with half the data, and
    ///   broadcasts back down, so each rank sends and receives S in each phase: 2·S/B + 2·⌈log₂G⌉·α, no fold;
    /// - direct all-to-all: the scale-up and scale-out shares sent in parallel, each at its own bandwidth, + α;
    /// - tree broadcast: S/B + log₂G·α;
    /// - hierarchical, when the group spans n scale-up domains of d ranks (NCCL's multi-ring behaviour, each rank
    ///   on its own scale-out port): inside each domain over scale-up, across domains only each rank's 1/d
    ///   share over scale-out. All-reduce 2(d−1)/d·S/B_up + 2(n−1)/n·(S/d)/B_out + 2(d−1)·α_up + 2⌈log₂n⌉·α_out;
    ///   all-gather and reduce-scatter half the bytes and steps.
    /// The cheapest candidate is chosen, so small messages pay latency and large ones bandwidth. Every
    /// operation adds the stack's collective overhead once.
    public static func time(_ operation: CollectiveOperation, bytes: Bytes, group: RankGroup, overhead: TimeSpan) -> CommunicationTime {
        let ranks = Double(group.size)
        guard group.size > 1, bytes.bytes > 0 else { return .zero }
        let bandwidth = group.bottleneckBandwidth.bytesPerSecond
        let alpha = group.maxLatency
        let steps = log2(ranks).rounded(.down)
        let isPowerOfTwo = group.size & (group.size - 1) == 0
        let fold = isPowerOfTwo ? 0 : bytes.bytes / bandwidth
        let foldLatency = isPowerOfTwo ? TimeSpan.zero : alpha * 2
        func option(_ transfer: Double, _ latency: TimeSpan, _ algorithm: CollectiveAlgorithm) -> CommunicationTime {
            CommunicationTime(transfer: TimeSpan(seconds: transfer), latency: latency, overhead: overhead, algorithm: algorithm)
        }
        // Inside each scale-up domain, then across domains with each rank's 1/d share: (transfer, latency) of
        // one pass (reduce-scatter or all-gather); all-reduce takes two.
        var hierarchical: (transfer: Double, latency: TimeSpan)?
        if group.domains > 1, group.remote > 0, let out = group.scaleOutBandwidth {
            let d = Double(group.ranksPerDomain), n = Double(group.domains)
            hierarchical = ((d - 1) / d * bytes.bytes / group.scaleUpBandwidth.bytesPerSecond + (n - 1) / n * bytes.bytes / d / out.bytesPerSecond,
                            group.domainLatency * (d - 1) + group.remoteLatency * log2(n).rounded(.up))
        }
        // A ring's seconds per byte each rank forwards: the slowest link inside one domain; across domains NCCL
        // runs one ring per rank of a domain, each leaving the domain through a different rank's scale-out port,
        // and a ring's chunks move on every link at once, so a rank forwards (d-1)/d of the ring traffic over
        // scale-up and 1/d over its own port, both fabrics busy together.
        var ringSecondsPerByte = 1 / bandwidth
        if group.domains > 1, group.remote > 0, let out = group.scaleOutBandwidth {
            let d = Double(group.ranksPerDomain)
            ringSecondsPerByte = max((d - 1) / d / group.scaleUpBandwidth.bytesPerSecond, 1 / d / out.bytesPerSecond)
        }
        switch operation {
        case .allReduce:
            let transfer = 2 * (ranks - 1) / ranks * bytes.bytes / bandwidth
            var options = [option(2 * (ranks - 1) / ranks * bytes.bytes * ringSecondsPerByte, alpha * (2 * (ranks - 1)), .ring),
                           option(transfer + fold, alpha * (2 * steps) + foldLatency, .halvingDoubling),
                           option(2 * bytes.bytes / bandwidth, alpha * (2 * log2(ranks).rounded(.up)), .tree)]
            if let hierarchical { options.append(option(2 * hierarchical.transfer, hierarchical.latency * 2, .hierarchical)) }
            return cheapest(options)
        case .allGather, .reduceScatter:
            let transfer = (ranks - 1) / ranks * bytes.bytes / bandwidth
            var options = [option((ranks - 1) / ranks * bytes.bytes * ringSecondsPerByte, alpha * (ranks - 1), .ring),
                           option(transfer + fold, alpha * steps + foldLatency, .halvingDoubling)]
            if let hierarchical { options.append(option(hierarchical.transfer, hierarchical.latency, .hierarchical)) }
            return cheapest(options)
        case .allToAll:
            return option(directTransfer(bytes.bytes, group: group), alpha, .direct)
        case .broadcast:
            return option(bytes.bytes / bandwidth, alpha * log2(ranks).rounded(.up), .tree)
        case .pointToPoint:
            return option(bytes.bytes / bandwidth, alpha, .direct)
        }
    }

    /// Seconds to send `bytes` spread evenly over a group's peers, the scale-up and scale-out shares in
    /// parallel, each at its all-to-all bandwidth (contention in an oversubscribed first tier included).
    static func directTransfer(_ bytes: Double, group: RankGroup) -> Double {
        let peers = Double(max(group.peers, 1))
        let up = bytes * Double(group.scaleUpPeers) / peers / group.allToAllScaleUpBandwidth.bytesPerSecond
        let out = group.remote > 0 ? bytes * Double(group.remote) / peers / (group.allToAllScaleOutBandwidth?.bytesPerSecond ?? .infinity) : 0
        return max(up, out)
    }

    static func cheapest(_ options: [CommunicationTime]) -> CommunicationTime {
        options.min { $0.total < $1.total }!
    }
}
