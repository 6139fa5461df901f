import Numerics
import DataFiles
import Testing
import Units
@testable import CostModel
@testable import Hardware

@Suite("Kernel roofline")
struct KernelTests {
    @Test("A large GEMM is compute-bound: 2MKN / (peak x efficiency) + overhead")
    func computeBound() throws {
        let system = try hardware().system("hgx-h100")
        let rank = RankHardware(system: system, ranksPerChip: 1, profile: roundProfile(chips: ["h100-sxm"], overhead: TimeSpan(seconds: 1e-5)))
        let n = 4096.0
        let flops: Double = 2 * n * n * n
        let bytes: Double = 3 * n * n * 2
        let kernel = Kernel("gemm", .gemm, precision: .bf16, flops: flops, bytes: bytes)
        let time = try rank.time(kernel)
        let computeSeconds: Double = flops / (989.4e12 * 0.5)
        let memorySeconds: Double = bytes / (3.35e12 * 0.5)
        #expect(time.compute.seconds.isApproximatelyEqual(to: computeSeconds))
        #expect(time.memory.seconds.isApproximatelyEqual(to: memorySeconds))
        #expect(time.isComputeBound)
        #expect(time.total.seconds.isApproximatelyEqual(to: time.compute.seconds + 1e-5))
    }

    @Test("A one-row GEMM is memory-bound: it streams its weights")
    func memoryBound() throws {
        let system = try hardware().system("hgx-h100")
        let rank = RankHardware(system: system, ranksPerChip: 1, profile: roundProfile(chips: ["h100-sxm"]))
        let weights = 8192.0 * 8192
        let time = try rank.time(Kernel("gemv", .gemm, precision: .fp8, flops: 2 * weights, bytes: weights))
        #expect(!time.isComputeBound)
        #expect(time.total.seconds.isApproximatelyEqual(to: weights / (3.35e12 * 0.5)))
    }

    @Test("A dual-die chip run die by die gives each rank half the peak and half the bandwidth")
    func perDie() throws {
        let system = try hardware().system("cloudmatrix384")
        let rank = RankHardware(system: system, ranksPerChip: 2, profile: roundProfile(chips: ["ascend-910c"]))
        #expect(rank.peak(.int8)!.teraflops.isApproximatelyEqual(to: 752))
        #expect(rank.memoryBandwidth.terabytesPerSecond.isApproximatelyEqual(to: 1.6))
        #expect(rank.memoryCapacity.gigabytes.isApproximatelyEqual(to: 64))
        #expect(rank.scaleUpBandwidth.gigabytesPerSecond.isApproximatelyEqual(to: 196 * 0.5))
    }

    @Test("FP8 on the Ascend 910C is refused: the chip has no FP8")
    func missingPrecision() throws {
        let system = try hardware().system("cloudmatrix384")
        let rank = RankHardware(system: system, ranksPerChip: 2, profile: try calibration().profile(for: system.chip))
        #expect(throws: CostModelError.self) { try rank.time(Kernel("gemm", .gemm, precision: .fp8, flops: 1e12, bytes: 1e9)) }
    }

    @Test("More peak, more bandwidth or less overhead never makes a kernel slower", arguments: [1.0, 1e6, 1e9, 1e12, 1e15])
    func monotone(flops: Double) throws {
        var system = try hardware().system("hgx-h100")
        let profile = try calibration().profile(for: system.chip)
        let kernel = Kernel("k", .gemm, precision: .bf16, flops: flops, bytes: 1e8)
        let base = try RankHardware(system: system, ranksPerChip: 1, profile: profile).time(kernel).total
        var chip = system.chip
        chip.peak.bf16 = chip.peak.bf16! * 2
        chip.memory.bandwidth = chip.memory.bandwidth * 2
        system = try System(spec: system.spec, chip: chip)
        let faster = try RankHardware(system: system, ranksPerChip: 1, profile: profile).time(kernel).total
        #expect(faster <= base)
    }
}

@Suite("Calibration")
struct CalibrationTests {
    @Test("The shipped H200 profile is the fit to the shipped measurements")
    func refit() throws {
        let chip = try hardware().chip("h200-sxm")
        let fit = CalibrationFit.fit(try CalibrationCatalog.measurements("h200-pytorch-microbench"), chip: chip)
        let profile = try calibration().profile(named: "h200-pytorch")
        #expect(fit.gemmEfficiency[.bf16] == profile.gemmEfficiency(.bf16))
        #expect(fit.gemmEfficiency[.fp8] == profile.gemmEfficiency(.fp8))
        #expect(fit.memoryEfficiency == profile.memoryEfficiency)
        #expect(fit.kernelOverhead.seconds.isApproximatelyEqual(to: profile.kernelOverhead.seconds, absoluteTolerance: 1e-9))
        #expect(fit.attentionMemoryEfficiency == profile.attention.memoryEfficiency)
        // The fit explains the GEMMs to about 12% RMS; a broken fit would not.
        #expect(fit.gemmError[.bf16]! < 0.15)
        #expect(fit.gemmError[.fp8]! < 0.10)
    }

