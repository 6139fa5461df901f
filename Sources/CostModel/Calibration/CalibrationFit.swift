import Foundation
import Hardware
import Units

/// Fits a stack's efficiencies to kernel measurements by least squares on log time, over a fixed grid
/// (deterministic; no randomness, no iteration order effects).
///
/// GEMM model: t = max(2·M·K·N / (peak · η_c), bytes / (HBM bandwidth · η_m)) + t₀, with bytes the A, B and
/// C matrices in the GEMM's format. η_c, η_m and t₀ are fitted to the BF16 GEMMs; the FP8 η_c is then
/// fitted with η_m and t₀ held. Decode attention: t = KV bytes / (HBM bandwidth · η_a) + t₀.
public enum CalibrationFit {
    /// The figures a fit produces.
    public struct Result: Sendable, Hashable {
        public var copyEfficiency: Double
        public var gemmEfficiency: [Precision: Double]
        public var memoryEfficiency: Double
        public var kernelOverhead: TimeSpan
        public var attentionMemoryEfficiency: Double
        /// Root-mean-square relative error (in log space) of the GEMM fit, per precision.
        public var gemmError: [Precision: Double]
        public var attentionError: Double
    }

    /// Grid steps; the shipped profiles record the fit at this resolution.
    public static let efficiencyStep = 0.01
    public static let overheadStep = TimeSpan(seconds: 0.5e-6)
    /// The overheads a fit tries: 0 to 20 us in `overheadStep`s.
    static let overheadGrid: [Double] = (0...40).map { Double($0) * overheadStep.seconds }

    public static func fit(_ measurements: KernelMeasurements, chip: Chip) -> Result {
        let copy = measurements.copyDeviceToDevice.map { 2 * $0.mib * 1_048_576 / $0.s / chip.memory.bandwidth.bytesPerSecond }
        let copyEfficiency = copy.reduce(0, +) / Double(max(copy.count, 1))

        let bf16 = measurements.gemmBf16.map { Sample(m: $0.M, k: $0.K, n: $0.N, seconds: $0.s) }
        let bf16Peak = chip.peak(.bf16)?.flopsPerSecond ?? 0
        var best = (error: Double.infinity, compute: 0.0, memory: 0.0, overhead: 0.0)
        for compute in grid(0.40, 0.99) {
            for memory in grid(0.50, 1.00) {
                for overhead in overheadGrid {
                    let error = meanSquaredLogError(bf16, peak: bf16Peak, bytesPerElement: 2, chip: chip,
                                                    compute: compute, memory: memory, overhead: overhead)
                    if error < best.error - 1e-15 { best = (error, compute, memory, overhead) }
                }
            }
        }

        let fp8 = measurements.gemmFp8VsBf16.map { Sample(m: $0.M, k: $0.K, n: $0.N, seconds: $0.fp8S) }
        let fp8Peak = chip.peak(.fp8)?.flopsPerSecond ?? 0
        var bestFP8 = (error: Double.infinity, compute: 0.0)
        if !fp8.isEmpty, fp8Peak > 0 {
            for compute in grid(0.40, 0.99) {
                let error = meanSquaredLogError(fp8, peak: fp8Peak, bytesPerElement: 1, chip: chip,
                                                compute: compute, memory: best.memory, overhead: best.overhead)
                if error < bestFP8.error - 1e-15 { bestFP8 = (error, compute) }
            }
        }

        // Decode attention: 32 query heads over 8 KV heads of 128, BF16 cache: 2 x 8 x 128 x 2 bytes per token.
        let rows = measurements.attentionDecodeGqaBf16.rows
        var bestAttention = (error: Double.infinity, memory: 0.0)
        for memory in grid(0.50, 1.00) {
            var total = 0.0
            for row in rows {
                let bytes = Double(row.B * row.L) * 2 * 8 * 128 * 2
                let predicted = bytes / (chip.memory.bandwidth.bytesPerSecond * memory) + best.overhead
                total += pow(log(predicted / row.s), 2)
            }
            let error = total / Double(max(rows.count, 1))
            if error < bestAttention.error - 1e-15 { bestAttention = (error, memory) }
        }

        var efficiencies: [Precision: Double] = [.bf16: best.compute]
        var errors: [Precision: Double] = [.bf16: best.error.squareRoot()]
        if bestFP8.compute > 0 {
            efficiencies[.fp8] = bestFP8.compute
            errors[.fp8] = bestFP8.error.squareRoot()
        }
        return Result(
            copyEfficiency: copyEfficiency, gemmEfficiency: efficiencies, memoryEfficiency: best.memory,
            kernelOverhead: TimeSpan(seconds: best.overhead), attentionMemoryEfficiency: bestAttention.memory,
            gemmError: errors, attentionError: bestAttention.error.squareRoot())
    }

