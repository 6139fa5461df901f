import CostModel
import Hardware
import Units
import Workload

/// `compare --model`: each system serving one model on ``OperatingPoint``'s reference layout, decode at the
/// batch that gives the most tokens per second per chip within each TPOT target and one prefill batch, per chip
/// and per kilowatt of the system's all-in power.
public struct ServingComparison: Sendable {
    /// What one system reaches, or why it could not be priced.
    public struct Entry: Sendable {
        /// One per TPOT target, in the order given; nil where no batch meets it.
        public var decode: [OperatingPoint.Decode?] = []
        public var prefill: (layout: OperatingPoint.Layout, prediction: StepPrediction)?
        public var problems: [String] = []
    }

    public let model: ModelArchitecture
    /// TPOT targets, tightest first.
    public let tpots: [TimeSpan]
    public let context: Int
    public let prompt: Int
    public let prefillTokensPerChip: Int
    /// The experts' format asked for, used where a system's chip and profile have it.
    public let expertPrecision: Precision?
    /// By system name.
    public let entries: [String: Entry]

    /// Prices every system with its chip's profile from `calibrations`; a system whose chip has no profile,
    /// or whose layout does not fit, gets a note instead of figures.
    public init(systems: [System], model: ModelArchitecture, calibrations: CalibrationCatalog, tpots: [TimeSpan], context: Int,
                prompt: Int, prefillTokensPerChip: Int, expertPrecision: Precision? = nil) {
        precondition(!tpots.isEmpty, "a serving comparison needs at least one TPOT target")
        self.model = model
        self.tpots = tpots.sorted()
        self.context = context
        self.prompt = prompt
        self.prefillTokensPerChip = prefillTokensPerChip
        self.expertPrecision = expertPrecision
        var entries: [String: Entry] = [:]
        for system in systems where entries[system.name] == nil {
            var entry = Entry()
            do {
                let profile = try calibrations.profile(for: system.chip)
                for tpot in self.tpots {
                    let decode = try OperatingPoint.bestDecode(system: system, model: model, profile: profile, context: context, tpot: tpot,
                                                               expertPrecision: expertPrecision)
                    if decode == nil { entry.problems.append("no decode batch meets a TPOT of \(Self.ms(tpot)) ms") }
                    entry.decode.append(decode)
                }
                entry.prefill = try OperatingPoint.prefill(system: system, model: model, profile: profile, prompt: prompt,
                                                           tokensPerChip: prefillTokensPerChip, expertPrecision: expertPrecision)
            } catch {
                entry.problems.append("\(error)")
            }
            entries[system.name] = entry
        }
        self.entries = entries
    }

    static func ms(_ time: TimeSpan) -> String { NumberText.shortest(JSONOutput.rounded(time.milliseconds)) }

    var section: String { "Serving \(model.name)" }