    @Test("Launch costs refit from the H200 timings: eager GEMMs give the profile's kernel overhead, graph replays its decode overhead")
    func launchRefit() throws {
        let timings = try CalibrationCatalog.timings("h200-kernels")
        #expect(timings.format == "supernode-kernels/1")
        let chip = try hardware().chip("h200-sxm")
        let profile = try calibration().profile(named: "h200-pytorch")
        let fit = try CalibrationFit.fitLaunch(timings, chip: chip, profile: profile)
        #expect(fit.samples == 120)
        #expect(fit.eager.seconds.isApproximatelyEqual(to: profile.kernelOverhead.seconds, absoluteTolerance: 1e-9))
        // A graph removes the host's launch: cheaper per kernel, for GEMMs and for a 1-element kernel alike. The
        // shipped profiles keep the eager figure in decode too (docs/cost-model.md says why).
        #expect(fit.graph < fit.eager * 0.5)
        #expect(profile.decodeKernelOverhead == nil)
        let tiny = try #require(timings.sections.launch)
        #expect(tiny.graphS < tiny.eagerS / 3)
        #expect(fit.eagerError < 0.2 && fit.graphError < 0.2, "RMS \(fit.eagerError), \(fit.graphError)")
        // Without graph timings there is nothing to fit.
        var bare = timings
        bare.sections.gemmGraph = nil
        #expect(throws: CostModelError.self) { try CalibrationFit.fitLaunch(bare, chip: chip, profile: profile) }
    }

    @Test("The profile's prefill attention curve (FlashAttention-3, head dim 128) agrees with MLA's prefill shape measured on an H200")
    func prefillAttentionMeasured() throws {
        let timings = try CalibrationCatalog.timings("h200-kernels")
        let shape = try #require(timings.sections.prefillAttention?.mlaPrefill)
        #expect(shape.heads == 128 && shape.dqk == 192 && shape.dv == 128)
        let points = CalibrationFit.prefillAttention(shape, chip: try hardware().chip("h200-sxm"))
        #expect(points.map(\.tokens) == [512, 1024, 2048, 4096, 8192, 16384])
        let profile = try calibration().profile(named: "h200-pytorch")
        for point in points {
            let shipped = try #require(profile.attention.prefillEfficiency(length: Double(point.tokens)))
            #expect(abs(point.efficiency / shipped - 1) < 0.15, "\(point.tokens) tokens: measured \(point.efficiency), profile \(shipped)")
        }
        // Short sequences waste more of each tile on the mask: the measured rate rises to 4K tokens.
        #expect(zip(points.prefix(4), points.dropFirst().prefix(3)).allSatisfy { $0.efficiency < $1.efficiency })
        // By hand for the first row: sequences x heads x tokens^2 x (dqk + dv) over the fastest time and the BF16 peak.
        let row = shape.rows[0]
        let seconds = try #require(row.fastest)
        let flops: Double = Double(row.sequences * 128 * 512 * 512 * 320)
        let expected = flops / seconds / 989.4e12
        #expect(abs(points[0].efficiency - expected) < 0.0005)
    }

    @Test("A decode step pays the profile's decode (graph) overhead per kernel; prefill keeps the eager one")
    func decodeKernelOverhead() throws {
        var eager = try calibration().profile(named: "h200-pytorch")
        eager.decodeKernelOverhead = nil
        var graph = eager
        graph.decodeKernelOverhead = eager.kernelOverhead * 0.2
        #expect(graph.kernelOverhead(.prefill) == eager.kernelOverhead && graph.kernelOverhead(.decode) == eager.kernelOverhead * 0.2)
        #expect(eager.kernelOverhead(.decode) == eager.kernelOverhead)
        let system = try hardware().system("hgx-h100"), model = try models().model("llama-3.1-8b")
        func step(_ phase: Phase, _ profile: CalibrationProfile) throws -> StepPrediction {
            try StepPredictor.predict(StepRequest(system: system, model: model, phase: phase, precision: PrecisionSettings(compute: .bf16),
                                                  deployment: Deployment(chips: 1, tensorParallel: 1),
                                                  load: Load(batchPerChip: 8, promptTokens: 1024, outputTokens: 256, tokensPerChip: 8192)),
                                      profile: profile)
        }
        let slow = try step(.decode, eager), fast = try step(.decode, graph)
        #expect(fast.stepTime < slow.stepTime)
        for (a, b) in zip(slow.operators, fast.operators) where !a.isCommunication {
            #expect(a.name == b.name)
            #expect(b.overhead.seconds.isApproximatelyEqual(to: a.overhead.seconds * 0.2, relativeTolerance: 1e-9), "\(a.name)")
        }
        #expect(try step(.prefill, eager).stepTime == step(.prefill, graph).stepTime)
        var negative = graph
        negative.decodeKernelOverhead = TimeSpan(seconds: -1e-6)
        #expect(throws: DescriptionIssue.self) { try negative.check() }
    }

