import CostModel
import Hardware
import Units
import Workload

func hardware() throws -> HardwareCatalog { try HardwareCatalog.builtIn() }
func models() throws -> ModelCatalog { try ModelCatalog.builtIn() }
func calibration() throws -> CalibrationCatalog { try CalibrationCatalog.builtIn() }

/// A profile with round numbers, so that hand arithmetic is easy.
func roundProfile(chips: [String], overhead: TimeSpan = .zero) -> CalibrationProfile {
    CalibrationProfile(
        name: "round", chips: chips, stack: "test", gemm: ["bf16": 0.5, "fp8": 0.5, "int8": 0.5], memoryEfficiency: 0.5,
        attention: AttentionEfficiency(computeEfficiency: 0.5, memoryEfficiency: 0.5), kernelOverhead: overhead,
        network: NetworkEfficiency(scaleUpEfficiency: 0.5, scaleOutEfficiency: 0.5, prefillDispatch: .perExpert,
                                   decodeDispatch: .perExpert, collectiveOverhead: .zero, dispatchOverhead: .zero,
                                   combineOverhead: .zero, computeShare: 0),
        sources: [:])
}

/// CloudMatrix-Infer's decode instance (the validation case cm384-decode-b96-isl4096).
func cloudMatrixDecode(batch: Int = 96) throws -> StepRequest {
    StepRequest(
        system: try hardware().system("cloudmatrix384"), model: try models().model("deepseek-r1"), phase: .decode,
        precision: PrecisionSettings(compute: .int8),
        deployment: Deployment(chips: 160, ranksPerChip: 2, expertParallel: 320, attention: AttentionLayout(kind: .data, degree: 320),
                               microbatches: 2, expertBalance: .eplb, redundantExperts: 32, mtp: MultiTokenPrediction(draftTokens: 1, acceptance: 0.7)),
        load: Load(batchPerChip: batch, promptTokens: 4096, outputTokens: 256))
}

/// DeepSeek's H800 prefill profile layout.
func h800Prefill() throws -> StepRequest {
    StepRequest(
        system: try hardware().system("h800-cluster"), model: try models().model("deepseek-v3"), phase: .prefill,
        precision: PrecisionSettings(compute: .fp8),
        deployment: Deployment(chips: 32, expertParallel: 32, attention: AttentionLayout(kind: .data, degree: 32), microbatches: 2,
                               expertBalance: .perfect, redundantExperts: 32),
        load: Load(promptTokens: 4096, tokensPerChip: 16384))
}

/// DeepSeek decode with every rank an expert rank and attention data-parallel over the same ranks (wide EP, one
/// rank per chip), as SGLang runs it on H100 and GB200.
func wideEPDecode(system: String, model: String = "deepseek-r1", chips: Int, precision: PrecisionSettings, load: Load,
                  microbatches: Int = 1, balance: ExpertBalance = .eplb, redundantExperts: Int = 32) throws -> StepRequest {
    StepRequest(
        system: try hardware().system(system), model: try models().model(model), phase: .decode, precision: precision,
        deployment: Deployment(chips: chips, expertParallel: chips, attention: AttentionLayout(kind: .data, degree: chips),
                               microbatches: microbatches, expertBalance: balance, redundantExperts: redundantExperts),
        load: load)
}

/// A dense model with tensor parallelism on one server.
func llamaDecode() throws -> StepRequest {
    StepRequest(
        system: try hardware().system("hgx-h100"), model: try models().model("llama-3.1-70b"), phase: .decode,
        precision: PrecisionSettings(compute: .fp8), deployment: Deployment(chips: 8, tensorParallel: 8),
        load: Load(batchPerChip: 32, contextTokens: 2048))
}

/// The same system with faster fabrics: 1.5 times the link, port and uplink bandwidth and half the switch
/// latency, at both levels.
func withFasterFabrics(_ system: System) throws -> System {
    func faster(_ fabric: Fabric) -> Fabric {
        var fabric = fabric
        fabric.link.bandwidth = fabric.link.bandwidth * 1.5
        for index in fabric.tiers.indices {
            fabric.tiers[index].switchModel.portBandwidth = fabric.tiers[index].switchModel.portBandwidth * 1.5
            fabric.tiers[index].latency = fabric.tiers[index].latency / 2
            if let uplink = fabric.tiers[index].uplink?.bandwidth { fabric.tiers[index].uplink?.bandwidth = uplink * 1.5 }
        }
        return fabric
    }
    var spec = system.spec
    spec.scaleUp = faster(spec.scaleUp)
    spec.scaleOut = spec.scaleOut.map(faster)
    return try System(spec: spec, chip: system.chip)
}
