import Hardware
import Units
import Workload

/// What to predict: a system, a model, a phase, precisions, a layout and a load.
public struct StepRequest: Sendable {
    public var system: System
    public var model: ModelArchitecture
    public var phase: Phase
    public var precision: PrecisionSettings
    public var deployment: Deployment
    public var load: Load

    public init(system: System, model: ModelArchitecture, phase: Phase, precision: PrecisionSettings,
                deployment: Deployment, load: Load) {
        self.system = system
        self.model = model
        self.phase = phase
        self.precision = precision
        self.deployment = deployment
        self.load = load
    }
}

/// The step a prediction prices.
public enum Phase: String, Sendable, Hashable, Codable, CaseIterable {
    /// One batch of prompts through the whole model on one instance.
    case prefill
    /// One steady-state decode step at a fixed batch.
    case decode
}
