import Foundation
import DataFiles
import Units

/// How close a chip and its software stack come to their peaks, from kernel measurements.
///
/// A profile belongs to a chip family and a stack (`h200-pytorch`, `ascend-910c-cann`). It holds fractions,
/// not rates, so one profile serves sibling chips by their own peak and bandwidth (H100 and H800 use the
/// H200 profile). Every figure states its origin in `sources`; none is fitted to a validation case.
public struct CalibrationProfile: Sendable, Hashable, Codable {
    public var name: String
    /// Chips the profile applies to.
    public var chips: [String]
    public var stack: String
    /// Devices the stack exposes per chip package (2 for CANN on the dual-die 910C, which schedules each die
    /// as its own device); the default rank count per chip. Default 1.
    public var devicesPerChip: Int?
    /// Fraction of the dense peak that large GEMMs reach, per precision name (`bf16: 0.77`).
    public var gemm: [String: Double]
    /// Fraction of the dense peak that GEMMs with fine-grained block-wise scales reach, per precision name,
    /// where the stack runs them with their own kernels (DeepGEMM's FP8 with 128-wide scale blocks on Hopper).
    /// Absent: such GEMMs run at `gemm`.
    public var blockScaledGemm: [String: Double]?
    /// Fraction of HBM bandwidth that streaming operands (weights, activations) reach.
    public var memoryEfficiency: Double
    /// Fraction of HBM bandwidth GEMMs reach on their operands, when it differs from `memory_efficiency`
    /// (a CPU whose caches hold small weight matrices: it may then exceed 1). Default: `memory_efficiency`.
    public var gemmMemoryEfficiency: Double?
    public var attention: AttentionEfficiency
    /// Fixed time every kernel costs on top of its roofline time (launch, setup, tail).
    public var kernelOverhead: TimeSpan
    /// The same for a decode step, when the stack replays decode from a captured graph (CUDA graphs, CANN's
    /// compiled graphs): no host launch between kernels, only the device's own fixed cost. Default:
    /// `kernel_overhead` (a stack that launches decode kernels one by one).
    public var decodeKernelOverhead: TimeSpan?
    public var network: NetworkEfficiency
    /// How the stack overlaps a decode step's micro-batches. Default: `alternating`.
    public var decodeOverlap: MicrobatchOverlap?
    /// Rows per block of the stack's grouped expert GEMMs: each expert's rows are computed in whole blocks of
    /// this height, padding included. Default: 1 (no padding).
    public var expertBlockRows: Int?
    /// Where each figure comes from.
    public var sources: [String: String]
    /// Ids of published results this profile was fitted to. A validation case among them is a calibration
    /// input, not an independent check, and `validate` reports it as such.
    public var fittedTo: [String]?

    public init(name: String, chips: [String], stack: String, gemm: [String: Double], memoryEfficiency: Double,
                gemmMemoryEfficiency: Double? = nil, attention: AttentionEfficiency, kernelOverhead: TimeSpan, network: NetworkEfficiency, sources: [String: String],
                fittedTo: [String]? = nil) {
        self.fittedTo = fittedTo
        self.gemmMemoryEfficiency = gemmMemoryEfficiency
        self.name = name
        self.chips = chips
        self.stack = stack
        self.gemm = gemm
        self.memoryEfficiency = memoryEfficiency
        self.attention = attention
        self.kernelOverhead = kernelOverhead
        self.network = network
        self.sources = sources
    }

    /// Fixed time per kernel in a step of `phase`.
    public func kernelOverhead(_ phase: Phase) -> TimeSpan {
        phase == .decode ? decodeKernelOverhead ?? kernelOverhead : kernelOverhead
    }

    /// The profile as a step of `phase` sees it: decode's per-kernel cost in place of `kernel_overhead`.
    public func forPhase(_ phase: Phase) -> CalibrationProfile {
        var profile = self
        profile.kernelOverhead = kernelOverhead(phase)
        profile.decodeKernelOverhead = nil
        return profile
    }

    /// GEMM efficiency for `precision`, or nil when the stack was not measured in it; for block-scaled GEMMs
    /// the block-scaled efficiency where the profile has one.
    public func gemmEfficiency(_ precision: Precision, blockScaled: Bool = false) -> Double? {
        if blockScaled, let efficiency = blockScaledGemm?[precision.rawValue] { return efficiency }
        return gemm[precision.rawValue]
    }
}

/// Attention kernels: compute-bound (prefill, absorbed MLA decode) and memory-bound (KV-cache reads).
public struct AttentionEfficiency: Sendable, Hashable, Codable {
    public var computeEfficiency: Double
    public var memoryEfficiency: Double
    /// Causal prefill attention's compute efficiency by sequence length, where measured (short sequences
    /// waste more of each tile on the mask and the pipeline's fill); between points linear in log2(length),
    /// the end points beyond. Absent: `compute_efficiency` at every length.
    public var prefillByLength: [LengthEfficiency]?

