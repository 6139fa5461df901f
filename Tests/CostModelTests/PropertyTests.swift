import Hardware
import Numerics
import Testing
import Units
@testable import CostModel
import Workload

/// The step's invariants over many layouts drawn at random (a fixed seed: the same layouts every run), not
/// only the three hand-picked requests of the step tests.
@Suite("Step invariants over drawn layouts")
struct PropertyTests {
    /// Requests that the model accepts, drawn over systems, models, precisions, layouts and loads.
    static func drawnRequests(count: Int) throws -> [(StepRequest, CalibrationProfile)] {
        let hardware = try HardwareCatalog.builtIn(), models = try ModelCatalog.builtIn(), calibration = try CalibrationCatalog.builtIn()
        var draw = SeededGenerator(seed: 2026)
        let systems = ["cloudmatrix384", "gb200-nvl72", "hgx-h100", "hgx-h200", "h800-cluster:nodes=4", "h100-cluster:nodes=4"]
        let names = ["deepseek-r1", "llama-3.1-8b", "llama-3.1-70b", "mixtral-8x7b", "qwen3-235b-a22b"]
        var accepted: [(StepRequest, CalibrationProfile)] = []
        for _ in 0..<10000 where accepted.count < count {
            let system = try hardware.system(systems.randomElement(using: &draw)!)
            let model = try models.model(names.randomElement(using: &draw)!)
            guard let profile = try? calibration.profile(for: system.chip) else { continue }
            let perChip = profile.devicesPerChip ?? 1
            let chips = [1, 2, 4, 8, 16, 32].filter { $0 <= system.chips }.randomElement(using: &draw)!
            let ranks = chips * perChip
            var deployment = Deployment(chips: chips, ranksPerChip: perChip)
            if model.isMoE {
                deployment.expertParallel = ranks
                deployment.attention = AttentionLayout(kind: [.data, .data, .tensor].randomElement(using: &draw)!, degree: ranks)
                deployment.expertBalance = Bool.random(using: &draw) ? .perfect : .eplb
                deployment.redundantExperts = [0, ranks].randomElement(using: &draw)!
            } else {
                deployment.tensorParallel = ranks
            }
            deployment.microbatches = [1, 2].randomElement(using: &draw)!
            if model.mtpLayers > 0, Bool.random(using: &draw) { deployment.mtp = MultiTokenPrediction(draftTokens: 1, acceptance: 0.7) }
            let compute = [Precision.bf16, .fp8, .int8].filter { system.chip.peak($0) != nil && profile.gemm[$0.rawValue] != nil }
            guard let format = compute.randomElement(using: &draw) else { continue }
            let phase: Phase = Bool.random(using: &draw) ? .prefill : .decode
            let load = phase == .prefill
                ? Load(promptTokens: [512, 2048, 4096].randomElement(using: &draw)!, tokensPerChip: [4096, 16384].randomElement(using: &draw)!)
                : Load(batchPerChip: [4, 16, 64, 128].randomElement(using: &draw)!, contextTokens: [512, 4096].randomElement(using: &draw)!)
            var precision = PrecisionSettings(compute: format)
            if model.isMoE, system.chip.peak(.fp4) != nil, profile.gemm[Precision.fp4.rawValue] != nil, Bool.random(using: &draw) {
                precision.experts = .fp4
            }
            let request = StepRequest(system: system, model: model, phase: phase, precision: precision, deployment: deployment, load: load)
            if (try? StepPredictor.predict(request, profile: profile)) != nil { accepted.append((request, profile)) }
        }
        return accepted
    }

    @Test("Over 100 drawn layouts: the breakdown adds up, the yield follows from the step, a faster chip or faster fabrics never slow it, a bigger batch never takes less time or memory")
    func invariants() throws {
        let drawn = try Self.drawnRequests(count: 100)
        #expect(drawn.count == 100)
        // The draw covers both phases, dense and MoE models, and several systems.
        #expect(Set(drawn.map(\.0.phase)).count == 2)
        #expect(Set(drawn.map(\.0.model.isMoE)).count == 2)
        #expect(Set(drawn.map(\.0.system.name)).count >= 4)
        #expect(drawn.contains { $0.0.deployment.attention?.kind == .tensor && $0.0.model.isMoE })
        #expect(drawn.contains { $0.0.precision.experts == .fp4 })
        for (request, profile) in drawn {
            let label = "\(request.model.name) \(request.phase.rawValue) on \(request.deployment.chips) \(request.system.name)"
            let prediction = try StepPredictor.predict(request, profile: profile)
            let sum = prediction.computeTime - prediction.streamOverlap + prediction.exposedCommunication
            #expect(sum.seconds.isApproximatelyEqual(to: prediction.stepTime.seconds, relativeTolerance: 1e-9), "\(label)")
            let perStep = request.phase == .decode ? Double(request.load.batchPerChip!) * prediction.tokensPerStep : Double(request.load.tokensPerChip!)
            #expect(prediction.tokensPerSecondPerChip.isApproximatelyEqual(to: perStep / prediction.stepTime.seconds, relativeTolerance: 1e-9), "\(label)")
            var chip = request.system.chip
            chip.memory.bandwidth = chip.memory.bandwidth * 1.5
            for precision in chip.peak.supported { chip.peak[precision] = chip.peak[precision]! * 1.5 }
            var faster = request
            faster.system = try System(spec: request.system.spec, chip: chip)
            #expect(try StepPredictor.predict(faster, profile: profile).stepTime <= prediction.stepTime, "\(label)")
            // Faster fabrics at both levels.
            var wired = request
            wired.system = try withFasterFabrics(request.system)
            #expect(try StepPredictor.predict(wired, profile: profile).stepTime <= prediction.stepTime, "\(label)")
            // A bigger batch takes a longer step and holds at least as much memory (or does not fit).
            var bigger = request
            if request.phase == .decode { bigger.load.batchPerChip! *= 2 } else { bigger.load.tokensPerChip! *= 2 }
            if let larger = try? StepPredictor.predict(bigger, profile: profile) {
                #expect(larger.stepTime >= prediction.stepTime, "\(label)")
                #expect(larger.memory.total >= prediction.memory.total, "\(label)")
            }
        }
    }
}
