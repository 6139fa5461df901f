import CostModel
import Foundation
import Units

/// `predict` over several batch sizes: one row per batch (sequences per chip in decode, tokens per chip in
/// prefill) with its step time, TPOT, yield, exposed communication and memory, so the throughput-latency curve
/// of one layout reads at a glance. A batch the model refuses (it does not fit, it leaves a rank fewer
/// sequences than micro-batches) shows the reason in its row.
public struct PredictionSweepReport: Sendable {
    public struct Point: Sendable {
        /// Sequences per chip (decode) or tokens per chip (prefill).
        public var batch: Int
        public var outcome: Result<StepPrediction, CostModelError>

        public init(batch: Int, outcome: Result<StepPrediction, CostModelError>) {
            self.batch = batch
            self.outcome = outcome
        }
    }

    /// The request of the first point; its load's swept field varies from row to row.
    public let request: StepRequest
    public let profile: CalibrationProfile
    public let points: [Point]
    /// Decode: the TPOT a batch must keep to count as best (a serving SLO), when given.
    public let tpotLimit: TimeSpan?

    public init(request: StepRequest, profile: CalibrationProfile, points: [Point], tpotLimit: TimeSpan? = nil) {
        self.request = request
        self.profile = profile
        self.points = points
        self.tpotLimit = tpotLimit
    }

    /// Whether a prediction keeps the TPOT limit (always, without one).
    func withinLimit(_ prediction: StepPrediction) -> Bool {
        guard let tpotLimit, let tpot = prediction.timePerOutputToken else { return true }
        return tpot <= tpotLimit
    }

    var isDecode: Bool { request.phase == .decode }
    var batchHeader: String { isDecode ? "batch per chip" : "tokens per chip" }

    /// The point with the most tokens/s per chip, within the TPOT limit when there is one.
    var best: Int? {
        let rates = points.map { (try? $0.outcome.get()).flatMap { withinLimit($0) ? $0.tokensPerSecondPerChip : nil } }
        return rates.indices.filter { rates[$0] != nil }.max { rates[$0]! < rates[$1]! }
    }

    static func ms(_ time: TimeSpan) -> String { NumberText.grouped(time.milliseconds, decimals: 2) }

    public func table() -> Table {
        let deployment = request.deployment
        var columns = [Table.Column(batchHeader), Table.Column(isDecode ? "step ms" : "batch ms")]
        if isDecode { columns.append(Table.Column("TPOT ms")) }
        columns += [Table.Column("tokens/s per chip"), Table.Column("exposed comm ms"), Table.Column("GB per rank"),
                    Table.Column("", .left)]
        var table = Table(
            title: "\(request.phase.rawValue) of \(request.model.name) on \(request.system.name) (\(deployment.chips) \(deployment.chips == 1 ? "chip" : "chips"), \(request.precision.resolved(for: request.model).summary), calibration \(profile.name))",
            columns: columns)
        let best = self.best
        var refusals: [String] = []
        for (index, point) in points.enumerated() {
            var row = [NumberText.grouped(Double(point.batch))]
            switch point.outcome {
            case let .success(prediction):
                row.append(Self.ms(prediction.stepTime))
                if isDecode { row.append(prediction.timePerOutputToken.map { Self.ms($0) } ?? "-") }
                row += [NumberText.grouped(prediction.tokensPerSecondPerChip, decimals: 0), Self.ms(prediction.exposedCommunication),
                        NumberText.fixed(prediction.memory.total.gigabytes, decimals: 1),
                        index == best ? "best" : withinLimit(prediction) ? "" : "over TPOT"]
            case let .failure(error):
                // Refusals repeat (every batch past the memory limit): each distinct reason is noted once.
                let reason = error.description
                if !refusals.contains(reason) { refusals.append(reason) }
                row += Array(repeating: "-", count: isDecode ? 5 : 4) + ["refused, see (\(refusals.firstIndex(of: reason)! + 1))"]
            }
            table.append(row)
        }
        let capacity = points.lazy.compactMap { try? $0.outcome.get() }.first?.memory.capacity
        table.notes = [(capacity.map { "A rank holds \(NumberText.fixed($0.gigabytes, decimals: 1)) GB. " } ?? "")
            + "best: the most tokens/s per chip\(tpotLimit.map { " within TPOT \(NumberText.shortest($0.milliseconds)) ms" + (best == nil ? " (no batch keeps it)" : "") } ?? ""). Each row is `supernode predict` with that batch; one value of --\(isDecode ? "batch-per-chip" : "tokens-per-chip") shows its breakdown."]
            + refusals.enumerated().map { "(\($0.offset + 1)) \($0.element)" }
        return table
    }

