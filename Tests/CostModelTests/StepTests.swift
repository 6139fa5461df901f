import Numerics
import Testing
import Units
@testable import CostModel
@testable import Hardware
@testable import Workload

@Suite("Step prediction")
struct StepTests {
    static let requests: [String] = ["cloudmatrix384 decode", "h800 prefill", "llama decode"]

    func request(_ name: String) throws -> StepRequest {
        switch name {
        case "cloudmatrix384 decode": try cloudMatrixDecode()
        case "h800 prefill": try h800Prefill()
        default: try llamaDecode()
        }
    }

    func predict(_ request: StepRequest) throws -> StepPrediction {
        try StepPredictor.predict(request, profile: try calibration().profile(for: request.system.chip))
    }

    @Test("The breakdown adds up: compute operators, less what concurrent streams overlap, plus exposed communication equal the step",
          arguments: requests)
    func addsUp(name: String) throws {
        let prediction = try predict(try request(name))
        let sum = prediction.computeTime - prediction.streamOverlap + prediction.exposedCommunication
        #expect(sum.seconds.isApproximatelyEqual(to: prediction.stepTime.seconds, relativeTolerance: 1e-9))
        #expect(prediction.memory.fits)
    }

    @Test("Yield follows from the step: tokens/s per chip = batch x tokens per step / step", arguments: requests)
    func yieldFromStep(name: String) throws {
        let request = try request(name)
        let prediction = try predict(request)
        switch request.phase {
        case .decode:
            let expected = Double(request.load.batchPerChip!) * prediction.tokensPerStep / prediction.stepTime.seconds
            #expect(prediction.tokensPerSecondPerChip.isApproximatelyEqual(to: expected))
            #expect(prediction.timePerOutputToken!.seconds.isApproximatelyEqual(to: prediction.stepTime.seconds / prediction.tokensPerStep))
        case .prefill:
            #expect(prediction.tokensPerSecondPerChip.isApproximatelyEqual(to: Double(request.load.tokensPerChip!) / prediction.stepTime.seconds))
        }
    }

    @Test("MTP: expected tokens per step 1 + p + p^2 + ...")
    func mtp() {
        #expect(MultiTokenPrediction(draftTokens: 1, acceptance: 0.7).tokensPerStep.isApproximatelyEqual(to: 1.7))
        #expect(MultiTokenPrediction(draftTokens: 2, acceptance: 0.5).tokensPerStep.isApproximatelyEqual(to: 1.75))
        #expect(MultiTokenPrediction(draftTokens: 0, acceptance: 0.9).tokensPerStep == 1)
    }

    @Test("More bandwidth, more peak compute or lower latency never makes a step slower", arguments: requests)
    func monotone(name: String) throws {
        let request = try request(name)
        let base = try predict(request).stepTime
        var chip = request.system.chip
        for precision in chip.peak.supported { chip.peak[precision] = chip.peak[precision]! * 1.5 }
        var faster = request
        faster.system = try System(spec: request.system.spec, chip: chip)
        #expect(try predict(faster).stepTime <= base)
        var wider = request.system.chip
        wider.memory.bandwidth = wider.memory.bandwidth * 1.5
        faster.system = try System(spec: request.system.spec, chip: wider)
        #expect(try predict(faster).stepTime <= base)
        faster.system = try withFasterFabrics(request.system)
        #expect(try predict(faster).stepTime <= base)
    }

    @Test("Bigger decode batches take longer steps but give more tokens per second")
    func batchScaling() throws {
        let small = try predict(try cloudMatrixDecode(batch: 24))
        let large = try predict(try cloudMatrixDecode(batch: 96))
        #expect(large.stepTime > small.stepTime)
        #expect(large.tokensPerSecondPerChip > small.tokensPerSecondPerChip)
    }

    @Test("Two micro-batches hide communication: less exposed than one")
    func overlap() throws {
        var one = try h800Prefill()
        one.deployment.microbatches = 1
        let single = try predict(one)
        let double = try predict(try h800Prefill())
        #expect(double.exposedCommunication < single.exposedCommunication)
    }

    /// SGLang's two-batch-overlap ablation (LMSYS blog, 2025-05-05, DeepSeek-V3 decode, EP72 on H100, 2,000-token
    /// inputs): -27% at 32 sequences per GPU, +25.5% at 256, break-even "between 64 and 128". Not a validation case and
    /// not used by any profile, so an independent check of the micro-batch schedule and of DeepEP's decode share.
    @Test("Micro-batching costs small decode batches and pays at large ones, as SGLang measured on H100")
    func twoBatchOverlapAblation() throws {
        func gain(_ batch: Int) throws -> Double {
            let request = try wideEPDecode(system: "h100-cluster", model: "deepseek-v3", chips: 72, precision: PrecisionSettings(compute: .fp8),
                                           load: Load(batchPerChip: batch, contextTokens: 2000), microbatches: 2)
            let profile = try calibration().profile(for: request.system.chip)
            let split = try StepPredictor.predict(request, profile: profile)
            let single = try #require(try StepPredictor.singleBatch(request, profile: profile))
            return split.tokensPerSecondPerChip / single.tokensPerSecondPerChip - 1
        }
        let small = try gain(32), large = try gain(256)
        #expect(abs(small - -0.27) < 0.10, "32 sequences per GPU: \(small), SGLang measured -0.27")
        #expect(abs(large - 0.255) < 0.10, "256 sequences per GPU: \(large), SGLang measured +0.255")
        #expect(try gain(64) < 0)
        #expect(try gain(128) > 0)
        var one = try cloudMatrixDecode()
        one.deployment.microbatches = 1
        #expect(try StepPredictor.singleBatch(one, profile: try calibration().profile(for: one.system.chip)) == nil)
    }