    /// The figures `compare` adds, one metric each: per TPOT target the batch, TPOT and decode rates (keys
    /// carry the target when there are several), then prefill.
    var metrics: [ComparisonMetric] {
        let entries = self.entries, section = self.section
        @Sendable func perKilowatt(_ system: System, _ rate: Double?) -> Double? {
            guard let rate, let power = system.power?.total, system.chips > 0 else { return nil }
            return rate / (power.kilowatts / Double(system.chips))
        }
        // Per rack of floor: the chips over the racks their nodes fill (a part-filled rack counts as its share, so a
        // single 8-GPU server is a quarter of a 4-server rack) plus the network racks.
        @Sendable func perRack(_ system: System, _ rate: Double?) -> Double? {
            let facility = system.spec.facility
            let racks = Double(system.nodes) / Double(facility.nodesPerRack) + Double(facility.extraRacks ?? 0)
            guard let rate, racks > 0 else { return nil }
            return rate * Double(system.chips) / racks
        }
        var list: [ComparisonMetric] = []
        for (index, tpot) in tpots.enumerated() {
            let target = Self.ms(tpot)
            let suffix = tpots.count == 1 ? "" : "_tpot_\(target.replacingOccurrences(of: ".", with: "_"))ms"
            @Sendable func decode(_ system: System) -> OperatingPoint.Decode? {
                guard let entry = entries[system.name], index < entry.decode.count else { return nil }
                return entry.decode[index]
            }
            list += [
                ComparisonMetric("decode_batch_per_chip" + suffix, section, "Decode batch within TPOT \(target) ms", "seqs per chip", decimals: 0) {
                    decode($0).map { Double($0.batchPerChip) }
                },
                ComparisonMetric("decode_tpot_ms" + suffix, section, "Decode TPOT", "ms", decimals: 1) {
                    decode($0)?.prediction.timePerOutputToken?.milliseconds
                },
                ComparisonMetric("decode_tokens_per_s_per_chip" + suffix, section, "Decode per chip", "tokens/s", decimals: 0) {
                    decode($0)?.prediction.tokensPerSecondPerChip
                },
                ComparisonMetric("decode_tokens_per_s_per_kw" + suffix, section, "Decode per kW all-in", "tokens/s", decimals: 0) { system in
                    perKilowatt(system, decode(system)?.prediction.tokensPerSecondPerChip)
                },
                ComparisonMetric("decode_tokens_per_s_per_rack" + suffix, section, "Decode per rack", "tokens/s", decimals: 0) { system in
                    perRack(system, decode(system)?.prediction.tokensPerSecondPerChip)
                },
            ]
        }
        list += [
            ComparisonMetric("prefill_tokens_per_s_per_chip", section, "Prefill per chip", "tokens/s", decimals: 0) {
                entries[$0.name]?.prefill?.prediction.tokensPerSecondPerChip
            },
            ComparisonMetric("prefill_tokens_per_s_per_kw", section, "Prefill per kW all-in", "tokens/s", decimals: 0) { system in
                perKilowatt(system, entries[system.name]?.prefill?.prediction.tokensPerSecondPerChip)
            },
            ComparisonMetric("prefill_tokens_per_s_per_rack", section, "Prefill per rack", "tokens/s", decimals: 0) { system in
                perRack(system, entries[system.name]?.prefill?.prediction.tokensPerSecondPerChip)
            },
        ]
        return list
    }

    /// The layout each system ran, by system name (absent where none ran).
    var layouts: [String: String] {
        entries.compactMapValues { entry in (entry.decode.compactMap { $0 }.first?.layout ?? entry.prefill?.layout)?.summary }
    }

    /// What was run on each system, and what could not be.
    func notes(for systems: [System]) -> [String] {
        var seen = Set<String>()
        var notes = ["\(section): decode with every sequence at \(NumberText.grouped(Double(context))) tokens of context, prefill of "
                     + "\(NumberText.grouped(Double(prefillTokensPerChip))) tokens per chip in \(NumberText.grouped(Double(prompt)))-token prompts, "
                     + "on one reference layout per system (see 'supernode compare --help'); per kW: the system's all-in power per chip; "
                     + "per rack: every chip serving, over the racks its nodes fill (part-filled ones pro rata) and its network racks."]
        if let expertPrecision, model.moe != nil {
            notes.append("Experts in \(expertPrecision.rawValue) where the chip and its profile have it; elsewhere in the layout's own precision.")
        }
        for system in systems where seen.insert(system.name).inserted {
            guard let entry = entries[system.name] else { continue }
            if let layout = layouts[system.name] {
                let counts = entry.decode.compactMap { $0.map { "\($0.layout.deployment.microbatchCount)" } }
                let word = counts.count == 1 && counts[0] == "1" ? "micro-batch" : "micro-batches"
                let decode = counts.isEmpty ? "" : "; decode \(counts.joined(separator: " / ")) \(word)"
                let prefill = entry.prefill.map { ", prefill \($0.layout.deployment.microbatchCount)" } ?? ""
                notes.append("\(system.name): \(layout)\(decode)\(prefill).")
            }
            for problem in entry.problems { notes.append("\(system.name): \(problem).") }
        }
        return notes
    }
}