    @Test("The shipped H200 profile's block-scaled FP8 efficiency is the fit to DeepGEMM's published H800 table")
    func blockScaledRefit() throws {
        let table = try CalibrationCatalog.publishedGEMMs("deepgemm-h800-fp8")
        #expect(table.rows.count == 28)
        let fit = try #require(CalibrationFit.fitPublished(table, chip: try hardware().chip(table.chip)))
        let profile = try calibration().profile(named: "h200-pytorch")
        #expect(profile.gemmEfficiency(.fp8, blockScaled: true) == fit.compute)
        // Block-scaled kernels pay for their scales: below the per-tensor FP8 efficiency of the same chip family.
        #expect(fit.compute < profile.gemmEfficiency(.fp8)!)
        #expect(fit.error < 0.2, "RMS \(fit.error)")
    }

    @Test("Block-scaled checkpoints run their GEMMs at the block-scaled efficiency, in their own precision only")
    func blockScaledKernels() throws {
        let model = try models().model("deepseek-v3")
        #expect(model.blockScaledPrecision == .fp8)
        #expect(try models().model("llama-3.1-8b").blockScaledPrecision == nil)
        let system = try hardware().system("h800-cluster")
        let profile = try calibration().profile(for: system.chip)
        let rank = RankHardware(system: system, ranksPerChip: 1, profile: profile)
        let large = Kernel("large", .gemm, precision: .fp8, flops: 2 * 4096 * 7168 * 7168, bytes: 7168 * 7168)
        var scaled = large
        scaled.blockScaled = true
        let ratio = try rank.time(scaled).compute.seconds / rank.time(large).compute.seconds
        #expect(ratio.isApproximatelyEqual(to: profile.gemmEfficiency(.fp8)! / profile.gemmEfficiency(.fp8, blockScaled: true)!, relativeTolerance: 1e-12))
        // A profile without a block-scaled figure runs them at its plain efficiency.
        #expect(try calibration().profile(named: "ascend-910c-cann").gemmEfficiency(.int8, blockScaled: true) == 0.80)
    }

    @Test("Prefill attention by length: table points exact, log-linear between, the ends beyond; decode kernels keep the flat figure")
    func prefillAttentionByLength() throws {
        let attention = AttentionEfficiency(computeEfficiency: 0.77, memoryEfficiency: 0.94, prefillByLength: [
            .init(tokens: 1024, efficiency: 0.40), .init(tokens: 4096, efficiency: 0.60),
        ])
        #expect(attention.prefillEfficiency(length: 1024) == 0.40)
        // 2048 is halfway between 1024 and 4096 in log2: 0.50.
        #expect(try #require(attention.prefillEfficiency(length: 2048)).isApproximatelyEqual(to: 0.50))
        #expect(attention.prefillEfficiency(length: 100) == 0.40)
        #expect(attention.prefillEfficiency(length: 1e6) == 0.60)
        #expect(AttentionEfficiency(computeEfficiency: 0.77, memoryEfficiency: 0.94).prefillEfficiency(length: 2048) == nil)

        let system = try hardware().system("h800-cluster")
        let profile = try calibration().profile(for: system.chip)
        let rank = RankHardware(system: system, ranksPerChip: 1, profile: profile)
        let core = Kernel("core", .attention, precision: .bf16, flops: 1e12, bytes: 1e6)
        var causal = core
        causal.causalLength = 4096
        let expected = 1e12 / (989.4e12 * profile.attention.prefillEfficiency(length: 4096)!)
        #expect(try rank.time(causal).compute.seconds.isApproximatelyEqual(to: expected, relativeTolerance: 1e-9))
        #expect(try rank.time(core).compute.seconds.isApproximatelyEqual(to: 1e12 / (989.4e12 * 0.77), relativeTolerance: 1e-9))
        // A table whose lengths do not increase is refused.
        var broken = profile
        broken.attention.prefillByLength = [.init(tokens: 4096, efficiency: 0.6), .init(tokens: 1024, efficiency: 0.4)]
        #expect(throws: DescriptionIssue.self) { try broken.check() }
    }