    /// One timed GEMM: C[m,n] = A[m,k] · B[k,n] in `seconds`.
    public struct Sample: Sendable {
        public let m: Int, k: Int, n: Int
        public let seconds: Double
        public init(m: Int, k: Int, n: Int, seconds: Double) {
            self.m = m
            self.k = k
            self.n = n
            self.seconds = seconds
        }
    }

    /// Fits compute efficiency, memory efficiency and overhead of `samples` against `peak` FLOP/s and
    /// `bandwidth` bytes/s, operands of `bytesPerElement`; returns them with the RMS log error.
    /// `maximumMemory` above 1 lets operands that stay in cache beat the memory bandwidth.
    public static func fitGEMMs(_ samples: [Sample], peak: Double, bandwidth: Double, bytesPerElement: Double, maximumMemory: Double = 1)
        -> (compute: Double, memory: Double, overhead: TimeSpan, error: Double) {
        var best = (error: Double.infinity, compute: 0.0, memory: 0.0, overhead: 0.0)
        let memories = grid(0.30, 1.00) + stride(from: 1.1, through: maximumMemory + 1e-9, by: 0.1).map { ($0 * 10).rounded() / 10 }
        for compute in grid(0.40, 1.00) {
            for memory in memories {
                for overhead in overheadGrid {
                    let error = meanSquaredLogError(samples, peak: peak, bytesPerElement: bytesPerElement, bandwidth: bandwidth,
                                                    compute: compute, memory: memory, overhead: overhead)
                    if error < best.error - 1e-15 { best = (error, compute, memory, overhead) }
                }
            }
        }
        return (best.compute, best.memory, TimeSpan(seconds: best.overhead), best.error.squareRoot())
    }

    /// The compute efficiency of a published GEMM table on `chip`: compute and memory efficiency and overhead
    /// fitted together (``fitGEMMs(_:peak:bandwidth:bytesPerElement:maximumMemory:)``, one-byte operands), of
    /// which only the compute efficiency is kept: the table times kernels alone, so its memory and launch
    /// figures do not describe a framework's launches, while its large shapes fix the compute rate.
    /// - Returns: nil when the chip lacks the table's precision.
    public static func fitPublished(_ table: PublishedGEMMTable, chip: Chip) -> (compute: Double, error: Double)? {
        guard let peak = chip.peak(table.precision)?.flopsPerSecond else { return nil }
        let samples = table.rows.map { Sample(m: $0.m, k: $0.k, n: $0.n, seconds: $0.secondsPerGroup) }
        let fit = fitGEMMs(samples, peak: peak, bandwidth: chip.memory.bandwidth.bytesPerSecond,
                           bytesPerElement: table.precision.bytesPerElement)
        return (fit.compute, fit.error)
    }

    static func grid(_ low: Double, _ high: Double) -> [Double] {
        let steps = Int(((high - low) / efficiencyStep).rounded())
        return (0...steps).map { ((low + Double($0) * efficiencyStep) * 100).rounded() / 100 }
    }

