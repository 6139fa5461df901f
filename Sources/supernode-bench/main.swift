// Benchmarks of the cost model: predictions per second for representative steps (release build).
// Run with `make bench`. Reports figures; correctness lives in the tests.
import CostModel
import Dispatch
import Foundation
import Hardware
import Units
import Workload

struct Case {
    let name: String
    let request: StepRequest
    let profile: CalibrationProfile
}

func makeCases() throws -> [Case] {
    let hardware = try HardwareCatalog.builtIn()
    let models = try ModelCatalog.builtIn()
    let calibration = try CalibrationCatalog.builtIn()
    let r1 = try models.model("deepseek-r1")
    let v3 = try models.model("deepseek-v3")
    let llama = try models.model("llama-3.1-70b")
    func item(_ name: String, _ system: String, _ model: ModelArchitecture, _ phase: Phase, _ precision: Precision,
              _ deployment: Deployment, _ load: Load) throws -> Case {
        let system = try hardware.system(system)
        return Case(name: name, request: StepRequest(system: system, model: model, phase: phase,
                                                      precision: PrecisionSettings(compute: precision), deployment: deployment, load: load),
                    profile: try calibration.profile(for: system.chip))
    }
    return [
        try item("cloudmatrix384 decode, EP320, MTP", "cloudmatrix384", r1, .decode, .int8,
                 Deployment(chips: 160, ranksPerChip: 2, expertParallel: 320, attention: AttentionLayout(kind: .data, degree: 320),
                            microbatches: 2, expertBalance: .eplb, redundantExperts: 32, mtp: MultiTokenPrediction(draftTokens: 1, acceptance: 0.7)),
                 Load(batchPerChip: 96, promptTokens: 4096, outputTokens: 256)),
        try item("cloudmatrix384 prefill, EP32, SP-TP-SP", "cloudmatrix384", r1, .prefill, .int8,
                 Deployment(chips: 16, ranksPerChip: 2, expertParallel: 32, attention: AttentionLayout(kind: .spTpSp, degree: 32),
                            microbatches: 2, expertBalance: .perfect, redundantExperts: 32),
                 Load(promptTokens: 4096, tokensPerChip: 16384)),
        try item("h800-cluster prefill, EP32", "h800-cluster", v3, .prefill, .fp8,
                 Deployment(chips: 32, expertParallel: 32, attention: AttentionLayout(kind: .data, degree: 32), microbatches: 2,
                            expertBalance: .perfect, redundantExperts: 32),
                 Load(promptTokens: 4096, tokensPerChip: 16384)),
        try item("hgx-h100 decode, Llama-3.1-70B TP8", "hgx-h100", llama, .decode, .fp8,
                 Deployment(chips: 8, tensorParallel: 8), Load(batchPerChip: 64, contextTokens: 2048)),
    ]
}

let cases = try makeCases()
print("supernode predict: predictions per second (release build, one thread)")
print("case                                        predictions/s   mean latency")
for item in cases {
    // Warm up, then time enough predictions to run about half a second.
    _ = try StepPredictor.predict(item.request, profile: item.profile)
    var iterations = 0
    let start = DispatchTime.now().uptimeNanoseconds
    var elapsed: UInt64 = 0
    repeat {
        for _ in 0..<50 { _ = try StepPredictor.predict(item.request, profile: item.profile) }
        iterations += 50
        elapsed = DispatchTime.now().uptimeNanoseconds - start
    } while elapsed < 500_000_000
    let seconds = Double(elapsed) / 1e9
    let rate = Double(iterations) / seconds
    let latency = seconds / Double(iterations) * 1e6
    print(item.name.padding(toLength: 44, withPad: " ", startingAt: 0)
          + String(format: "%13.0f", rate) + String(format: "%12.1f us", latency))
}
