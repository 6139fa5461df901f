import DataFiles
import Foundation
import Hardware
import Units

/// One communication operation on its own: a collective over a group of ranks, or one side of a MoE expert
/// exchange, as `supernode collective` and the validation format's collective cases give it.
public struct CommunicationRequest: Sendable, Hashable {
    public enum Operation: String, Sendable, Hashable, Codable, CaseIterable, ListedChoice {
        case allReduce = "all_reduce"
        case allGather = "all_gather"
        case reduceScatter = "reduce_scatter"
        case allToAll = "all_to_all"
        case broadcast
        case pointToPoint = "point_to_point"
        case moeDispatch = "moe_dispatch"
        case moeCombine = "moe_combine"

        /// Dispatch or combine, which move token copies rather than a buffer.
        public var isExpertExchange: Bool { self == .moeDispatch || self == .moeCombine }

        /// nccl-tests' bus bandwidth over algorithm bandwidth on `ranks` ranks: 2(n-1)/n for all-reduce,
        /// (n-1)/n for all-gather, reduce-scatter and all-to-all, 1 otherwise.
        public func busFactor(ranks: Int) -> Double {
            let n = Double(ranks)
            switch self {
            case .allReduce: return 2 * (n - 1) / n
            case .allGather, .reduceScatter, .allToAll: return (n - 1) / n
            case .broadcast, .pointToPoint, .moeDispatch, .moeCombine: return 1
            }
        }

        /// The collective the operation is, by the shared name; nil for dispatch and combine.
        var collective: CollectiveOperation? { CollectiveOperation(rawValue: rawValue) }
    }

    public var operation: Operation
    /// Ranks in the group, consecutive from a domain boundary.
    public var ranks: Int
    /// Ranks per chip; nil for the stack's devices per chip.
    public var ranksPerChip: Int?
    /// Collectives: each rank's buffer (the full vector for all-reduce and broadcast, the gathered result for
    /// all-gather, the input for reduce-scatter, what a rank sends for all-to-all, the message for point-to-point).
    public var bytes: Bytes?
    /// Dispatch and combine: tokens on each rank, their hidden size, experts per token, routed experts over the
    /// group (nil: one per rank), and the dispatched payload's format (combine returns BF16 whatever it is).
    public var tokensPerRank: Int?
    public var hidden: Int?
    public var topK: Int?
    public var experts: Int?
    public var precision: Precision

    public init(operation: Operation, ranks: Int, ranksPerChip: Int? = nil, bytes: Bytes? = nil, tokensPerRank: Int? = nil,
                hidden: Int? = nil, topK: Int? = nil, experts: Int? = nil, precision: Precision = .bf16) {
        self.operation = operation
        self.ranks = ranks
        self.ranksPerChip = ranksPerChip
        self.bytes = bytes
        self.tokensPerRank = tokensPerRank
        self.hidden = hidden
        self.topK = topK
        self.experts = experts
        self.precision = precision
    }
}

/// The predicted time of one communication operation, with the group it ran over and its bandwidths.
public struct CommunicationPrediction: Sendable, Hashable {
    public var time: CommunicationTime
    public var group: RankGroup
    /// Ranks per chip, as resolved (the request's, or the stack's devices per chip).
    public var ranksPerChip: Int
    /// Routed experts over the group, as resolved, for dispatch and combine.
    public var experts: Int?
    /// What one rank moves by the operation's definition: the buffer for collectives (nccl-tests' size), the
    /// copies a rank sends for dispatch and combine (tokens x top-k x the payload with its scales).
    public var bytes: Bytes
    /// `bytes` over the time (nccl-tests' algbw).
    public var algorithmBandwidth: Bandwidth
    /// The algorithm bandwidth times the operation's bus factor (nccl-tests' busbw).
    public var busBandwidth: Bandwidth
}

extension CommunicationRequest {
    /// Prices the operation on `system` with `profile`.
    /// - Throws: ``CostModelError/layout(_:)`` for a group the system cannot hold, ``CostModelError/load(_:)``
    ///   for missing or out-of-range sizes.
    public func price(on system: System, profile: CalibrationProfile) throws(CostModelError) -> CommunicationPrediction {
        let perChip = ranksPerChip ?? profile.devicesPerChip ?? 1
        guard perChip >= 1, system.chip.dies % perChip == 0 else {
            throw .layout("ranks_per_chip \(perChip) does not divide the \(system.chip.dies) dies of \(system.chip.name); use \(Divisors.alternatives(Divisors.of(system.chip.dies)))")
        }
        guard ranks >= 1, ranks <= system.chips * perChip else {
            throw .layout("the operation needs 1 to \(system.chips * perChip) ranks on \(system.name) (\(system.chips) chips x \(perChip)), got \(ranks); use fewer ranks or a larger system\(system.isResizable ? " (\(system.name):nodes=N)" : "")")
        }
        let rank = RankHardware(system: system, ranksPerChip: perChip, profile: profile)
        let group = try RankGroup(size: ranks, on: rank)
        let time: CommunicationTime
        let moved: Double
        var resolvedExperts: Int?
        if let collective = operation.collective {
            guard let bytes else { throw .load("\(operation.rawValue) needs bytes, each rank's buffer, such as 64 MiB") }
            guard bytes.bytes > 0, bytes.bytes <= 1e15 else {
                throw .load("bytes must be positive and at most 1 PB, got \(NumberText.shortest(bytes.bytes))")
            }
            time = Collectives.time(collective, bytes: bytes, group: group, overhead: profile.network.collectiveOverhead)
            moved = bytes.bytes
        } else {
            guard let tokens = tokensPerRank, let hidden, let topK else {
                throw .load("\(operation.rawValue) needs tokens_per_rank, hidden and top_k")
            }
            let experts = self.experts ?? ranks
            for (name, value) in [("tokens_per_rank", tokens), ("hidden", hidden), ("top_k", topK), ("experts", experts)] where value < 1 || value > 1 << 31 {
                throw .load("\(name) must be a positive count up to 2^31, got \(value)")
            }
            guard topK <= experts else { throw .load("top_k \(topK) is more than the \(experts) experts") }
            resolvedExperts = experts
            let format = operation == .moeDispatch ? precision : .bf16
            time = try ExpertExchange.benchmark(operation == .moeDispatch ? .dispatch : .combine, ranks: ranks, tokensPerRank: tokens,
                                                hidden: hidden, topK: topK, experts: experts, precision: format, on: rank)
            moved = Double(tokens) * Double(topK) * ExpertExchange.payloadBytes(hidden: hidden, precision: format)
        }
        let seconds = time.total.seconds
        let algorithm = seconds > 0 ? moved / seconds : 0
        return CommunicationPrediction(time: time, group: group, ranksPerChip: perChip, experts: resolvedExperts, bytes: Bytes(moved), algorithmBandwidth: Bandwidth(bytesPerSecond: algorithm),
                                       busBandwidth: Bandwidth(bytesPerSecond: algorithm * operation.busFactor(ranks: ranks)))
    }
}
