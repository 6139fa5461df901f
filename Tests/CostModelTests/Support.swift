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
