import DataFiles
import Units
import Workload

/// How a model is laid out on a system: chips, ranks, parallel degrees, micro-batches, MTP, expert balance.
///
/// Field names follow the `supernode-validation/1` format, so a case's `deployment` mapping and a
/// deployment file read through this type.
public struct Deployment: Sendable, Hashable, Codable {
    /// Chips in this instance (a prefill or decode instance, or a training job).
    public var chips: Int
    /// Ranks per chip: 2 on a dual-die Ascend 910C run die by die; 1 otherwise.
    public var ranksPerChip: Int?
    /// Tensor-parallel degree of dense layers and (unless `attention` says otherwise) attention.
    public var tensorParallel: Int?
    public var pipelineParallel: Int?
    public var virtualPipeline: Int?
    public var dataParallel: Int?
    public var contextParallel: Int?
    /// Expert-parallel degree: ranks the routed experts are spread over.
    public var expertParallel: Int?
    public var attention: AttentionLayout?
    /// Micro-batches overlapped so that one's communication hides behind another's compute.
    public var microbatches: Int?
    public var expertBalance: ExpertBalance?
    /// The busiest expert rank's routed token copies over the mean, when known (measured from a run's
    /// routing, or from published expert-load statistics); replaces what `expertBalance` would assume.
    public var expertLoad: Double?
    /// Extra expert replicas placed to even out load (EPLB), in addition to the routed experts.
    public var redundantExperts: Int?
    public var mtp: MultiTokenPrediction?
    public var schedule: String?
    public var recompute: String?

    public init(chips: Int, ranksPerChip: Int? = nil, tensorParallel: Int? = nil, expertParallel: Int? = nil,
                attention: AttentionLayout? = nil, microbatches: Int? = nil, expertBalance: ExpertBalance? = nil,
                redundantExperts: Int? = nil, mtp: MultiTokenPrediction? = nil) {
        self.chips = chips
        self.ranksPerChip = ranksPerChip
        self.tensorParallel = tensorParallel
        self.expertParallel = expertParallel
        self.attention = attention
        self.microbatches = microbatches
        self.expertBalance = expertBalance
        self.redundantExperts = redundantExperts
        self.mtp = mtp
    }

    public var ranks: Int { chips * (ranksPerChip ?? 1) }
    public var microbatchCount: Int { microbatches ?? 1 }
    public var balance: ExpertBalance { expertBalance ?? .perfect }

    /// The busiest expert rank's load over the mean for `copies` routed copies over `ranks` ranks: the known
    /// `expertLoad`, or what `balance` assumes.
    public func expertLoadRatio(copies: Double, ranks: Int) -> Double {
        expertLoad ?? ExpertLoad.maxToMean(balance, copies: copies, ranks: ranks)
    }
}

/// How attention is split over ranks.
public struct AttentionLayout: Sendable, Hashable, Codable {
    public var kind: Kind
    /// Ranks in one attention group.
    public var degree: Int

    public init(kind: Kind, degree: Int) {
        self.kind = kind
        self.degree = degree
    }

    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, ListedChoice {
        /// Data-parallel attention: every rank runs whole attention for its own sequences.
        case data
        /// Tensor-parallel attention: heads split over the group.
        case tensor
        /// Sequence-parallel projections, tensor-parallel attention core, sequence-parallel again
        /// (CloudMatrix-Infer's prefill): compute split over the group, activations exchanged twice.
        case spTpSp = "sp-tp-sp"
    }
}

/// How tokens spread over experts.
public enum ExpertBalance: String, Sendable, Hashable, Codable, CaseIterable, ListedChoice {
    /// Every expert rank gets exactly its share.
    case perfect
    /// Expert-parallel load balancing with redundant experts: the busiest rank's load is the mean plus the
    /// excess of routing a finite batch and of the placement's residual mismatch (see ``ExpertLoad``).
    case eplb
}

/// Multi-token prediction: draft tokens per step and the chance each is accepted.
public struct MultiTokenPrediction: Sendable, Hashable, Codable {
    public var draftTokens: Int
    public var acceptance: Double

    public init(draftTokens: Int, acceptance: Double) {
        self.draftTokens = draftTokens
        self.acceptance = acceptance
    }

    /// Expected tokens produced per step: 1 + p + p² + ... + p^d (each draft counts only if all before it
    /// were accepted).
    public var tokensPerStep: Double {
        var total = 1.0, chance = 1.0
        for _ in 0..<draftTokens {
            chance *= acceptance
            total += chance
        }
        return total
    }
}

