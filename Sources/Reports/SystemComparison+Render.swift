import Hardware
import Units

extension SystemComparison {
    /// Text tables: one row per figure; per system its value and, after the baseline, its ratio to it.
    /// Systems beyond `systemsPerTable` go to further tables that repeat the baseline, so each table fits a
    /// 100-column terminal.
    public func tables(systemsPerTable: Int = 3) -> [Table] {
        let others = Array(systems.indices.dropFirst())
        let groups = others.isEmpty ? [[]] : stride(from: 0, to: others.count, by: max(1, systemsPerTable - 1)).map {
            Array(others[$0..<min($0 + systemsPerTable - 1, others.count)])
        }
        return groups.map { group in
            var columns = [Table.Column("", .left), Table.Column(systems[0].name)]
            for index in group {
                columns.append(Table.Column(systems[index].name))
                columns.append(Table.Column("ratio"))
            }
            var table = Table(columns: columns)
            var section = ""
            for metric in metrics {
                if metric.section != section {
                    section = metric.section
                    table.append([section] + Array(repeating: "", count: columns.count - 1))
                }
                let label = "  " + metric.label + (metric.unit.isEmpty ? "" : " (\(metric.unit))")
                var row = [label, Self.text(metric.value(systems[0]), metric.decimals)]
                for index in group {
                    let figure = figure(metric, system: index)
                    row.append(Self.text(figure.value, metric.decimals))
                    row.append(figure.ratio.map { NumberText.fixed($0, decimals: 2) + "x" } ?? "-")
                }
                table.append(row)
            }
            table.notes = ["ratio = system / \(systems[0].name). Bandwidths one direction; power at full load, built bottom-up (see 'supernode systems show NAME')."] + notes
            return table
        }
    }

    /// One row per system and figure, for spreadsheets.
    public func csvTable() -> Table {
        var table = Table(columns: ["system", "section", "metric", "unit", "value", "ratio_to_baseline"].map { Table.Column($0) })
        for index in systems.indices {
            for metric in metrics {
                let figure = figure(metric, system: index)
                table.append([
                    systems[index].name, metric.section, metric.key, metric.unit,
                    figure.value.map { NumberText.shortest(JSONOutput.rounded($0)) } ?? "",
                    figure.ratio.map { NumberText.shortest(JSONOutput.rounded($0)) } ?? "",
                ])
            }
        }
        return table
    }

    /// The JSON document: the baseline, then per system every figure and its ratio to the baseline.
    public var document: ComparisonDocument {
        ComparisonDocument(
            baseline: baseline.name,
            systems: systems.indices.map { index in
                var values: [String: Double] = [:]
                var ratios: [String: Double] = [:]
                for metric in metrics {
                    let figure = figure(metric, system: index)
                    if let value = figure.value { values[metric.key] = JSONOutput.rounded(value) }
                    if let ratio = figure.ratio { ratios[metric.key] = JSONOutput.rounded(ratio) }
                }
                let system = systems[index]
                return ComparisonDocument.Entry(
                    name: system.name, summary: system.spec.summary, chip: system.chip.name, nodes: system.nodes,
                    scaleUpFabric: system.spec.scaleUp.name, scaleOutFabric: system.spec.scaleOut?.name,
                    figures: values, ratiosToBaseline: ratios)
            },
            units: Dictionary(uniqueKeysWithValues: metrics.map { ($0.key, $0.unit.isEmpty ? "count" : $0.unit) }),
            notes: notes.isEmpty ? nil : notes,
            serving: servingInputs)
    }

    static func text(_ value: Double?, _ decimals: Int) -> String {
        guard let value else { return "-" }
        return NumberText.grouped(value, decimals: decimals)
    }
}

/// The JSON form of a comparison.
public struct ComparisonDocument: Sendable, Codable, Hashable {
    public struct Entry: Sendable, Codable, Hashable {
        public var name: String
        public var summary: String
        public var chip: String
        /// The node count used (a resized cluster shows its size here).
        public var nodes: Int
        public var scaleUpFabric: String
        public var scaleOutFabric: String?
        /// Figure key to value, in the unit `units` names.
        public var figures: [String: Double]
        public var ratiosToBaseline: [String: Double]
    }

    public var baseline: String
    public var systems: [Entry]
    /// Figure key to unit.
    public var units: [String: String]
    /// With `--model`: what was served on each system and how, or why it could not be.
    public var notes: [String]?
    /// With `--model`: the serving inputs as resolved.
    public var serving: ServingInputs?

    public struct ServingInputs: Sendable, Codable, Hashable {
        public var model: String
        /// TPOT targets, tightest first.
        public var tpotMs: [Double]
        public var contextTokens: Int
        public var promptTokens: Int
        public var prefillTokensPerChip: Int
        /// The experts' format asked for (`--expert-precision`), if any.
        public var expertPrecision: String?
        /// System name to the reference layout its decode ran (absent where it could not run).
        public var layouts: [String: String]
    }
}
