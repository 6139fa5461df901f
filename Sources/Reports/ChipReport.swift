import Hardware
import Units

/// `chips show`: the chip's rates, memory, power and sources.
public struct ChipReport: Sendable {
    public let chip: Chip
    public init(chip: Chip) { self.chip = chip }

    public func table() -> Table {
        var table = Table(title: "\(chip.name) (\(chip.vendor)): \(chip.summary)", columns: [Table.Column("", .left), Table.Column("", .left, wrap: 76)])
        table.append(["dies per package", "\(chip.dies)"])
        for precision in Precision.allCases {
            let unit = precision.isInteger ? "TOPS" : "TFLOPS"
            table.append(["\(precision.rawValue) dense", chip.peak[precision].map { NumberText.grouped($0.teraflops, decimals: 1) + " " + unit } ?? "none"])
        }
        table.append(["HBM", "\(chip.memory.capacity.formatted(in: "GB", decimals: 0)) at \(chip.memory.bandwidth.formatted(in: "TB/s", decimals: 2))"])
        table.append(["power", chip.power.map { "TDP \($0.tdp.formatted()), idle \($0.idle.formatted())" } ?? "not published"])
        for (key, text) in chip.sources.sorted(by: { $0.key < $1.key }) { table.append(["source: \(key)", SystemReport.oneLine(text)]) }
        return table
    }
}
