import ArgumentParser
import CostModel
import Hardware
import Reports
import Units

struct Calibration: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibration",
        abstract: "List the calibration profiles, show one, or fit one to kernel measurements.",
        subcommands: [List.self, Show.self, Fit.self], defaultSubcommand: List.self)

    struct List: RenderingCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the calibration profiles.")
        @OptionGroup var output: OutputOptions

        func render() throws -> String {
            let profiles = try CalibrationCatalog.builtIn().profiles
            // One GEMM column per precision any profile has, widest format first.
            let precisions = Set(profiles.flatMap { $0.gemm.keys }).sorted {
                (Precision(rawValue: $0)?.bytesPerElement ?? 0, $0) > (Precision(rawValue: $1)?.bytesPerElement ?? 0, $1)
            }
            var table = Table(columns: [Table.Column("profile", .left), Table.Column("chips", .left)]
                              + precisions.map { Table.Column($0) }
                              + [Table.Column("HBM"), Table.Column("attention", .left), Table.Column("launch")])
            var blockScaled: [String] = []
            for profile in profiles {
                let gemm = precisions.map { precision in
                    profile.gemm[precision].map { NumberText.fixed($0, decimals: 2) + (profile.blockScaledGemm?[precision] != nil ? "*" : "") } ?? "-"
                }
                table.append([profile.name, profile.chips.joined(separator: ", ")] + gemm + [
                              NumberText.fixed(profile.memoryEfficiency, decimals: 3),
                              "\(NumberText.fixed(profile.attention.computeEfficiency, decimals: 3))/\(NumberText.fixed(profile.attention.memoryEfficiency, decimals: 3))",
                              profile.kernelOverhead.formatted()])
                for (precision, value) in (profile.blockScaledGemm ?? [:]).sorted(by: { $0.key < $1.key }) {
                    blockScaled.append("\(profile.name) \(precision) \(NumberText.fixed(value, decimals: 2))")
                }
            }
            table.notes = ["Fractions of the chip's own peak and HBM bandwidth: GEMMs by format, HBM streaming, attention compute/memory. Details and sources: supernode calibration show NAME"]
            if !blockScaled.isEmpty {
                table.notes.append("* with block-wise scales (checkpoints such as DeepSeek-V3's FP8): \(blockScaled.joined(separator: ", "))")
            }
            switch output.format {
            case .table: return table.renderText()
            case .csv: return table.renderCSV()
            case .json: return JSONOutput.render(profiles)
            }
        }
    }

    struct Show: RenderingCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a calibration profile with its sources.")
        @Argument(help: "Profile name or file.") var profile: String
        @OptionGroup var output: OutputOptions

        func render() throws -> String {
            let profile = try CalibrationCatalog.builtIn().profile(reference: profile)
            var table = Table(title: "\(profile.name): \(profile.stack)", columns: [Table.Column("", .left), Table.Column("", .left, wrap: 54)])
            table.append(["chips", profile.chips.joined(separator: ", ")])
            if let devices = profile.devicesPerChip { table.append(["devices per chip", "\(devices)"]) }
            for (precision, value) in profile.gemm.sorted(by: { $0.key < $1.key }) { table.append(["GEMM \(precision)", NumberText.fixed(value, decimals: 3)]) }
            for (precision, value) in (profile.blockScaledGemm ?? [:]).sorted(by: { $0.key < $1.key }) {
                table.append(["GEMM \(precision), block-scaled", NumberText.fixed(value, decimals: 3)])
            }
            table.append(["HBM streaming", NumberText.fixed(profile.memoryEfficiency, decimals: 3)])
            table.append(["attention compute / memory", "\(NumberText.fixed(profile.attention.computeEfficiency, decimals: 3)) / \(NumberText.fixed(profile.attention.memoryEfficiency, decimals: 3))"])
            if let points = profile.attention.prefillByLength {
                table.append(["prefill attention by length", points.map { "\($0.tokens): \(NumberText.fixed($0.efficiency, decimals: 3))" }.joined(separator: ", ")])
            }
            table.append(["kernel overhead", profile.kernelOverhead.formatted()])
            if let rows = profile.expertBlockRows { table.append(["expert GEMM block rows", "\(rows)"]) }
            table.append(["decode micro-batches", (profile.decodeOverlap ?? .alternating).rawValue])
            let network = profile.network
            table.append(["scale-up / scale-out", "\(NumberText.fixed(network.scaleUpEfficiency, decimals: 2)) / \(NumberText.fixed(network.scaleOutEfficiency, decimals: 2)) of link bandwidth"])
            table.append(["dispatch copies", "prefill \(network.prefillDispatch.rawValue), decode \(network.decodeDispatch.rawValue)"])
            table.append(["fixed cost: collective / dispatch / combine", "\(network.collectiveOverhead.formatted()) / \(network.dispatchOverhead.formatted()) / \(network.combineOverhead.formatted())"])
            if network.dispatchOverheadPerDoubling != nil || network.combineOverheadPerDoubling != nil {
                table.append(["growth per doubling of the expert group", "dispatch \((network.dispatchOverheadPerDoubling ?? .zero).formatted()), combine \((network.combineOverheadPerDoubling ?? .zero).formatted())"])
            }
            if let fitted = profile.fittedTo, !fitted.isEmpty { table.append(["fitted to published", fitted.joined(separator: ", ")]) }
            table.append(["compute share of communication", network.decodeComputeShare.map {
                "prefill \(NumberText.fixed(network.computeShare, decimals: 2)), decode \(NumberText.fixed($0, decimals: 2))"
            } ?? NumberText.fixed(network.computeShare, decimals: 2)])
            for (key, text) in profile.sources.sorted(by: { $0.key < $1.key }) { table.append(["source: \(key)", SystemReport.oneLine(text)]) }
            switch output.format {
            case .table: return table.renderText(maxCellWidth: 200)
            case .csv: return table.renderCSV()
            case .json: return JSONOutput.render(profile)
            }
        }
    }

    struct Fit: RenderingCommand {
        static let configuration = CommandConfiguration(
            commandName: "fit",
            abstract: "Fit GEMM, HBM, launch and attention efficiencies to kernel measurements.",
            discussion: "MEASUREMENTS is a shipped set (h200-pytorch-microbench) or a file in the same JSON format.")
        @Argument(help: "Measurements: a shipped name or a JSON file.") var measurements: String = "h200-pytorch-microbench"
        @Option(name: .long, help: "The chip measured, for its peak and bandwidth.") var chip: String = "h200-sxm"
        @OptionGroup var output: OutputOptions

        func render() throws -> String {
            let chip = try HardwareCatalog.builtIn().chip(self.chip)
            let data = measurements.hasSuffix(".json") || measurements.contains("/")
                ? try CalibrationCatalog.loadMeasurements(path: measurements) : try CalibrationCatalog.measurements(measurements)
            let fit = CalibrationFit.fit(data, chip: chip)
            var table = Table(title: "Fit to \(measurements) on \(chip.name)", columns: [Table.Column("figure", .left), Table.Column("value"), Table.Column("RMS error")])
            for (precision, value) in fit.gemmEfficiency.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                table.append(["GEMM \(precision.rawValue) efficiency", NumberText.fixed(value, decimals: 2), NumberText.fixed((fit.gemmError[precision] ?? 0) * 100, decimals: 1) + "%"])
            }
            table.append(["HBM streaming efficiency", NumberText.fixed(fit.memoryEfficiency, decimals: 2), ""])
            table.append(["kernel overhead", fit.kernelOverhead.formatted(), ""])
            table.append(["attention memory efficiency", NumberText.fixed(fit.attentionMemoryEfficiency, decimals: 2), NumberText.fixed(fit.attentionError * 100, decimals: 1) + "%"])
            table.append(["device copy efficiency", NumberText.fixed(fit.copyEfficiency, decimals: 3), ""])
            switch output.format {
            case .table: return table.renderText()
            case .csv: return table.renderCSV()
            case .json: return JSONOutput.render(FitDocument(fit))
            }
        }
    }
}

/// The JSON form of `calibration fit`.
struct FitDocument: Codable {
    var gemmEfficiency: [String: Double]
    var gemmRmsError: [String: Double]
    var memoryEfficiency: Double
    var kernelOverheadUs: Double
    var attentionMemoryEfficiency: Double
    var copyEfficiency: Double

    init(_ fit: CalibrationFit.Result) {
        gemmEfficiency = Dictionary(uniqueKeysWithValues: fit.gemmEfficiency.map { ($0.key.rawValue, $0.value) })
        gemmRmsError = Dictionary(uniqueKeysWithValues: fit.gemmError.map { ($0.key.rawValue, JSONOutput.rounded($0.value)) })
        memoryEfficiency = fit.memoryEfficiency
        kernelOverheadUs = JSONOutput.rounded(fit.kernelOverhead.microseconds)
        attentionMemoryEfficiency = fit.attentionMemoryEfficiency
        copyEfficiency = JSONOutput.rounded(fit.copyEfficiency)
    }
}
