import Hardware
import Units
import Workload

/// Listings of the catalogs for `systems`, `chips` and `models`.
public enum CatalogReports {
    public static func systems(_ systems: [System]) -> Table {
        var table = Table(columns: [
            Table.Column("system", .left), Table.Column("chip", .left), Table.Column("chips"),
            Table.Column("scale-up", .left), Table.Column("domain"), Table.Column("scale-out", .left),
        ])
        for system in systems {
            table.append([
                system.name + (system.isResizable ? "*" : ""), system.chip.name, NumberText.grouped(Double(system.chips)),
                system.spec.scaleUp.name, "\(system.scaleUpLayout.chipsPerDomain)",
                system.spec.scaleOut?.name ?? "-",
            ])
        }
        table.notes = ["* resizable: give a size as NAME:nodes=N or NAME:chips=N. Details: supernode systems show NAME"]
        return table
    }

    public static func chips(_ chips: [Chip]) -> Table {
        var table = Table(columns: [
            Table.Column("chip", .left), Table.Column("vendor", .left), Table.Column("dies"),
            Table.Column("BF16 TFLOPS"), Table.Column("FP8"), Table.Column("INT8 TOPS"),
            Table.Column("HBM GB"), Table.Column("HBM TB/s"), Table.Column("TDP W"),
        ])
        for chip in chips {
            table.append([
                chip.name, chip.vendor, "\(chip.dies)",
                chip.peak.bf16.map { NumberText.grouped($0.teraflops, decimals: 0) } ?? "-",
                chip.peak.fp8.map { NumberText.grouped($0.teraflops, decimals: 0) } ?? "-",
                chip.peak.int8.map { NumberText.grouped($0.teraflops, decimals: 0) } ?? "-",
                NumberText.grouped(chip.memory.capacity.gigabytes, decimals: 0),
                NumberText.fixed(chip.memory.bandwidth.terabytesPerSecond, decimals: 2),
                chip.power.map { NumberText.grouped($0.tdp.watts) } ?? "-",
            ])
        }
        table.notes = ["Dense rates per package. Details and sources: supernode chips show NAME"]
        return table
    }

    public static func models(_ models: [ModelArchitecture]) -> Table {
        var table = Table(columns: [
            Table.Column("model", .left), Table.Column("family", .left), Table.Column("total B"), Table.Column("active B"),
            Table.Column("layers"), Table.Column("attention", .left), Table.Column("experts", .left),
            Table.Column("KV B/token"),
        ])
        for model in models {
            table.append([
                model.name, model.family.rawValue,
                NumberText.fixed(model.parameters.total / 1e9, decimals: 1),
                NumberText.fixed(model.activeParameters / 1e9, decimals: 1),
                "\(model.layers)", ModelReport.attentionText(model.attention),
                ModelReport.expertsText(model), NumberText.grouped(model.kvCacheBytesPerToken(.bf16).bytes),
            ])
        }
        table.notes = ["Parameters in billions; KV cache in bytes per token in BF16. Details: supernode models show NAME"]
        return table
    }
}