    @Test("The chips of the prefill, decode and collective validation systems have profiles, and every profile passes its checks")
    func coverage() throws {
        let catalog = try calibration()
        for profile in catalog.profiles { try profile.check() }
        for name in ["cloudmatrix384", "h800-cluster", "h100-cluster", "hgx-h100", "hgx-h200"] {
            let chip = try hardware().system(name).chip
            #expect(try catalog.profile(for: chip).chips.contains(chip.name))
        }
    }

    /// Refits a profile's dispatch and combine fixed costs from a shipped table, checks the shipped figures match
    /// the fit, and returns every row with the model's relative error on it (the profile as shipped).
    func exchangeRefit(profile name: String, table tableName: String, fittedRows: Int) throws
        -> (fit: CalibrationFit.ExchangeFit, rows: [(row: PublishedExchangeTable.Row, tokens: Int, error: Double, label: String)]) {
        let profile = try calibration().profile(named: name)
        let table = try CalibrationCatalog.publishedExchanges(tableName)
        let system = try hardware().system(table.system)
        let fit = try CalibrationFit.fitExchange(table, system: system, profile: profile)
        #expect(fit.rows == fittedRows)
        let shipped = profile.network
        #expect(abs(shipped.dispatchOverhead.microseconds - fit.dispatch.microseconds) < 0.5, "fit: \(fit.dispatch.microseconds) us")
        #expect(abs(shipped.combineOverhead.microseconds - fit.combine.microseconds) < 0.5, "fit: \(fit.combine.microseconds) us")
        #expect(abs((shipped.dispatchOverheadPerDoubling ?? .zero).microseconds - fit.dispatchPerDoubling.microseconds) < 0.05,
                "fit: \(fit.dispatchPerDoubling.microseconds) us per doubling")
        #expect(abs((shipped.combineOverheadPerDoubling ?? .zero).microseconds - fit.combinePerDoubling.microseconds) < 0.05,
                "fit: \(fit.combinePerDoubling.microseconds) us per doubling")
        // Every row through the same benchmark the validator runs.
        let rank = RankHardware(system: system, ranksPerChip: table.ranksPerChip, profile: profile)
        let rows = try table.rows.map { row in
            let tokens = row.tokensPerRank ?? table.tokensPerRank
            let precision = row.operation == .dispatch ? table.dispatchPrecision : table.combinePrecision
            let time = try ExpertExchange.benchmark(row.operation, ranks: row.ranks, tokensPerRank: tokens, hidden: table.hidden,
                                                    topK: table.topK, precision: precision, on: rank)
            let label = "\(row.operation) EP\(row.ranks), \(tokens) tokens: \(time.total.microseconds) us, published \(row.latencyUs)"
            return (row, tokens, time.total.microseconds / row.latencyUs - 1, label)
        }
        return (fit, rows)
    }

    @Test("The Ascend dispatch and combine fixed costs refit from the paper's table, and the fit reproduces its rows")
    func ascendExchangeFit() throws {
        let (fit, rows) = try exchangeRefit(profile: "ascend-910c-cann", table: "cloudmatrix384-moe-exchange", fittedRows: 10)
        #expect(fit.error < 0.05, "RMS error \(fit.error)")
        // The fitted rows closely, the held-out EP256 rows (validation cases) within their 25% tolerance.
        for (row, _, error, label) in rows {
            #expect(abs(error) < (row.check == true ? 0.25 : 0.08), "\(label)")
        }
        #expect(try calibration().profile(named: "ascend-910c-cann").fittedTo == ["cm384-moe-dispatch-ep8", "cm384-moe-combine-ep8"])
    }

    @Test("The Blackwell dispatch and combine fixed costs refit from TensorRT-LLM's one-token rows, and its larger batches agree")
    func blackwellExchangeFit() throws {
        let (_, rows) = try exchangeRefit(profile: "blackwell-cuda", table: "gb200-nvlink-moe-exchange", fittedRows: 4)
        for (row, tokens, error, label) in rows {
            if row.check != true {
                #expect(abs(error) < 0.05, "\(label)")
            } else if tokens >= 512 {
                // Transfer-bound rows: within the validation format's tolerance for collective cases (25%).
                #expect(abs(error) < 0.25, "\(label)")
            } else {
                // At 128 tokens the kernels overlap their fixed part with the transfer; adding them over-predicts.
                #expect(error > 0, "\(label)")
            }
        }
    }

    @Test("A chip without a profile is named with the covered chips")
    func uncovered() throws {
        let chip = try hardware().chip("tpu-v5p")
        #expect(throws: CostModelError.self) { try calibration().profile(for: chip) }
    }
}
