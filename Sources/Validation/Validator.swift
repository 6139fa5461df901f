import CostModel
import Foundation
import Hardware
import Units
import Workload

/// Runs validation cases against the cost model.
public struct Validator: Sendable {
    public let hardware: HardwareCatalog
    public let models: ModelCatalog
    public let calibration: CalibrationCatalog

    public init(hardware: HardwareCatalog, models: ModelCatalog, calibration: CalibrationCatalog) {
        self.hardware = hardware
        self.models = models
        self.calibration = calibration
    }

    /// Runs every case; a case that cannot run is reported with its reason, never skipped silently.
    public func run(_ file: ValidationFile) -> ValidationReport {
        ValidationReport(results: file.cases.map(run))
    }

    public func run(_ item: ValidationCase) -> CaseResult {
        switch item.phase {
        case .serving:
            return CaseResult(item: item, outcome: .unsupported("serving cases need the request-level serving simulator, not built yet"))
        case .training:
            return CaseResult(item: item, outcome: .unsupported("training cases need the training-step simulator, not built yet"))
        case .prefill, .decode, .collective:
            if let profile = try? calibration.profile(for: hardware.system(item.system).chip),
               profile.fittedTo?.contains(item.id) == true {
                return CaseResult(item: item, outcome: .calibrationInput(profile.name))
            }
            do {
                let predicted = try predict(item)
                let metrics = item.expect.keys.sorted().map { name -> MetricResult in
                    let published = item.expect[name]!
                    guard let value = predicted[name] else {
                        return MetricResult(metric: name, predicted: nil, published: published, tolerance: item.tolerance)
                    }
                    return MetricResult(metric: name, predicted: value, published: published, tolerance: item.tolerance)
                }
                return CaseResult(item: item, outcome: .compared(metrics))
            } catch {
                return CaseResult(item: item, outcome: .failed("\(error)"))
            }
        }
    }

    /// The case's metrics as the cost model predicts them.
    func predict(_ item: ValidationCase) throws -> [String: Double] {
        if item.phase == .collective {
            let system = try hardware.system(item.system)
            return try collective(item, system: system, profile: try calibration.profile(for: system.chip))
        }
        let (request, profile) = try stepRequest(item)
        let prediction = try StepPredictor.predict(request, profile: profile)
        var metrics: [String: Double] = [
            ValidationMetric.tokensPerSecondPerChip.rawValue: prediction.tokensPerSecondPerChip,
            ValidationMetric.stepMs.rawValue: prediction.stepTime.milliseconds,
        ]
        if let tpot = prediction.timePerOutputToken { metrics[ValidationMetric.tpotMs.rawValue] = tpot.milliseconds }
        return metrics
    }

    /// The step a prefill or decode case asks the cost model for, with the profile of its chip: what
    /// `supernode predict` would be given for it.
    public func stepRequest(_ item: ValidationCase) throws -> (StepRequest, CalibrationProfile) {
        guard item.phase == .prefill || item.phase == .decode else {
            throw CostModelError.load("case \(item.id) is a \(item.phase.rawValue) case, not a prefill or decode step")
        }
        var system = try hardware.system(item.system)
        let profile = try calibration.profile(for: system.chip)
        guard let reference = item.model, let deployment = item.deployment else {
            throw CostModelError.load("the case needs a model and a deployment")
        }
        if system.isResizable, deployment.chips != system.chips {
            let perNode = system.node.chips
            system = try system.resized(nodes: (deployment.chips + perNode - 1) / perNode)
        }
        let model: ModelArchitecture
        switch reference {
        case let .named(name): model = try models.model(name)
        case let .inline(config): model = try ModelCatalog.model(inline: config, name: item.id)
        }
        let phase: Phase = item.phase == .prefill ? .prefill : .decode
        let precision = item.precision ?? PrecisionSettings(compute: .bf16)
        return (StepRequest(system: system, model: model, phase: phase, precision: precision, deployment: deployment, load: item.load ?? Load()),
                profile)
    }

    func collective(_ item: ValidationCase, system: System, profile: CalibrationProfile) throws -> [String: Double] {
        guard let spec = item.collective else { throw CostModelError.load("a collective case needs its 'collective' mapping") }
        let request = CommunicationRequest(
            operation: spec.op, ranks: spec.expertParallel ?? spec.ranks ?? 0, ranksPerChip: spec.ranksPerChip, bytes: spec.bytes,
            tokensPerRank: spec.tokensPerRank, hidden: spec.hidden, topK: spec.topK, experts: spec.experts,
            precision: try spec.dtype.map { try Precision.parse($0) } ?? .bf16)
        return [ValidationMetric.latencyUs.rawValue: try request.price(on: system, profile: profile).time.total.microseconds]
    }
}

/// The results of a validation run.
public struct ValidationReport: Sendable {
    public var results: [CaseResult]

    /// Every compared metric of every case that ran.
    public var metrics: [MetricResult] { results.flatMap { $0.metrics } }

    /// Whether every case that can run ran and agreed within its tolerance.
    public var passed: Bool {
        results.allSatisfy {
            switch $0.outcome {
            case .unsupported, .calibrationInput: true
            case .failed: false
            case let .compared(metrics): metrics.allSatisfy(\.passed)
            }
        }
    }

    /// Median and largest absolute relative error over the compared metrics.
    public var medianError: Double? {
        let errors = metrics.compactMap(\.absoluteError).sorted()
        guard !errors.isEmpty else { return nil }
        let middle = errors.count / 2
        return errors.count % 2 == 1 ? errors[middle] : (errors[middle - 1] + errors[middle]) / 2
    }

    public var largestError: Double? { metrics.compactMap(\.absoluteError).max() }
}

/// One case's outcome.
public struct CaseResult: Sendable {
    public var item: ValidationCase
    public var outcome: Outcome

    public enum Outcome: Sendable {
        case compared([MetricResult])
        case unsupported(String)
        case failed(String)
        /// The case was used to fit the named calibration profile, so agreeing with it proves nothing.
        case calibrationInput(String)
    }

    public var metrics: [MetricResult] {
        if case let .compared(metrics) = outcome { return metrics }
        return []
    }
}

/// A predicted metric against its published value.
public struct MetricResult: Sendable, Hashable {
    public var metric: String
    public var predicted: Double?
    public var published: Double
    public var tolerance: Double

    /// (predicted − published) / published.
    public var relativeError: Double? { predicted.map { ($0 - published) / published } }
    public var absoluteError: Double? { relativeError.map(abs) }
    public var passed: Bool { (absoluteError ?? .infinity) <= tolerance }
}