    static func meanSquaredLogError(_ samples: [Sample], peak: Double, bytesPerElement: Double, chip: Chip,
                                    compute: Double, memory: Double, overhead: Double) -> Double {
        meanSquaredLogError(samples, peak: peak, bytesPerElement: bytesPerElement, bandwidth: chip.memory.bandwidth.bytesPerSecond,
                            compute: compute, memory: memory, overhead: overhead)
    }

    static func meanSquaredLogError(_ samples: [Sample], peak: Double, bytesPerElement: Double, bandwidth: Double,
                                    compute: Double, memory: Double, overhead: Double) -> Double {
        var total = 0.0
        for sample in samples {
            let m = Double(sample.m), k = Double(sample.k), n = Double(sample.n)
            let computeTime = 2 * m * k * n / (peak * compute)
            let memoryTime = bytesPerElement * (m * k + k * n + m * n) / (bandwidth * memory)
            let predicted = max(computeTime, memoryTime) + overhead
            total += pow(log(predicted / sample.seconds), 2)
        }
        return total / Double(max(samples.count, 1))
    }
}

extension CalibrationFit {
    /// Dispatch and combine fixed costs fitted to a published latency table.
    public struct ExchangeFit: Sendable, Hashable {
        /// What a group of one rank extrapolates to.
        public var dispatch: TimeSpan
        public var combine: TimeSpan
        /// Growth each time the group doubles.
        public var dispatchPerDoubling: TimeSpan
        public var combinePerDoubling: TimeSpan
        /// Rows fitted (the table's check rows left out).
        public var rows: Int
        /// Root-mean-square relative error of the fitted latencies over those rows.
        public var error: Double
    }

    /// Least squares, per operation, of what the table's latencies leave after the model's transfer and
    /// latency (the profile's bandwidth efficiency and the system's fabric) against log2 of the group size.
    /// Rows marked as checks are left out.
    public static func fitExchange(_ table: PublishedExchangeTable, system: System, profile: CalibrationProfile) throws(CostModelError) -> ExchangeFit {
        var bare = profile
        bare.network.dispatchOverhead = .zero
        bare.network.combineOverhead = .zero
        bare.network.dispatchOverheadPerDoubling = nil
        bare.network.combineOverheadPerDoubling = nil
        let rank = RankHardware(system: system, ranksPerChip: table.ranksPerChip, profile: bare)
        var points: [ExchangeOperation: [(x: Double, transfer: Double, measured: Double)]] = [:]
        for row in table.rows where row.check != true {
            let precision = row.operation == .dispatch ? table.dispatchPrecision : table.combinePrecision
            let transfer = try ExpertExchange.benchmark(row.operation, ranks: row.ranks, tokensPerRank: row.tokensPerRank ?? table.tokensPerRank,
                                                        hidden: table.hidden, topK: table.topK, precision: precision, on: rank).total.seconds
            points[row.operation, default: []].append((log2(Double(row.ranks)), transfer, row.latencyUs * 1e-6))
        }
        func line(_ series: [(x: Double, transfer: Double, measured: Double)]?) throws(CostModelError) -> (base: Double, slope: Double, relative: [Double]) {
            guard let series, Set(series.map(\.x)).count >= 2 else {
                throw .calibration("the exchange table needs fitted rows at two group sizes or more for each operation")
            }
            let meanX = series.map(\.x).reduce(0, +) / Double(series.count)
            let meanY = series.map { $0.measured - $0.transfer }.reduce(0, +) / Double(series.count)
            let xy = series.reduce(0) { $0 + ($1.x - meanX) * ($1.measured - $1.transfer - meanY) }
            let xx = series.reduce(0) { $0 + ($1.x - meanX) * ($1.x - meanX) }
            let slope = xy / xx, base = meanY - slope * meanX
            return (base, slope, series.map { ($0.transfer + base + slope * $0.x) / $0.measured - 1 })
        }
        let dispatch = try line(points[.dispatch]), combine = try line(points[.combine])
        let relative = dispatch.relative + combine.relative
        let error = (relative.map { $0 * $0 }.reduce(0, +) / Double(relative.count)).squareRoot()
        return ExchangeFit(dispatch: TimeSpan(seconds: dispatch.base), combine: TimeSpan(seconds: combine.base),
                           dispatchPerDoubling: TimeSpan(seconds: dispatch.slope), combinePerDoubling: TimeSpan(seconds: combine.slope),
                           rows: relative.count, error: error)
    }
}

