import CostModel
import Foundation
import Units

/// `predict`: the inputs as resolved, the step's time and yield, where the time goes, and the memory.
public struct PredictionReport: Sendable {
    public let request: StepRequest
    public let profile: CalibrationProfile
    public let prediction: StepPrediction
    /// The same step as one batch, when the request splits it into micro-batches.
    public let singleBatch: StepPrediction?
    /// Decode: a TPOT target to check the step against, when given.
    public let tpotLimit: TimeSpan?

    public init(request: StepRequest, profile: CalibrationProfile, prediction: StepPrediction, singleBatch: StepPrediction? = nil,
                tpotLimit: TimeSpan? = nil) {
        self.request = request
        self.profile = profile
        self.prediction = prediction
        self.singleBatch = singleBatch
        self.tpotLimit = tpotLimit
    }

    /// Tokens/s per chip with the request's micro-batches over tokens/s as one batch, less 1.
    public var microbatchGain: Double? {
        singleBatch.map { prediction.tokensPerSecondPerChip / $0.tokensPerSecondPerChip - 1 }
    }

    static func ms(_ time: TimeSpan) -> String { NumberText.fixed(time.milliseconds, decimals: 3) }

    /// The share of the step in which some compute ran (the chips' load for power): 1 less the exposed
    /// communication's share.
    public var busyFraction: Double {
        prediction.stepTime.seconds > 0 ? max(0, 1 - prediction.exposedCommunication.seconds / prediction.stepTime.seconds) : 0
    }

    /// The system's all-in power per chip with its chips busy ``busyFraction`` of the step (idle to TDP in
    /// proportion, the rest of the system at its rated power, delivery loss and cooling on top), and the energy
    /// of one token (decode: an output token; prefill: a prompt token) at that power; nil without power figures.
    public var energy: (powerPerChip: Power, joulesPerToken: Double)? {
        guard let power = request.system.power(acceleratorLoad: busyFraction)?.total, request.system.chips > 0,
              prediction.tokensPerSecondPerChip > 0 else { return nil }
        let perChip = power / Double(request.system.chips)
        return (perChip, perChip.watts / prediction.tokensPerSecondPerChip)
    }

    public func tables() -> [Table] {
        [summary(), operators(), memory()]
    }

    func summary() -> Table {
        let deployment = request.deployment
        var table = Table(
            title: "\(request.phase.rawValue) of \(request.model.name) on \(request.system.name) (\(deployment.chips) \(deployment.chips == 1 ? "chip" : "chips"), \(request.precision.resolved(for: request.model).summary), calibration \(profile.name))",
            columns: [Table.Column("", .left), Table.Column("", .left)])
        switch request.phase {
        case .prefill:
            table.append(["batch time", "\(Self.ms(prediction.stepTime)) ms for \(NumberText.grouped(Double(request.load.tokensPerChip ?? 0))) tokens per chip"])
        case .decode:
            table.append(["step time", "\(Self.ms(prediction.stepTime)) ms"])
            if let tpot = prediction.timePerOutputToken {
                table.append(["TPOT", "\(Self.ms(tpot)) ms (\(NumberText.fixed(prediction.tokensPerStep, decimals: 2)) tokens per sequence per step)"])
                if let tpotLimit {
                    let limit = NumberText.shortest(tpotLimit.milliseconds)
                    table.append(["TPOT target", tpot <= tpotLimit ? "kept: within \(limit) ms" : "missed: over \(limit) ms; try a smaller batch"])
                }
            }
        }
        table.append(["tokens/s per chip", NumberText.grouped(prediction.tokensPerSecondPerChip, decimals: 0)])
        if prediction.streamOverlap > .zero {
            table.append(["compute", "\(Self.ms(prediction.computeTime)) ms, \(Self.ms(prediction.streamOverlap)) ms of it on two streams at once"])
        } else {
            table.append(["compute", "\(Self.ms(prediction.computeTime)) ms"])
        }
        table.append(["communication", "\(Self.ms(prediction.exposedCommunication)) ms exposed, \(Self.ms(prediction.hiddenCommunication)) ms hidden behind compute"])
        if let energy {
            let token = request.phase == .decode ? "output token" : "prompt token"
            table.append(["energy per \(token)", "\(NumberText.significant(energy.joulesPerToken, digits: 3)) J all-in, at \(NumberText.grouped(energy.powerPerChip.watts, decimals: 0)) W a chip (busy \(NumberText.fixed(busyFraction * 100, decimals: 0))% of the step)"])
        }
        for fact in prediction.facts { table.append([fact.name, fact.value]) }
        if let single = singleBatch, let gain = microbatchGain {
            let verdict = gain < 0 ? "splitting costs \(NumberText.fixed(-gain * 100, decimals: 1))%" : "splitting gains \(NumberText.fixed(gain * 100, decimals: 1))%"
            table.append(["as one batch instead", "\(Self.ms(single.stepTime)) ms, \(NumberText.grouped(single.tokensPerSecondPerChip, decimals: 0)) tokens/s per chip (\(verdict))"])
        }
        return table
    }

