import CostModel
import Hardware
import Units
import Workload

/// `compare --model`: each system serving one model on ``OperatingPoint``'s reference layout, decode at the
/// batch that gives the most tokens per second per chip within a TPOT target and one prefill batch, per chip
/// and per kilowatt of the system's all-in power.
public struct ServingComparison: Sendable {
    /// What one system reaches, or why it could not be priced.
    public struct Entry: Sendable {
        public var decode: OperatingPoint.Decode?
        public var prefill: (layout: OperatingPoint.Layout, prediction: StepPrediction)?
        public var problem: String?
    }

    public let model: ModelArchitecture
    public let tpot: TimeSpan
    public let context: Int
    public let prompt: Int
    public let prefillTokensPerChip: Int
    /// By system name.
    public let entries: [String: Entry]

    /// Prices every system with its chip's profile from `calibrations`; a system whose chip has no profile,
    /// or whose layout does not fit, gets a note instead of figures.
    public init(systems: [System], model: ModelArchitecture, calibrations: CalibrationCatalog, tpot: TimeSpan, context: Int,
                prompt: Int, prefillTokensPerChip: Int) {
        self.model = model
        self.tpot = tpot
        self.context = context
        self.prompt = prompt
        self.prefillTokensPerChip = prefillTokensPerChip
        var entries: [String: Entry] = [:]
        for system in systems where entries[system.name] == nil {
            var entry = Entry()
            do {
                let profile = try calibrations.profile(for: system.chip)
                entry.decode = try OperatingPoint.bestDecode(system: system, model: model, profile: profile, context: context, tpot: tpot)
                if entry.decode == nil {
                    entry.problem = "no decode batch meets a TPOT of \(NumberText.fixed(tpot.milliseconds, decimals: 0)) ms"
                }
                entry.prefill = try OperatingPoint.prefill(system: system, model: model, profile: profile, prompt: prompt,
                                                           tokensPerChip: prefillTokensPerChip)
            } catch {
                entry.problem = "\(error)"
            }
            entries[system.name] = entry
        }
        self.entries = entries
    }

    var section: String { "Serving \(model.name)" }

    /// The figures `compare` adds, one metric each.
    var metrics: [ComparisonMetric] {
        let entries = self.entries, section = self.section
        let target = NumberText.fixed(tpot.milliseconds, decimals: 0)
        @Sendable func perKilowatt(_ system: System, _ rate: Double?) -> Double? {
            guard let rate, let power = system.power?.total, system.chips > 0 else { return nil }
            return rate / (power.kilowatts / Double(system.chips))
        }
        return [
            ComparisonMetric("decode_batch_per_chip", section, "Decode batch within TPOT \(target) ms", "seqs per chip", decimals: 0) {
                entries[$0.name]?.decode.map { Double($0.batchPerChip) }
            },
            ComparisonMetric("decode_tpot_ms", section, "Decode TPOT", "ms", decimals: 1) {
                entries[$0.name]?.decode?.prediction.timePerOutputToken?.milliseconds
            },
            ComparisonMetric("decode_tokens_per_s_per_chip", section, "Decode per chip", "tokens/s", decimals: 0) {
                entries[$0.name]?.decode?.prediction.tokensPerSecondPerChip
            },
            ComparisonMetric("decode_tokens_per_s_per_kw", section, "Decode per kW all-in", "tokens/s", decimals: 0) { system in
                perKilowatt(system, entries[system.name]?.decode?.prediction.tokensPerSecondPerChip)
            },
            ComparisonMetric("prefill_tokens_per_s_per_chip", section, "Prefill per chip", "tokens/s", decimals: 0) {
                entries[$0.name]?.prefill?.prediction.tokensPerSecondPerChip
            },
            ComparisonMetric("prefill_tokens_per_s_per_kw", section, "Prefill per kW all-in", "tokens/s", decimals: 0) { system in
                perKilowatt(system, entries[system.name]?.prefill?.prediction.tokensPerSecondPerChip)
            },
        ]
    }

    /// What was run on each system, and what could not be.
    func notes(for systems: [System]) -> [String] {
        var seen = Set<String>()
        var notes = ["\(section): decode with every sequence at \(NumberText.grouped(Double(context))) tokens of context, prefill of "
                     + "\(NumberText.grouped(Double(prefillTokensPerChip))) tokens per chip in \(NumberText.grouped(Double(prompt)))-token prompts, "
                     + "on one reference layout per system (see 'supernode compare --help'); per kW: the system's all-in power per chip."]
        for system in systems where seen.insert(system.name).inserted {
            guard let entry = entries[system.name] else { continue }
            if let decode = entry.decode {
                notes.append("\(system.name): \(decode.layout.summary); decode \(decode.layout.deployment.microbatchCount) micro-batch"
                             + "\(decode.layout.deployment.microbatchCount == 1 ? "" : "es"), prefill \(entry.prefill?.layout.deployment.microbatchCount ?? 1).")
            }
            if let problem = entry.problem { notes.append("\(system.name): \(problem).") }
        }
        return notes
    }
}
