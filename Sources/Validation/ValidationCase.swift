import CostModel
import DataFiles
import Units
import Workload

/// A file of published results in the `supernode-validation/1` format.
public struct ValidationFile: Sendable, Codable {
    public var format: String
    public var cases: [ValidationCase]

    public static let formatName = "supernode-validation/1"
}

/// One published result with its full configuration.
public struct ValidationCase: Sendable, Codable {
    public var id: String
    public var source: String
    public var system: String
    public var model: ModelReference?
    public var phase: CasePhase
    public var precision: PrecisionSettings?
    public var deployment: Deployment?
    public var load: Load?
    public var collective: CollectiveSpec?
    /// Metric name to published value.
    public var expect: [String: Double]
    /// Relative error that counts as agreement.
    public var tolerance: Double
    public var note: String?
}

/// What a case measures.
public enum CasePhase: String, Sendable, Codable, CaseIterable, ListedChoice {
    case prefill, decode, serving, training, collective
}

/// A model named from the catalog, or given inline as config fields.
public enum ModelReference: Sendable, Codable {
    case named(String)
    case inline(HFConfig)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let name = try? container.decode(String.self) {
            self = .named(name)
        } else {
            self = .inline(try container.decode(HFConfig.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .named(name): try container.encode(name)
        case let .inline(config): try container.encode(config)
        }
    }
}

/// One communication operation measured on its own.
public struct CollectiveSpec: Sendable, Codable {
    public var op: Operation
    public var expertParallel: Int?
    public var ranks: Int?
    /// Ranks per chip; default: the stack's devices per chip.
    public var ranksPerChip: Int?
    public var tokensPerRank: Int?
    public var hidden: Int?
    public var topK: Int?
    /// Routed experts over the group; default one per rank.
    public var experts: Int?
    /// Payload format (dispatch: int8, fp8 or bf16; combine: bf16).
    public var dtype: String?
    /// Buffer size for plain collectives: a quantity (`1 GiB`) or a bare count of bytes (nccl-tests' size column).
    public var bytes: Bytes?

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        op = try container.decode(Operation.self, forKey: .op)
        expertParallel = try container.decodeIfPresent(Int.self, forKey: .expertParallel)
        ranks = try container.decodeIfPresent(Int.self, forKey: .ranks)
        ranksPerChip = try container.decodeIfPresent(Int.self, forKey: .ranksPerChip)
        tokensPerRank = try container.decodeIfPresent(Int.self, forKey: .tokensPerRank)
        hidden = try container.decodeIfPresent(Int.self, forKey: .hidden)
        topK = try container.decodeIfPresent(Int.self, forKey: .topK)
        experts = try container.decodeIfPresent(Int.self, forKey: .experts)
        dtype = try container.decodeIfPresent(String.self, forKey: .dtype)
        if let count = try? container.decodeIfPresent(Double.self, forKey: .bytes) {
            bytes = Bytes(count)
        } else {
            bytes = try container.decodeIfPresent(Bytes.self, forKey: .bytes)
        }
    }

    public typealias Operation = CommunicationRequest.Operation
}

/// The metrics a case may expect, with their units.
public enum ValidationMetric: String, Sendable, CaseIterable {
    case tokensPerSecondPerChip = "tokens_per_second_per_chip"
    case tpotMs = "tpot_ms"
    case ttftMeanMs = "ttft_mean_ms"
    case itlMeanMs = "itl_mean_ms"
    case outputTokensPerSecond = "output_tokens_per_second"
    case achievedTflopsPerChip = "achieved_tflops_per_chip"
    case iterationSeconds = "iteration_seconds"
    case stepMs = "step_ms"
    case latencyUs = "latency_us"
}

extension ValidationFile: CheckedDescription {
    public func check() throws(DescriptionIssue) {
        guard format == Self.formatName else {
            throw DescriptionIssue(["format"], "expected '\(Self.formatName)', got '\(format)'")
        }
        var seen = Set<String>()
        for (index, item) in cases.enumerated() {
            let path = ["cases", String(index)]
            guard seen.insert(item.id).inserted else { throw DescriptionIssue(path + ["id"], "the id '\(item.id)' appears twice") }
            guard item.tolerance > 0, item.tolerance < 10 else {
                throw DescriptionIssue(path + ["tolerance"], "must be a positive relative error such as 0.15, got \(item.tolerance)")
            }
            guard !item.expect.isEmpty else { throw DescriptionIssue(path + ["expect"], "name at least one metric and its published value") }
            for (metric, value) in item.expect {
                guard ValidationMetric(rawValue: metric) != nil else {
                    throw DescriptionIssue(path + ["expect", metric], "unknown metric '\(metric)'. Known metrics: \(ValidationMetric.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                guard value > 0, value.isFinite else { throw DescriptionIssue(path + ["expect", metric], "must be positive, got \(value)") }
            }
            if item.phase == .collective, item.collective == nil {
                throw DescriptionIssue(path + ["collective"], "a collective case needs its 'collective' mapping (op, sizes)")
            }
            if [.prefill, .decode, .serving, .training].contains(item.phase) {
                guard item.model != nil else { throw DescriptionIssue(path + ["model"], "a \(item.phase.rawValue) case needs a model") }
                guard item.deployment != nil else { throw DescriptionIssue(path + ["deployment"], "a \(item.phase.rawValue) case needs a deployment") }
            }
        }
    }
}