    public init(computeEfficiency: Double, memoryEfficiency: Double, prefillByLength: [LengthEfficiency]? = nil) {
        self.computeEfficiency = computeEfficiency
        self.memoryEfficiency = memoryEfficiency
        self.prefillByLength = prefillByLength
    }

    public struct LengthEfficiency: Sendable, Hashable, Codable {
        public var tokens: Int
        public var efficiency: Double

        public init(tokens: Int, efficiency: Double) {
            self.tokens = tokens
            self.efficiency = efficiency
        }
    }

    /// Causal attention's efficiency at a sequence of `length` tokens, or nil without a table.
    public func prefillEfficiency(length: Double) -> Double? {
        guard let points = prefillByLength, let first = points.first, let last = points.last else { return nil }
        if length <= Double(first.tokens) { return first.efficiency }
        if length >= Double(last.tokens) { return last.efficiency }
        for (low, high) in zip(points, points.dropFirst()) where length <= Double(high.tokens) {
            let position = log2(length / Double(low.tokens)) / log2(Double(high.tokens) / Double(low.tokens))
            return low.efficiency + position * (high.efficiency - low.efficiency)
        }
        return last.efficiency
    }
}

/// What the stack's communication kernels reach on each fabric.
public struct NetworkEfficiency: Sendable, Hashable, Codable {
    /// Fraction of the scale-up link bandwidth reached by bulk transfers.
    public var scaleUpEfficiency: Double
    /// Fraction of the scale-out link bandwidth reached by bulk transfers.
    public var scaleOutEfficiency: Double
    /// How expert dispatch sends a token that goes to several experts, in prefill (throughput kernels) and
    /// in decode (low-latency kernels).
    public var prefillDispatch: DispatchDeduplication
    public var decodeDispatch: DispatchDeduplication
    /// Fixed cost of one collective kernel (launch and synchronisation), on top of latency.
    public var collectiveOverhead: TimeSpan
    /// Fixed cost of one expert dispatch (routing layout, quantisation, launch and synchronisation).
    public var dispatchOverhead: TimeSpan
    /// Fixed cost of one expert combine.
    public var combineOverhead: TimeSpan
    /// Growth of the dispatch and of the combine fixed cost each time the expert-parallel group doubles; with
    /// them, `dispatch_overhead` and `combine_overhead` are the costs a group of one rank would extrapolate to.
    public var dispatchOverheadPerDoubling: TimeSpan?
    public var combineOverheadPerDoubling: TimeSpan?
    /// Fraction of the compute units a communication kernel occupies while it overlaps compute (prefill's
    /// throughput kernels, and decode's unless `decode_compute_share` says otherwise).
    public var computeShare: Double
    /// The same for decode's low-latency kernels, when it differs.
    public var decodeComputeShare: Double?

    /// Fixed cost of one dispatch over an expert-parallel group of `ranks`.
    public func dispatchOverhead(ranks: Int) -> TimeSpan { dispatchOverhead + (dispatchOverheadPerDoubling ?? .zero) * Self.doublings(ranks) }

    /// Fixed cost of one combine over an expert-parallel group of `ranks`.
    public func combineOverhead(ranks: Int) -> TimeSpan { combineOverhead + (combineOverheadPerDoubling ?? .zero) * Self.doublings(ranks) }

    static func doublings(_ ranks: Int) -> Double { log2(Double(max(ranks, 1))) }

    /// The compute share of communication in `phase`.
    public func computeShare(_ phase: Phase) -> Double {
        phase == .decode ? decodeComputeShare ?? computeShare : computeShare
    }

    public init(scaleUpEfficiency: Double, scaleOutEfficiency: Double, prefillDispatch: DispatchDeduplication,
                decodeDispatch: DispatchDeduplication, collectiveOverhead: TimeSpan, dispatchOverhead: TimeSpan,
                combineOverhead: TimeSpan, computeShare: Double) {
        self.dispatchOverhead = dispatchOverhead
        self.combineOverhead = combineOverhead
        self.scaleUpEfficiency = scaleUpEfficiency
        self.scaleOutEfficiency = scaleOutEfficiency
        self.prefillDispatch = prefillDispatch
        self.decodeDispatch = decodeDispatch
        self.collectiveOverhead = collectiveOverhead
        self.computeShare = computeShare
    }
}