    func operators() -> Table {
        var table = Table(title: "Where the time goes (summed over layers and micro-batches)", columns: [
            Table.Column("operator", .left), Table.Column("block", .left), Table.Column("calls"), Table.Column("ms"),
            Table.Column("share"), Table.Column("bound", .left),
        ])
        let step = prediction.stepTime
        // The MTP module as one row; operators under 0.5% of the step folded into one.
        var rows = prediction.operators.filter { $0.block != "mtp" }
        let mtp = prediction.operators.filter { $0.block == "mtp" }
        if !mtp.isEmpty {
            rows.append(OperatorCost(name: "MTP module (\(mtp.count) kernels)", block: "mtp", calls: mtp.map(\.calls).max() ?? 1,
                                     compute: mtp.reduce(.zero) { $0 + $1.compute }, memory: mtp.reduce(.zero) { $0 + $1.memory },
                                     transfer: .zero, latency: .zero, overhead: mtp.reduce(.zero) { $0 + $1.overhead },
                                     time: mtp.reduce(.zero) { $0 + $1.time }))
        }
        // Operators under 0.5% of the step are summed into one row, unless only one is (it then shows itself).
        let minor = rows.filter { $0.time / step < 0.005 }
        let small = minor.count > 1 ? minor : []
        for cost in rows.filter({ $0.time / step >= 0.005 || small.isEmpty }).sorted(by: { $0.time > $1.time }) {
            table.append([cost.name, cost.block, "\(cost.calls)", Self.ms(cost.time),
                          cost.isCommunication ? "(overlaps)" : NumberText.fixed(cost.time / step * 100, decimals: 1) + "%", cost.bound])
        }
        if !small.isEmpty {
            let compute = small.filter { !$0.isCommunication }.reduce(TimeSpan.zero) { $0 + $1.time }
            table.append(["\(small.count) smaller operators", "", "", Self.ms(small.reduce(.zero) { $0 + $1.time }),
                          NumberText.fixed(compute / step * 100, decimals: 1) + "%", ""])
        }
        if prediction.streamOverlap > .zero {
            table.append(["concurrent streams", "streams", "", "-" + Self.ms(prediction.streamOverlap),
                          "-" + NumberText.fixed(prediction.streamOverlap / step * 100, decimals: 1) + "%", ""])
        }
        table.append(["exposed communication", "communication", "", Self.ms(prediction.exposedCommunication),
                      NumberText.fixed(prediction.exposedCommunication / step * 100, decimals: 1) + "%", ""])
        table.notes = [prediction.streamOverlap > .zero
            ? "Compute shares, less the time the attention and MoE streams ran at once, plus the exposed communication add up to the step time; each stream's operators show their time on their share of the chip; communication rows show their full time."
            : "Compute shares and the exposed communication add up to the step time; communication rows show their full time, most of it hidden."]
        return table
    }

    func memory() -> Table {
        let memory = prediction.memory
        var table = Table(title: "Memory per rank", columns: [Table.Column("", .left), Table.Column("GB")])
        for (name, value) in [("weights", memory.weights), ("KV cache", memory.kvCache), ("activations", memory.activations),
                              ("communication buffers", memory.communicationBuffers), ("total", memory.total), ("capacity", memory.capacity)] {
            table.append([name, NumberText.fixed(value.gigabytes, decimals: 2)])
        }
        return table
    }

    public func csvTable() -> Table {
        var table = Table(columns: ["operator", "block", "calls", "time_ms", "compute_ms", "memory_ms", "transfer_ms", "latency_ms", "overhead_ms", "bound"].map { Table.Column($0) })
        for cost in prediction.operators {
            table.append([cost.name, cost.block, "\(cost.calls)", NumberText.shortest(JSONOutput.rounded(cost.time.milliseconds)),
                          NumberText.shortest(JSONOutput.rounded(cost.compute.milliseconds)), NumberText.shortest(JSONOutput.rounded(cost.memory.milliseconds)),
                          NumberText.shortest(JSONOutput.rounded(cost.transfer.milliseconds)), NumberText.shortest(JSONOutput.rounded(cost.latency.milliseconds)),
                          NumberText.shortest(JSONOutput.rounded(cost.overhead.milliseconds)), cost.bound])
        }
        return table
    }

    /// The inputs as resolved, for the JSON forms.
    static func inputs(request: StepRequest, profile: CalibrationProfile) -> PredictionDocument.Inputs {
        .init(system: request.system.name, nodes: request.system.nodes, model: request.model.name, phase: request.phase.rawValue,
              precision: request.precision.resolved(for: request.model), deployment: request.deployment, load: request.load, calibration: profile.name)
    }