    /// SGLang on GB200 NVL72 (LMSYS, 2025-09-25, "traditional precision"): DeepSeek-V3/R1 decode at 9,087 output
    /// tokens/s per GPU on 48 ranks of large-scale EP, BF16 attention and KV cache, FP8 MoE, 2,000-token inputs,
    /// no MTP, no two-batch overlap, the batch sized to fill the KV cache (not stated for BF16; the model fits
    /// at most about 1,020 sequences per GPU). Not a validation case and not used by `blackwell-cuda`, whose
    /// figures are all kernel-level: an end-to-end check of that profile over the batches that could have run.
    @Test("GB200 decode brackets SGLang's 9,087 tokens/s per GPU over the batches that fit its KV cache")
    func blackwellDecodeEndToEnd() throws {
        func throughput(_ batch: Int) throws -> Double {
            let request = try wideEPDecode(system: "gb200-nvl72", chips: 48, precision: PrecisionSettings(compute: .fp8),
                                           load: Load(batchPerChip: batch, promptTokens: 2000, outputTokens: 100))
            return try predict(request).tokensPerSecondPerChip
        }
        let published = 9087.0
        let low = try throughput(512), mid = try throughput(768), high = try throughput(1000)
        #expect(low < mid && mid < high)
        #expect(low < published * 1.15 && high > published * 0.85, "512: \(low), 1,000: \(high)")
        #expect(abs(mid / published - 1) < 0.15, "768 sequences per GPU: \(mid)")
        // A batch of 1,408 (what SGLang ran with an FP8 KV cache) does not fit with a BF16 one.
        #expect(throws: CostModelError.self) { try throughput(1408) }
    }

    /// The same deployment with NVFP4 experts and FP8 elsewhere: SGLang on GB200 NVL72 (LMSYS, 2025-09-25,
    /// "low precision"): 13,386 output tokens/s per GPU with an FP8 KV cache, NVFP4 MoE (and output projection,
    /// which the model keeps in FP8), 1,408 sequences per GPU at 2,000-token inputs. Not a validation case and not
    /// used by the profile, whose FP4 figure is CUTLASS's dense NVFP4 GEMM.
    @Test("GB200 decode with NVFP4 experts comes within 15% of SGLang's 13,386 tokens/s per GPU")
    func blackwellNVFP4Decode() throws {
        var request = try wideEPDecode(system: "gb200-nvl72", chips: 48, precision: PrecisionSettings(compute: .fp8, kvCache: .fp8, experts: .fp4),
                                       load: Load(batchPerChip: 1408, promptTokens: 2000, outputTokens: 100))
        let nvfp4 = try predict(request)
        #expect(abs(nvfp4.tokensPerSecondPerChip / 13386 - 1) < 0.15, "\(nvfp4.tokensPerSecondPerChip)")
        request.precision.experts = nil
        let fp8 = try predict(request)
        #expect(nvfp4.tokensPerSecondPerChip > fp8.tokensPerSecondPerChip)
        #expect(nvfp4.memory.weights < fp8.memory.weights)
    }

    @Test("An expert precision changes only the experts: their GEMMs, their weights and the dispatched tokens")
    func expertPrecision() throws {
        let split = try wideEPDecode(system: "gb200-nvl72", chips: 64, precision: PrecisionSettings(compute: .fp8),
                                     load: Load(batchPerChip: 64, contextTokens: 4096), balance: .perfect, redundantExperts: 0)
        var fp4 = split
        fp4.precision.experts = .fp4
        let a = try predict(split), b = try predict(fp4)
        func time(_ p: StepPrediction, _ name: String) -> Double { p.operators.first { $0.name == name }?.time.seconds ?? -1 }
        #expect(time(a, "output projection") == time(b, "output projection"))
        #expect(time(a, "attention core (absorbed MLA)") == time(b, "attention core (absorbed MLA)"))
        #expect(time(b, "routed experts gate and up") < time(a, "routed experts gate and up"))
        #expect(time(b, "dispatch") < time(a, "dispatch"))
        #expect(time(a, "combine") == time(b, "combine"))
        // Weights: 58 MoE layers x (4 routed slots + 1 shared) x 44.04M parameters, each half a byte less but
        // for NVFP4's 1-byte scale per 16.
        let model = try models().model("deepseek-r1")
        let saved = 58 * 5 * model.expertParameters * (1 - 0.5 - 1.0 / 16)
        #expect((a.memory.weights.bytes - b.memory.weights.bytes).isApproximatelyEqual(to: saved, relativeTolerance: 1e-9))
        // A chip without FP4 arithmetic refuses FP4 experts.
        var ascend = try cloudMatrixDecode()
        ascend.precision.experts = .fp4
        #expect(throws: CostModelError.precision("ascend-910c has no fp4 arithmetic; it supports bf16, fp16, int8")) { try predict(ascend) }
    }