/// How micro-batches share a chip.
public enum MicrobatchOverlap: String, Sendable, Hashable, Codable, CaseIterable, ListedChoice {
    /// The micro-batches take turns on the whole chip; one's communication runs while the other computes
    /// (DeepSeek's and SGLang's two-batch overlap).
    case alternating
    /// The attention path and the MoE path (router, dispatch, experts, combine) run as two concurrent
    /// streams on disjoint shares of the compute units (CANN's decode pipeline on the 910C).
    case partitioned
}

/// How many copies of a token cross the fabric when it is routed to several experts.
public enum DispatchDeduplication: String, Sendable, Hashable, Codable, CaseIterable, ListedChoice {
    /// One copy per expert (CloudMatrix-Infer's dispatch).
    case perExpert = "per-expert"
    /// One copy per destination rank, however many of its experts the token uses.
    case perRank = "per-rank"
    /// One copy per destination node over the scale-out fabric, then one per rank inside the node
    /// (DeepEP's internode kernels).
    case perNode = "per-node"
}

extension CalibrationProfile: CheckedDescription {
    public func check() throws(DescriptionIssue) {
        guard !chips.isEmpty else { throw DescriptionIssue(["chips"], "name at least one chip the profile applies to") }
        for (key, value) in gemm {
            guard Precision(rawValue: key) != nil else {
                throw DescriptionIssue(["gemm", key], "unknown precision '\(key)'. Known precisions: \(Precision.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try Self.fraction(value, ["gemm", key])
        }
        for (key, value) in blockScaledGemm ?? [:] {
            guard Precision(rawValue: key) != nil else {
                throw DescriptionIssue(["block_scaled_gemm", key], "unknown precision '\(key)'. Known precisions: \(Precision.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try Self.fraction(value, ["block_scaled_gemm", key])
        }
        if let rows = expertBlockRows, rows < 1 { throw DescriptionIssue(["expert_block_rows"], "must be at least 1, got \(rows)") }
        if let devices = devicesPerChip, devices < 1 { throw DescriptionIssue(["devices_per_chip"], "must be at least 1, got \(devices)") }
        try Self.fraction(memoryEfficiency, ["memory_efficiency"])
        if let gemmMemoryEfficiency, !(gemmMemoryEfficiency > 0 && gemmMemoryEfficiency <= 10) {
            throw DescriptionIssue(["gemm_memory_efficiency"], "must be in (0, 10], got \(gemmMemoryEfficiency)")
        }
        try Self.fraction(attention.computeEfficiency, ["attention", "compute_efficiency"])
        try Self.fraction(attention.memoryEfficiency, ["attention", "memory_efficiency"])
        if let points = attention.prefillByLength {
            guard !points.isEmpty else { throw DescriptionIssue(["attention", "prefill_by_length"], "give at least one point, or leave it out") }
            for (index, point) in points.enumerated() {
                guard point.tokens > 0 else { throw DescriptionIssue(["attention", "prefill_by_length", "\(index)", "tokens"], "must be positive, got \(point.tokens)") }
                try Self.fraction(point.efficiency, ["attention", "prefill_by_length", "\(index)", "efficiency"])
                if index > 0, point.tokens <= points[index - 1].tokens {
                    throw DescriptionIssue(["attention", "prefill_by_length", "\(index)", "tokens"], "lengths must increase: \(point.tokens) after \(points[index - 1].tokens)")
                }
            }
        }
        try Self.fraction(network.scaleUpEfficiency, ["network", "scale_up_efficiency"])
        try Self.fraction(network.scaleOutEfficiency, ["network", "scale_out_efficiency"])
        for (value, key) in [(network.computeShare, "compute_share"), (network.decodeComputeShare ?? 0, "decode_compute_share")] where !(value >= 0 && value < 1) {
            throw DescriptionIssue(["network", key], "must be a fraction in [0, 1), got \(value)")
        }
        guard kernelOverhead >= .zero else { throw DescriptionIssue(["kernel_overhead"], "must not be negative") }
        if let decodeKernelOverhead, decodeKernelOverhead < .zero { throw DescriptionIssue(["decode_kernel_overhead"], "must not be negative") }
        for (value, key) in [(network.collectiveOverhead, "collective_overhead"), (network.dispatchOverhead, "dispatch_overhead"),
                             (network.combineOverhead, "combine_overhead"),
                             (network.dispatchOverheadPerDoubling ?? .zero, "dispatch_overhead_per_doubling"),
                             (network.combineOverheadPerDoubling ?? .zero, "combine_overhead_per_doubling")] where value < .zero {
            throw DescriptionIssue(["network", key], "must not be negative")
        }
    }

    static func fraction(_ value: Double, _ path: [String]) throws(DescriptionIssue) {
        guard value > 0, value <= 1 else { throw DescriptionIssue(path, "must be a fraction in (0, 1], got \(value)") }
    }
}
