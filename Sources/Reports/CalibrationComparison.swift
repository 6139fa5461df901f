import CostModel
import Hardware
import Units

/// `calibrate`: what was measured, and predicted against measured step times of the runtime's runs.
public struct CalibrationComparison: Sendable {
    public struct Row: Sendable, Codable {
        public var layout: String
        public var ranks: Int
        public var sequences: Int
        public var phase: String
        /// The run's expert load (busiest rank over the mean), which the prediction takes as given.
        public var expertLoad: Double?
        public var measuredMs: Double
        public var predictedMs: Double
        public var relativeError: Double { (predictedMs - measuredMs) / measuredMs }

        public init(layout: String, ranks: Int, sequences: Int, phase: String, expertLoad: Double?, measuredMs: Double, predictedMs: Double) {
            self.layout = layout
            self.ranks = ranks
            self.sequences = sequences
            self.phase = phase
            self.expertLoad = expertLoad
            self.measuredMs = measuredMs
            self.predictedMs = predictedMs
        }
    }

    public let rows: [Row]
    public let profile: CalibrationProfile
    public let chip: Chip
    public let output: String

    public init(rows: [Row], profile: CalibrationProfile, chip: Chip, output: String) {
        self.rows = rows
        self.profile = profile
        self.chip = chip
        self.output = output
    }

    public func tables() -> [Table] {
        var measured = Table(title: "This machine, per core", columns: [Table.Column("", .left), Table.Column("", .left)])
        measured.append(["SGEMM peak (best shape)", "\(NumberText.fixed(chip.peak.fp32!.flopsPerSecond / 1e9, decimals: 1)) GFLOP/s"])
        measured.append(["SGEMM fit", "efficiency \(NumberText.fixed(profile.gemm["fp32"] ?? 0, decimals: 2)), overhead \(profile.kernelOverhead.formatted())"])
        measured.append(["memory bandwidth", "\(NumberText.fixed(chip.memory.bandwidth.gigabytesPerSecond, decimals: 2)) GB/s (read plus write)"])
        measured.append(["elementwise kernels", "\(NumberText.fixed(profile.memoryEfficiency, decimals: 2)) of memory bandwidth"])
        measured.append(["attention kernel", "\(NumberText.fixed(profile.attention.computeEfficiency, decimals: 3)) of SGEMM peak (prefill), "
                         + "\(NumberText.fixed(profile.attention.memoryEfficiency, decimals: 2)) of bandwidth (decode)"])
        measured.append(["all-reduce / all-to-all-v fixed cost", "\(profile.network.collectiveOverhead.formatted()) / \(profile.network.dispatchOverhead.formatted())"])
        measured.notes = ["Written to \(output)/: system.json, calibration.json, measurements.json and model.json (the runtime model), for supernode predict --system, --calibration and --model."]
        return [measured, table()]
    }

    public func table() -> Table {
        var table = Table(title: "The runtime's runs: predicted against measured", columns: [
            Table.Column("layout", .left), Table.Column("ranks"), Table.Column("sequences"), Table.Column("step", .left), Table.Column("expert load"), Table.Column("measured ms"),
            Table.Column("predicted ms"), Table.Column("error"),
        ])
        for row in rows {
            table.append([row.layout, "\(row.ranks)", "\(row.sequences)", row.phase, row.expertLoad.map { NumberText.fixed($0, decimals: 2) } ?? "-",
                          NumberText.fixed(row.measuredMs, decimals: 2), NumberText.fixed(row.predictedMs, decimals: 2),
                          (row.relativeError >= 0 ? "+" : "") + NumberText.fixed(row.relativeError * 100, decimals: 1) + "%"])
        }
        table.notes = ["expert load: the busiest rank's routed token copies over the mean in the run (its routing, not its timing), given to the prediction."]
        return table
    }
}