    @Test("The reference layout follows one rule: EP over the largest group in a domain dividing the slots, or the smallest TP leaving half the memory")
    func referenceLayout() throws {
        let r1 = try models().model("deepseek-r1")
        let cm = try hardware().system("cloudmatrix384")
        let ascend = try OperatingPoint.reference(system: cm, model: r1, profile: try calibration().profile(for: cm.chip))
        #expect(ascend.deployment.expertParallel == 288 && ascend.deployment.ranksPerChip == 2 && ascend.deployment.chips == 144)
        #expect(ascend.precision.compute == .int8)
        #expect(ascend.deployment.mtp == MultiTokenPrediction(draftTokens: 1, acceptance: 0.7))
        // A cluster of 8-GPU nodes: one node's EP8 would hold 36 slots of DeepSeek's experts (about 109 GB of FP8
        // weights per GPU, over half of 80 GB), so the group widens to the smallest that leaves half: EP32.
        let cluster = try hardware().system("h100-cluster:nodes=4")
        let wide = try OperatingPoint.reference(system: cluster, model: r1, profile: try calibration().profile(for: cluster.chip))
        #expect(wide.deployment.expertParallel == 32 && wide.deployment.chips == 32)
        let h100 = try hardware().system("hgx-h100")
        let hopper = try OperatingPoint.reference(system: h100, model: r1, profile: try calibration().profile(for: h100.chip))
        #expect(hopper.deployment.expertParallel == 8 && hopper.precision.compute == .fp8)
        let llama = try OperatingPoint.reference(system: h100, model: try models().model("llama-3.1-70b"),
                                                 profile: try calibration().profile(for: h100.chip))
        // 70.6 GB of FP8 weights against half of an H100's 80 GB: one GPU holds too much, two hold 35.3 GB each.
        #expect(llama.deployment.tensorParallel == 2 && llama.deployment.expertParallel == nil && llama.deployment.mtp == nil)
        // Mixtral's 8 experts and 1 redundant replica: 9 slots divide no even group, so the 910C's two dies per
        // chip take a tenth slot, over 10 ranks on 5 chips.
        let mixtral = try OperatingPoint.reference(system: cm, model: try models().model("mixtral-8x7b"),
                                                   profile: try calibration().profile(for: cm.chip))
        #expect(mixtral.deployment.expertParallel == 10 && mixtral.deployment.redundantExperts == 2 && mixtral.deployment.chips == 5)
    }

    @Test("Collectives inside attention stay exposed with two micro-batches; only dispatch and combine hide")
    func attentionCollectivesExposed() throws {
        let request = StepRequest(
            system: try hardware().system("cloudmatrix384"), model: try models().model("deepseek-r1"), phase: .prefill,
            precision: PrecisionSettings(compute: .int8),
            deployment: Deployment(chips: 16, ranksPerChip: 2, expertParallel: 32, attention: AttentionLayout(kind: .spTpSp, degree: 32),
                                   microbatches: 2, expertBalance: .perfect, redundantExperts: 32),
            load: Load(promptTokens: 4096, tokensPerChip: 16384))
        let prediction = try predict(request)
        let attention = prediction.operators.filter { $0.name.hasPrefix("attention all-") }
        #expect(attention.count == 2)
        let inAttention = attention.reduce(TimeSpan.zero) { $0 + $1.time }
        #expect(inAttention > .zero)
        #expect(prediction.exposedCommunication >= inAttention * 0.999)
        #expect(prediction.hiddenCommunication > .zero, "dispatch and combine still hide behind the other micro-batch")
    }

    @Test("Only experts that receive a copy stream their weights: slots x (1 - (1 - 1/slots)^copies)")
    func touchedExperts() {
        // 8 copies over 6 slots: 6 x (1 - (5/6)^8) = 4.6046.
        #expect((LayerWork.touchedExperts(slots: 6, copies: 8) - 4.6046).magnitude < 1e-4)
        #expect((LayerWork.touchedExperts(slots: 6, copies: 1) - 1).magnitude < 1e-12)
        #expect(LayerWork.touchedExperts(slots: 1, copies: 0.5) == 1)
        #expect((LayerWork.touchedExperts(slots: 9, copies: 4096) - 9).magnitude < 1e-9)
        var previous = 0.0
        for copies in [1.0, 2, 4, 8, 16, 64] {
            let touched = LayerWork.touchedExperts(slots: 8, copies: copies)
            #expect(touched > previous && touched <= min(8, copies))
            previous = touched
        }
    }