/// Number formats of the compute and of the KV cache.
public struct PrecisionSettings: Sendable, Hashable, Codable {
    /// Format of the weight GEMMs (bf16, fp8, int8, ...).
    public var compute: Precision
    /// Format of the KV cache; defaults to bf16.
    public var kvCache: Precision?
    /// Format of the MoE experts' GEMMs and of the tokens dispatched to them, when it differs from `compute`
    /// (NVFP4 experts with FP8 attention, as NVIDIA's and SGLang's DeepSeek checkpoints for Blackwell run).
    public var experts: Precision?
    /// Storage format of the weights when it is narrower than the format they compute in: weight-only
    /// quantisation (`int4` with BF16 compute is AWQ's and GPTQ's W4A16; `int8` with BF16 is W8A16). The
    /// GEMMs read the weights at this size, scales included, and compute in `compute` (the experts in
    /// `experts`); the embedding, LM head and router keep theirs.
    public var weights: Precision?

    public init(compute: Precision, kvCache: Precision? = nil, experts: Precision? = nil, weights: Precision? = nil) {
        self.compute = compute
        self.kvCache = kvCache
        self.experts = experts
        self.weights = weights
    }

    public var cache: Precision { kvCache ?? .bf16 }
    /// The experts' format: `experts`, or `compute` when not set.
    public var expert: Precision { experts ?? compute }

    /// These settings with the model's checkpoint format: a weight-only quantised checkpoint
    /// (``Workload/ModelArchitecture/quantizedWeights``) stores its weights in that format, unless `weights` is
    /// given or the compute format is no wider.
    public func resolved(for model: ModelArchitecture) -> PrecisionSettings {
        guard weights == nil, let stored = model.quantizedWeights, stored.bytesPerElement < compute.bytesPerElement else { return self }
        var settings = self
        settings.weights = stored
        return settings
    }

    /// The formats in words, for report titles: "int8", "fp8, experts fp4, KV fp8", "bf16 with int4 weights".
    public var summary: String {
        var text = compute.rawValue
        if let weights { text += " with \(weights.rawValue) weights" }
        if let experts, experts != compute { text += ", experts \(experts.rawValue)" }
        if cache != .bf16 { text += ", KV \(cache.rawValue)" }
        return text
    }

    /// Bytes of one stored weight of a GEMM that computes in `format`: the `weights` format (with its scales)
    /// where it is narrower, the compute format's otherwise.
    public func storedWeightBytes(computingIn format: Precision) -> Double {
        if let weights, weights.bytesPerElement < format.bytesPerElement { return weights.weightBytesPerElement }
        return format.weightBytesPerElement
    }
}

/// A deployment file's own ranges, checked where it is read so that a bad value is named with its line; what
/// depends on the model and the system (degrees that must divide) is checked by ``Layout``.
extension Deployment: CheckedDescription {
    public func check() throws(DescriptionIssue) {
        guard chips >= 1 else { throw DescriptionIssue(["chips"], "must be a positive count, got \(chips)") }
        for (key, value) in [("ranks_per_chip", ranksPerChip), ("tensor_parallel", tensorParallel), ("expert_parallel", expertParallel),
                             ("microbatches", microbatches)] {
            if let value, value < 1 { throw DescriptionIssue([key], "must be at least 1, got \(value)") }
        }
        if let attention, attention.degree < 0 {
            throw DescriptionIssue(["attention", "degree"], "must be at least 1 (or 0 for every rank), got \(attention.degree)")
        }
        if let redundantExperts, redundantExperts < 0 {
            throw DescriptionIssue(["redundant_experts"], "must not be negative, got \(redundantExperts)")
        }
        if let expertLoad, !(expertLoad >= 1 && expertLoad.isFinite) {
            throw DescriptionIssue(["expert_load"], "must be at least 1 (the busiest expert rank's load over the mean), got \(expertLoad)")
        }
        if let mtp {
            guard mtp.draftTokens >= 0 else { throw DescriptionIssue(["mtp", "draft_tokens"], "must not be negative, got \(mtp.draftTokens)") }
            guard (0...1).contains(mtp.acceptance) else {
                throw DescriptionIssue(["mtp", "acceptance"], "must be a rate between 0 and 1, got \(mtp.acceptance)")
            }
        }
    }
}