    public func csvTable() -> Table {
        var columns = [isDecode ? "batch_per_chip" : "tokens_per_chip", "step_ms"]
        if isDecode { columns.append("tpot_ms") }
        columns += ["tokens_per_second_per_chip", "exposed_communication_ms", "memory_gb", "error"]
        var table = Table(columns: columns.map { Table.Column($0) })
        for point in points {
            var row = ["\(point.batch)"]
            switch point.outcome {
            case let .success(prediction):
                row.append(NumberText.shortest(JSONOutput.rounded(prediction.stepTime.milliseconds)))
                if isDecode { row.append(prediction.timePerOutputToken.map { NumberText.shortest(JSONOutput.rounded($0.milliseconds)) } ?? "") }
                row += [NumberText.shortest(JSONOutput.rounded(prediction.tokensPerSecondPerChip)),
                        NumberText.shortest(JSONOutput.rounded(prediction.exposedCommunication.milliseconds)),
                        NumberText.shortest(JSONOutput.rounded(prediction.memory.total.gigabytes)), ""]
            case let .failure(error):
                row += Array(repeating: "", count: isDecode ? 5 : 4) + [error.description]
            }
            table.append(row)
        }
        return table
    }

    public var document: PredictionSweepDocument {
        var inputs = PredictionReport.inputs(request: request, profile: profile)
        if isDecode { inputs.load.batchPerChip = nil } else { inputs.load.tokensPerChip = nil }
        return PredictionSweepDocument(
            inputs: inputs, tpotLimitMs: tpotLimit.map { JSONOutput.rounded($0.milliseconds) }, best: best.map { points[$0].batch },
            points: points.map { point in
                var entry = PredictionSweepDocument.Point()
                if isDecode { entry.batchPerChip = point.batch } else { entry.tokensPerChip = point.batch }
                switch point.outcome {
                case let .success(prediction):
                    entry.stepMs = JSONOutput.rounded(prediction.stepTime.milliseconds)
                    entry.tpotMs = prediction.timePerOutputToken.map { JSONOutput.rounded($0.milliseconds) }
                    entry.tokensPerSecondPerChip = JSONOutput.rounded(prediction.tokensPerSecondPerChip)
                    entry.exposedCommunicationMs = JSONOutput.rounded(prediction.exposedCommunication.milliseconds)
                    entry.memoryGb = JSONOutput.rounded(prediction.memory.total.gigabytes)
                case let .failure(error):
                    entry.error = error.description
                }
                return entry
            })
    }
}

/// The JSON form of `predict` over several batches.
public struct PredictionSweepDocument: Sendable, Codable {
    public struct Point: Sendable, Codable {
        /// Sequences per chip (decode) or tokens per chip (prefill), whichever the sweep varies.
        public var batchPerChip: Int?
        public var tokensPerChip: Int?
        public var stepMs: Double?
        public var tpotMs: Double?
        public var tokensPerSecondPerChip: Double?
        public var exposedCommunicationMs: Double?
        /// Memory per rank, all of it.
        public var memoryGb: Double?
        /// Why the model refused this batch.
        public var error: String?
    }

    public var inputs: PredictionDocument.Inputs
    /// The TPOT limit the best batch keeps, when given.
    public var tpotLimitMs: Double?
    /// The batch with the most tokens/s per chip (within the TPOT limit), when one qualifies.
    public var best: Int?
    public var points: [Point]
}