    @Test("Partitioned decode streams: a share strictly between 0 and 1, stream overlap only there; one micro-batch ignores it")
    func partitionedStreams() throws {
        let request = try cloudMatrixDecode()
        var profile = try calibration().profile(for: request.system.chip)
        #expect(profile.decodeOverlap == .partitioned)
        let partitioned = try StepPredictor.predict(request, profile: profile)
        let share = try #require(partitioned.facts.first { $0.name == "attention / MoE stream share of compute" }?.value)
        let attention = try #require(Double(share.split(separator: "/")[0].trimmingCharacters(in: .whitespaces)))
        #expect(attention > 0 && attention < 1)
        #expect(partitioned.streamOverlap > .zero)
        profile.decodeOverlap = .alternating
        let alternating = try StepPredictor.predict(request, profile: profile)
        #expect(alternating.streamOverlap == .zero)
        #expect(alternating.stepTime != partitioned.stepTime)
        // With one micro-batch there is nothing to run alongside: both modes give the same step.
        var single = request
        single.deployment.microbatches = 1
        profile.decodeOverlap = .partitioned
        let one = try StepPredictor.predict(single, profile: profile)
        profile.decodeOverlap = .alternating
        #expect(one.stepTime == (try StepPredictor.predict(single, profile: profile)).stepTime)
    }

    @Test("The schedule is stable: a little more compute per kernel makes the step a little longer, never a jump")
    func stableSchedule() throws {
        let request = try h800Prefill()
        var profile = try calibration().profile(for: request.system.chip)
        var previous: Double?
        for hundredths in 10...24 {
            profile.network.computeShare = Double(hundredths) / 100
            let step = try StepPredictor.predict(request, profile: profile).stepTime.seconds
            if let previous {
                #expect(step >= previous)
                // 1% more of the chip taken by communication: the compute stretches by about 1.2%.
                #expect(step / previous < 1.03, "compute share \(hundredths)%: \(previous) s -> \(step) s")
            }
            previous = step
        }
    }

    @Test("Grouped expert GEMMs compute whole blocks of rows per expert")
    func paddedRows() {
        // 649 rows on one expert in blocks of 128: 6 blocks, 768 rows.
        #expect(LayerWork.paddedRows(copies: 649, experts: 1, blockRows: 128) == 768)
        // 496 rows over 4 experts: 124 each, one block each: 512.
        #expect(LayerWork.paddedRows(copies: 496, experts: 4, blockRows: 128) == 512)
        // Whole blocks stay as they are; no block size, no padding.
        #expect(LayerWork.paddedRows(copies: 1024, experts: 2, blockRows: 128) == 1024)
        #expect(LayerWork.paddedRows(copies: 649, experts: 1, blockRows: 1) == 649)
    }

    @Test("Perfect balance is never slower than EPLB")
    func balance() throws {
        var request = try cloudMatrixDecode()
        let eplb = try predict(request)
        request.deployment.expertBalance = .perfect
        #expect(try predict(request).stepTime <= eplb.stepTime)
    }

    @Test("A known expert load replaces the balance assumption: 1 is perfect balance, more is slower")
    func knownLoad() throws {
        var request = try cloudMatrixDecode()
        request.deployment.expertBalance = .perfect
        let perfect = try predict(request)
        request.deployment.expertBalance = .eplb
        request.deployment.expertLoad = 1
        #expect(try predict(request).stepTime == perfect.stepTime)
        request.deployment.expertLoad = 2
        let skewed = try predict(request)
        #expect(skewed.stepTime > perfect.stepTime)
        #expect(skewed.facts.contains { $0.name == "expert load, busiest / mean" && $0.value == "2.000" })
    }