extension CalibrationFit {
    /// Per-kernel fixed cost of the same GEMMs launched eagerly and replayed from a CUDA graph.
    public struct LaunchFit: Sendable, Hashable {
        public var eager: TimeSpan
        public var graph: TimeSpan
        /// RMS relative error (log space) of each fit.
        public var eagerError: Double
        public var graphError: Double
        public var samples: Int
    }

    /// Fits the overhead t₀ of t = max(2·M·K·N / (peak · η_c), bytes / (HBM · η_m)) + t₀ to GEMMs timed eagerly
    /// and from a graph, with η_c and η_m held at `profile`'s BF16 figures: the two overheads differ by what the
    /// graph removes, the host's launch of each kernel.
    /// - Throws: ``CostModelError/calibration(_:)`` without graph GEMM timings or a BF16 efficiency.
    public static func fitLaunch(_ timings: KernelTimings, chip: Chip, profile: CalibrationProfile) throws(CostModelError) -> LaunchFit {
        guard let rows = timings.sections.gemmGraph?.bf16, !rows.isEmpty else {
            throw .calibration("the timings have no gemm_graph section (BF16 GEMMs eager and from a CUDA graph) to fit launch costs to")
        }
        guard let compute = profile.gemmEfficiency(.bf16), let peak = chip.peak(.bf16)?.flopsPerSecond else {
            throw .calibration("profile \(profile.name) has no BF16 GEMM efficiency to hold, or \(chip.name) has no BF16 peak")
        }
        let memory = profile.gemmMemoryEfficiency ?? profile.memoryEfficiency
        func overhead(_ seconds: (KernelTimings.GEMMGraph.Row) -> Double) -> (TimeSpan, Double) {
            let samples = rows.map { Sample(m: $0.M, k: $0.K, n: $0.N, seconds: seconds($0)) }
            var best = (error: Double.infinity, overhead: 0.0)
            for value in overheadGrid {
                let error = meanSquaredLogError(samples, peak: peak, bytesPerElement: 2, chip: chip, compute: compute, memory: memory, overhead: value)
                if error < best.error - 1e-15 { best = (error, value) }
            }
            return (TimeSpan(seconds: best.overhead), best.error.squareRoot())
        }
        let eager = overhead(\.eagerS), graph = overhead(\.graphS)
        return LaunchFit(eager: eager.0, graph: graph.0, eagerError: eager.1, graphError: graph.1, samples: rows.count)
    }

    /// Causal prefill attention's efficiency by sequence length: the fastest backend's FLOP rate
    /// (sequences · heads · tokens² · (dqk + dv) over its time) over the chip's BF16 peak, to three decimals.
    public static func prefillAttention(_ shape: KernelTimings.PrefillAttention.Shape, chip: Chip) -> [AttentionEfficiency.LengthEfficiency] {
        guard let peak = chip.peak(.bf16)?.flopsPerSecond else { return [] }
        return shape.rows.compactMap { row in
            guard let seconds = row.fastest else { return nil }
            let flops = Double(row.sequences * shape.heads) * Double(row.tokens) * Double(row.tokens) * Double(shape.dqk + shape.dv)
            return AttentionEfficiency.LengthEfficiency(tokens: row.tokens, efficiency: (flops / seconds / peak * 1000).rounded() / 1000)
        }
    }
}