    public var document: PredictionDocument {
        PredictionDocument(
            inputs: Self.inputs(request: request, profile: profile),
            stepMs: JSONOutput.rounded(prediction.stepTime.milliseconds),
            tokensPerSecondPerChip: JSONOutput.rounded(prediction.tokensPerSecondPerChip),
            tpotMs: prediction.timePerOutputToken.map { JSONOutput.rounded($0.milliseconds) },
            tokensPerStep: prediction.tokensPerStep,
            computeMs: JSONOutput.rounded(prediction.computeTime.milliseconds),
            exposedCommunicationMs: JSONOutput.rounded(prediction.exposedCommunication.milliseconds),
            hiddenCommunicationMs: JSONOutput.rounded(prediction.hiddenCommunication.milliseconds),
            streamOverlapMs: JSONOutput.rounded(prediction.streamOverlap.milliseconds),
            singleBatchStepMs: singleBatch.map { JSONOutput.rounded($0.stepTime.milliseconds) },
            tpotTargetMs: tpotLimit.map { JSONOutput.rounded($0.milliseconds) },
            tpotTargetKept: tpotLimit.flatMap { limit in prediction.timePerOutputToken.map { $0 <= limit } },
            busyFraction: JSONOutput.rounded(busyFraction),
            powerPerChipW: energy.map { JSONOutput.rounded($0.powerPerChip.watts) },
            energyPerTokenJ: energy.map { JSONOutput.rounded($0.joulesPerToken) },
            operators: prediction.operators.map {
                .init(name: $0.name, block: $0.block, calls: $0.calls, timeMs: JSONOutput.rounded($0.time.milliseconds),
                      computeMs: JSONOutput.rounded($0.compute.milliseconds), memoryMs: JSONOutput.rounded($0.memory.milliseconds),
                      transferMs: JSONOutput.rounded($0.transfer.milliseconds), latencyMs: JSONOutput.rounded($0.latency.milliseconds),
                      overheadMs: JSONOutput.rounded($0.overhead.milliseconds), bound: $0.bound)
            },
            memoryGb: [
                "weights": JSONOutput.rounded(prediction.memory.weights.gigabytes), "kv_cache": JSONOutput.rounded(prediction.memory.kvCache.gigabytes),
                "activations": JSONOutput.rounded(prediction.memory.activations.gigabytes),
                "communication_buffers": JSONOutput.rounded(prediction.memory.communicationBuffers.gigabytes),
                "total": JSONOutput.rounded(prediction.memory.total.gigabytes), "capacity": JSONOutput.rounded(prediction.memory.capacity.gigabytes),
            ],
            facts: Dictionary(prediction.facts.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }))
    }
}

/// The JSON form of `predict`.
public struct PredictionDocument: Sendable, Codable {
    public struct Inputs: Sendable, Codable {
        public var system: String
        public var nodes: Int
        public var model: String
        public var phase: String
        public var precision: PrecisionSettings
        public var deployment: Deployment
        public var load: Load
        public var calibration: String
    }

    public struct Operator: Sendable, Codable {
        public var name: String
        public var block: String
        public var calls: Int
        /// Time in the step, summed over the calls (for communication, before any overlap).
        public var timeMs: Double
        /// Roofline parts of a kernel on the whole chip (compute, memory) and parts of a transfer (transfer,
        /// latency), each summed over the calls; the launch or collective overhead.
        public var computeMs: Double
        public var memoryMs: Double
        public var transferMs: Double
        public var latencyMs: Double
        public var overheadMs: Double
        public var bound: String
    }

    public var inputs: Inputs
    public var stepMs: Double
    public var tokensPerSecondPerChip: Double
    public var tpotMs: Double?
    public var tokensPerStep: Double
    public var computeMs: Double
    public var exposedCommunicationMs: Double
    public var hiddenCommunicationMs: Double
    /// Compute the attention and MoE streams ran at the same time (partitioned decode micro-batches), 0 otherwise.
    public var streamOverlapMs: Double
    /// The step run as one batch, when the request splits it into micro-batches.
    public var singleBatchStepMs: Double?
    /// Decode with a TPOT target: the target and whether the step keeps it.
    public var tpotTargetMs: Double?
    public var tpotTargetKept: Bool?
    /// Share of the step in which some compute ran; the all-in power per chip at that load and the energy of
    /// one token (decode: output, prefill: prompt) at it.
    public var busyFraction: Double
    public var powerPerChipW: Double?
    public var energyPerTokenJ: Double?
    public var operators: [Operator]
    public var memoryGb: [String: Double]
    public var facts: [String: String]
}