    @Test("Layouts that do not divide or are out of range are refused with the numbers", arguments: [
        ("ep", "expert parallelism 7 does not divide 320 ranks (160 chips x 2 ranks per chip); use 4 or 8"),
        ("redundant", "does not divide 256 routed + 3 redundant experts = 259; use redundant_experts 0 or 32 (--redundant-experts), for 8 or 9 slots per rank"),
        ("tp", "tensor parallelism 3 does not divide deepseek-r1's 128 attention heads; use 1 (dividing both the heads and the 3 ranks)"),
        ("ranks", "ranks_per_chip 3 does not divide the 2 dies of ascend-910c; use 1 or 2"),
        ("chips", "uses 400 chips but cloudmatrix384 has 384"),
        ("load", "expert_load must be at least 1 (the busiest expert rank's load over the mean), got 0.5"),
        ("huge load", "expert_load 1000 is more than the 320 expert ranks"),
        ("mtp", "mtp.draft_tokens must not be negative, got -1"),
        ("acceptance", "mtp.acceptance must be a rate between 0 and 1, got 1.5"),
        ("negative redundant", "redundant_experts must not be negative, got -64"),
        ("zero tp", "tensor_parallel must be at least 1, got 0"),
    ])
    func badLayouts(change: String, message: String) throws {
        var request = try cloudMatrixDecode()
        switch change {
        case "ep": request.deployment.expertParallel = 7
        case "redundant":
            request.deployment.expertParallel = 32
            request.deployment.redundantExperts = 3
        case "tp":
            request.deployment.attention = AttentionLayout(kind: .tensor, degree: 3)
            request.deployment.chips = 3
            request.deployment.ranksPerChip = 1
            request.deployment.expertParallel = 3
        case "ranks": request.deployment.ranksPerChip = 3
        case "load": request.deployment.expertLoad = 0.5
        case "huge load": request.deployment.expertLoad = 1000
        case "mtp": request.deployment.mtp = MultiTokenPrediction(draftTokens: -1, acceptance: 0.5)
        case "acceptance": request.deployment.mtp = MultiTokenPrediction(draftTokens: 1, acceptance: 1.5)
        case "negative redundant": request.deployment.redundantExperts = -64
        case "zero tp": request.deployment.tensorParallel = 0
        default: request.deployment.chips = 400
        }
        do {
            _ = try predict(request)
            Issue.record("\(change) was accepted")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test("FP8 on the Ascend 910C is refused, naming what it supports")
    func fp8OnAscend() throws {
        var request = try cloudMatrixDecode()
        request.precision.compute = .fp8
        do {
            _ = try predict(request)
            Issue.record("FP8 was accepted")
        } catch {
            #expect("\(error)".contains("ascend-910c has no fp8 arithmetic; it supports bf16, fp16, int8"))
        }
    }

    @Test("A batch that does not fit is refused with the memory figures")
    func memory() throws {
        var request = try llamaDecode()
        request.load = Load(batchPerChip: 4096, contextTokens: 32768)
        do {
            _ = try predict(request)
            Issue.record("an oversized batch was accepted")
        } catch {
            #expect("\(error)".contains("Does not fit in memory: a rank needs"))
            #expect("\(error)".contains("KV cache"))
        }
    }

    /// The number after `prefix` in the error `request` is refused with.
    func suggested(_ request: StepRequest, after prefix: String) throws -> Int {
        do {
            _ = try predict(request)
        } catch {
            let text = "\(error)"
            guard let range = text.range(of: prefix) else { Issue.record("no suggestion in: \(text)"); return 0 }
            return Int(text[range.upperBound...].prefix { $0.isNumber }) ?? 0
        }
        Issue.record("the request was accepted")
        return 0
    }

    @Test("A load that does not fit names the largest that does: it fits, one more does not", arguments: ["decode", "prefill", "partitioned decode"])
    func largestFittingLoad(kind: String) throws {
        var request: StepRequest
        switch kind {
        case "decode":
            request = try llamaDecode()
            request.load = Load(batchPerChip: 4096, contextTokens: 32768)
        case "prefill":
            request = try h800Prefill()
            request.load.tokensPerChip = 1_000_000
        default:
            request = try cloudMatrixDecode(batch: 100_000)
        }
        let key = request.phase == .decode ? "batch_per_chip" : "tokens_per_chip"
        let largest = try suggested(request, after: "the largest \(key) that fits is ")
        #expect(largest > 0)
        var fitting = request, over = request
        if request.phase == .decode {
            fitting.load.batchPerChip = largest
            // One more sequence on every rank of the chip.
            over.load.batchPerChip = largest + (fitting.deployment.ranksPerChip ?? 1)
        } else {
            // In whole prompts: one more prompt does not fit.
            let prompt = try #require(request.load.promptTokens)
            #expect(largest % prompt == 0)
            fitting.load.tokensPerChip = largest
            over.load.tokensPerChip = largest + prompt
        }
        #expect(throws: Never.self) { try predict(fitting) }
        #expect(throws: CostModelError.self) { try predict(over) }
    }

    @Test("Weights that cannot fit at any batch are named as the problem")
    func weightsAlone() throws {
        var request = try llamaDecode()
        request.model = try models().model("deepseek-r1")
        request.precision = PrecisionSettings(compute: .fp8)
        request.deployment = Deployment(chips: 1)
        let message = try #require(throws: CostModelError.self) { try predict(request) }
        #expect("\(message)".contains("the weights alone are "), "\(message)")
        #expect("\(message)".contains("times a rank's memory; split them over at least"), "\(message)")
    }

    @Test("The layouts an error suggests are accepted", arguments: ["ep", "redundant", "tp"])
    func suggestedLayouts(change: String) throws {
        var request = try cloudMatrixDecode(batch: 8)
        switch change {
        case "ep":
            request.deployment.expertParallel = 300
            // "use 32 or 320" (320: the 32 ranks beyond the 288 slots hold the shared expert): the larger, as
            // the smaller leaves too little memory for DeepSeek's experts.
            request.deployment.expertParallel = try suggested(request, after: " or ")
            #expect(request.deployment.expertParallel == 320)
        case "redundant":
            request.deployment.expertParallel = 32
            request.deployment.redundantExperts = 3
            request.deployment.redundantExperts = try suggested(request, after: " or ")
            #expect(request.deployment.redundantExperts == 32)
        case "tp":
            request.deployment.attention = AttentionLayout(kind: .tensor, degree: 6)
            request.deployment.chips = 8
            request.deployment.ranksPerChip = 1
            request.deployment.expertParallel = 8
            let degree = try suggested(request, after: "; use ")
            request.deployment.attention = AttentionLayout(kind: .tensor, degree: degree)
        default:
            Issue.record("unknown change \(change)")
        }
        #expect(throws: Never.self) { try predict(request) }
    }

    @Test("Weights and KV cache per rank by hand: DeepSeek-R1 decode on CloudMatrix384 dies, one expert each, MTP laid out like a layer")
    func weightMemory() throws {
        let request = try cloudMatrixDecode(batch: 96)
        let memory = try predict(request).memory
        let d = 7168.0
        // MLA per layer: q_a d·1536 + norm 1536, q_b 1536·128·192, kv_a d·576 + norm 512, kv_b 512·128·256, o 128·128·d.
        let attention = d * 1536 + 1536 + 1536 * 128 * 192 + d * 576 + 512 + 512 * 128 * 256 + 128 * 128 * d
        let expert = 3 * d * 2048, router = 256 * d + 256
        // INT8 weights (1 byte) on each die: 61 attention blocks, 3 dense FFNs, 58 MoE layers of one expert slot
        // (the 32 shared-expert ranks hold the shared expert instead, the same size) and a router; BF16 embedding and head.
        var bytes = 61 * attention + 3 * 3 * d * 18432 + 58 * (expert + router) + 2 * 129_280 * d * 2
        // The MTP module: two input norms, the 2d -> d projection, its attention, norms and final norm, and one MoE
        // layer over the same expert group (one slot and the router here, not all 256 experts).
        bytes += 2 * d + 2 * d * d + attention + 2 * d + d + expert + router
        #expect(memory.weights.bytes.isApproximatelyEqual(to: bytes, relativeTolerance: 1e-12))
        // KV cache: 48 sequences per die x (4,096 + 256) tokens x 576 BF16 elements x (61 + 1 MTP) layers.
        let cache: Double = 48 * 4352 * 576 * 2 * 62
        #expect(memory.kvCache.bytes.isApproximatelyEqual(to: cache, relativeTolerance: 1e-12))
    }

    @Test("Weights and KV cache per rank by hand: Llama-3.1-70B in FP8 over TP8 (the embedding and head split by vocabulary) and TP16")
    func tensorParallelWeights() throws {
        let memory = try predict(try llamaDecode()).memory
        let d = 8192.0
        // Per layer: q and o 8192², k and v 8192·1024, gated FFN 3·8192·28672; one byte each, an eighth per rank.
        let layer = 2 * d * d + 2 * d * 1024 + 3 * d * 28672
        // Untied BF16 embedding and head of 128,256 rows, an eighth each per rank.
        let vocabulary = 2 * 128_256 * d * 2 / 8
        #expect(memory.weights.bytes.isApproximatelyEqual(to: 80 * layer / 8 + vocabulary, relativeTolerance: 1e-12))
        // KV cache: each rank holds one of the 8 KV heads for all 8 x 32 sequences of the group at 2,048 tokens:
        // 256 x 2,048 x 80 layers x (K and V) x 128 x 2 bytes, what 32 sequences' whole cache would take.
        let cache: Double = 256 * 2048 * 80 * 2 * 128 * 2
        #expect(memory.kvCache.bytes.isApproximatelyEqual(to: cache, relativeTolerance: 1e-12))
        // Over 16 ranks the 8 KV heads are replicated, a head per rank: each still holds one head for the group's 16 x 32 sequences.
        var wide = try llamaDecode()
        wide.system = try hardware().system("h100-cluster:nodes=2")
        wide.deployment = Deployment(chips: 16, tensorParallel: 16)
        let replicated: Double = 512 * 2048 * 80 * 2 * 128 * 2
        #expect(try predict(wide).memory.kvCache.bytes.isApproximatelyEqual(to: replicated, relativeTolerance: 1e-12))
    }

    @Test("Weight-only INT4 (W4A16): Llama-3.1-70B's layers at 0.5 bytes a weight plus a scale per 128 on one H100, the embedding and head in BF16; decode faster, compute-bound prefill the same")
    func weightOnlyQuantisation() throws {
        var w4 = try llamaDecode()
        w4.deployment = Deployment(chips: 1)
        w4.precision = PrecisionSettings(compute: .bf16, weights: .int4)
        w4.load = Load(batchPerChip: 1, contextTokens: 2048)
        let prediction = try predict(w4)
        let d = 8192.0
        let layer = 2 * d * d + 2 * d * 1024 + 3 * d * 28672
        let vocabulary = 2 * 128_256 * d * 2
        #expect(prediction.memory.weights.bytes.isApproximatelyEqual(to: 80 * layer * (0.5 + 2.0 / 128) + vocabulary, relativeTolerance: 1e-12))
        // BF16 weights (141 GB) do not fit one 80 GB H100.
        var bf16 = w4
        bf16.precision = PrecisionSettings(compute: .bf16)
        #expect(throws: CostModelError.self) { try predict(bf16) }
        // Over TP4 both fit: decode of one sequence streams the weights, whose bytes set the GEMMs' memory time
        // (a quarter of 8,192 x 57,344 weights, and the group's 4 rows in and out: one sequence a chip); prefill
        // at 16K tokens a chip is compute-bound, the same FLOPs in BF16 either way.
        w4.deployment = Deployment(chips: 4, tensorParallel: 4)
        bf16.deployment = w4.deployment
        let fast = try predict(w4), slow = try predict(bf16)
        func cost(_ p: StepPrediction, _ name: String) throws -> OperatorCost { try #require(p.operators.first { $0.name == name }) }
        func gemm(_ p: StepPrediction, _ name: String) -> Double { (try? cost(p, name).time.seconds) ?? -1 }
        let weights = d * 57_344 / 4, rows = 4 * (d + 57_344 / 4)
        let bytesRatio = (weights * (0.5 + 2.0 / 128) + rows * 2) / (weights * 2 + rows * 2)
        let memoryRatio = try cost(fast, "FFN gate and up").memory / cost(slow, "FFN gate and up").memory
        #expect(memoryRatio.isApproximatelyEqual(to: bytesRatio, relativeTolerance: 1e-9))
        #expect(fast.stepTime < slow.stepTime)
        w4.phase = .prefill
        w4.load = Load(promptTokens: 4096, tokensPerChip: 16384)
        bf16.phase = .prefill
        bf16.load = w4.load
        let prefillW4 = try predict(w4), prefillBF16 = try predict(bf16)
        #expect(gemm(prefillW4, "FFN gate and up") == gemm(prefillBF16, "FFN gate and up"))
        #expect(prefillW4.stepTime <= prefillBF16.stepTime)
        #expect(prefillW4.stepTime.seconds > 0.97 * prefillBF16.stepTime.seconds)
    }

    @Test("An AWQ checkpoint's INT4 weights are the weights' format unless the request gives one or computes no wider")
    func checkpointWeights() throws {
        var request = try llamaDecode()
        request.deployment = Deployment(chips: 1)
        request.precision = PrecisionSettings(compute: .bf16)
        request.load = Load(batchPerChip: 1, contextTokens: 2048)
        var explicit = request
        explicit.precision.weights = .int4
        request.model.quantizedWeights = .int4
        #expect(try predict(request) == (try predict(explicit)))
        #expect(request.precision.resolved(for: request.model) == explicit.precision)
        // Asked for INT8 weights, the request's format wins; computing in INT4 (W4A4), nothing is narrower.
        request.precision.weights = .int8
        #expect(request.precision.resolved(for: request.model).weights == .int8)
        request.precision = PrecisionSettings(compute: .int4)
        #expect(request.precision.resolved(for: request.model).weights == nil)
    }

    @Test("Weights no narrower than the compute format are refused, and INT4 arithmetic on a chip without it says how to ask for weight-only INT4")
    func weightOnlyRefusals() throws {
        var fp8 = try llamaDecode()
        fp8.precision = PrecisionSettings(compute: .fp8, weights: .fp8)
        #expect(throws: CostModelError.self) { try predict(fp8) }
        do { _ = try predict(fp8) } catch { #expect("\(error)".contains("not narrower than the fp8")) }
        var int4 = try llamaDecode()
        int4.precision = PrecisionSettings(compute: .int4)
        do {
            _ = try predict(int4)
            Issue.record("INT4 arithmetic accepted on an H100")
        } catch {
            #expect("\(error)".contains("h100-sxm has no int4 arithmetic"))
            #expect("\(error)".contains("--weights int4"))
        }
    }

    @Test("The timeline is the step: it ends at the step time, its compute adds up to the operators', every layer of every micro-batch is in it", arguments: requests)
    func timeline(name: String) throws {
        let request = try request(name)
        let plain = try predict(request)
        let traced = try StepPredictor.predict(request, profile: try calibration().profile(for: request.system.chip), timeline: true)
        #expect(plain.timeline.isEmpty)
        #expect(traced == plain)
        let end = try #require(traced.timeline.map(\.end).max())
        #expect(end.seconds.isApproximatelyEqual(to: traced.stepTime.seconds, relativeTolerance: 1e-9))
        let compute = traced.timeline.filter { !$0.isCommunication }.reduce(0.0) { $0 + ($1.end - $1.start).seconds }
        #expect(compute.isApproximatelyEqual(to: traced.computeTime.seconds, relativeTolerance: 1e-9))
        let attention = traced.timeline.filter { $0.name == "attention" }
        #expect(attention.count == request.model.layers * request.deployment.microbatchCount)
        #expect(Set(attention.compactMap(\.layer)) == Set(0..<request.model.layers))
    }

    @Test("Activation memory by hand: DeepSeek-V3 prefill, 8,192 tokens per micro-batch, the MoE block largest")
    func activationMemory() throws {
        let request = try h800Prefill()
        let memory = try predict(request).memory
        let t = 8192.0, d = 7168.0
        // The MoE block on a rank: 8,192 tokens x 32 ranks x top-8 over 32 ranks = 65,536 copies (perfect
        // balance); received and permuted copies in FP8, gate and up outputs in BF16, the activation in BF16
        // and FP8, the down projection's output in BF16.
        let copies = t * 32 * 8 / 32
        let moe = copies * (2 * d * 1 + 2 * 2048 * 2 + 2048 * (2 + 1) + d * 2)
        // The attention block (queries 192, expanded keys 128 + values 128, keys with rope 192, output 128 per
        // head over 128 heads, plus the latents 1,536 + 512 + 64 and the block's output) is smaller, and so is
        // the dense FFN (gate and up 2 x 18,432, activation in BF16 and FP8).
        let attention = t * d * 2 + t * (1536 + 512 + 64) * 2 + t * 128 * (192 + 256 + 192 + 128) * 2
        let ffn = t * d * 2 + t * 18432 * (2 * 2 + 2 + 1)
        #expect(moe > attention && moe > ffn)
        // Residual stream and block input of both micro-batches, the other micro-batch's received copies, the
        // logits of the last token of each of the 4 prompts.
        let expected = 2 * t * d * 2 * 2 + moe + copies * d * 1 + 4 * 129280 * 4
        #expect(memory.activations.bytes.isApproximatelyEqual(to: expected, relativeTolerance: 1e-9))

        // Two micro-batches hold less than one batch of the same tokens (why SGLang's prefill needs its
        // two-batch overlap to fit 16,384 tokens per GPU).
        var single = request
        single.deployment.microbatches = 1
        #expect(try predict(single).memory.activations > memory.activations)
    }

    @Test("A decode batch that does not divide over a chip's ranks is priced on its busiest rank")
    func unevenBatch() throws {
        var odd = try cloudMatrixDecode(batch: 95)
        odd.deployment.microbatches = 1
        var even = odd
        even.load.batchPerChip = 96
        let a = try predict(odd), b = try predict(even)
        // 95 sequences over two dies: one holds 48, as with 96, so the step is the same and a chip makes 95/96 of the tokens.
        #expect(a.stepTime == b.stepTime)
        #expect(a.tokensPerSecondPerChip.isApproximatelyEqual(to: b.tokensPerSecondPerChip * 95 / 96, relativeTolerance: 1e-12))
    }

    @Test("More micro-batches than sequences on a rank are refused")
    func tooManyMicrobatches() throws {
        var request = try cloudMatrixDecode(batch: 2)
        request.deployment.microbatches = 2
        #expect(throws: CostModelError.load("2 micro-batches need at least 2 sequences on each rank; batch_per_chip 2 over 2 ranks per chip gives 1; use fewer micro-batches or a larger batch")) {
            try predict(request)
        }
        request.load.batchPerChip = 4
        #expect(throws: Never.self) { try predict(request) }
    }

    @Test("Sequences longer than the model's context window are refused; no count overflows")
    func contextWindow() throws {
        var request = try cloudMatrixDecode(batch: 8)
        request.load = Load(batchPerChip: 8, promptTokens: 160_000, outputTokens: 8_000)
        #expect(throws: CostModelError.load("sequences that reach 168,000 tokens are longer than deepseek-r1 takes: its context window is 163,840 tokens (max_position_embeddings, stretched by rope_scaling); use shorter prompts or outputs, or a model config with a longer window")) {
            try predict(request)
        }
        request.load = Load(batchPerChip: 8, promptTokens: Int.max, outputTokens: Int.max)
        #expect(throws: CostModelError.self) { try predict(request) }
        request.load = Load(batchPerChip: 8, promptTokens: 4_096, outputTokens: -1)
        #expect(throws: CostModelError.load("output_tokens must not be negative, got -1")) { try predict(request) }
        var prefill = try h800Prefill()
        prefill.load.promptTokens = 200_000
        #expect(throws: CostModelError.self) { try predict(prefill) }
    }

    @Test("A context longer than prompt plus output sizes the KV cache")
    func contextSizesCache() throws {
        var request = try cloudMatrixDecode(batch: 8)
        request.load = Load(batchPerChip: 8, promptTokens: 1_024, outputTokens: 1_024)
        let short = try predict(request)
        request.load.contextTokens = 8_192
        let long = try predict(request)
        #expect(long.memory.kvCache.bytes.isApproximatelyEqual(to: short.memory.kvCache.bytes * 4, relativeTolerance: 1e-12))
    }

    @Test("Missing load figures are named")
    func missingLoad() throws {
        var request = try h800Prefill()
        request.load = Load(promptTokens: 4096)
        #expect(throws: CostModelError.load("prefill needs tokens_per_chip, the tokens each chip takes in one batch")) { try predict(request) }
    }

    @Test("Same input, same prediction")
    func deterministic() throws {
        #expect(try predict(try cloudMatrixDecode()) == predict(try cloudMatrixDecode()))
    }
}
