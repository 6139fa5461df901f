import Foundation
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
                              profile.decodeKernelOverhead.map { "\(profile.kernelOverhead.formatted()) (decode \($0.formatted()))" } ?? profile.kernelOverhead.formatted()])
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
            if let decode = profile.decodeKernelOverhead { table.append(["kernel overhead, decode (graph replay)", decode.formatted()]) }
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
            discussion: """
                MEASUREMENTS is a shipped set or a JSON file in the same format: h200-pytorch-microbench (copies, \
                GEMMs, decode attention: fits the GEMM, HBM, launch and attention efficiencies) or h200-kernels \
                (supernode-kernels/1, from scripts/device/h200-kernels.py: GEMMs eager and from a CUDA graph, with \
                the chip's profile's efficiencies held, and causal prefill attention by length, beside the profile's).
                """)
        @Argument(help: "Measurements: a shipped name or a JSON file.") var measurements: String = "h200-pytorch-microbench"
        @Option(name: .long, help: "The chip measured, for its peak and bandwidth.") var chip: String = "h200-sxm"
        @OptionGroup var output: OutputOptions

        func render() throws -> String {
            let chip = try HardwareCatalog.builtIn().chip(self.chip)
            let path = measurements.hasSuffix(".json") || measurements.contains("/") ? measurements : try CalibrationCatalog.measurementsPath(measurements)
            if try Self.isTimingsFile(path) {
                return try renderTimings(try CalibrationCatalog.loadTimings(path: path), chip: chip)
            }
            let data = try CalibrationCatalog.loadMeasurements(path: path)
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

extension Calibration.Fit {
    /// Whether a JSON file holds `supernode-kernels/1` timings rather than the microbenchmark format.
    static func isTimingsFile(_ path: String) throws -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path): no such file; give a shipped name (h200-pytorch-microbench, h200-kernels) or a JSON file")
        }
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (object?["format"] as? String)?.hasPrefix("supernode-kernels/") == true
    }

    func renderTimings(_ timings: KernelTimings, chip: Chip) throws -> String {
        let profile = try CalibrationCatalog.builtIn().profile(for: chip)
        let launch = timings.sections.gemmGraph == nil ? nil : try CalibrationFit.fitLaunch(timings, chip: chip, profile: profile)
        guard launch != nil || timings.sections.prefillAttention != nil else {
            throw InputError("\(measurements) has neither a gemm_graph nor a prefill_attention section, so there is nothing to fit; docs/formats.md lists the sections")
        }
        var table = Table(title: "Fit to \(measurements) on \(chip.name) (GEMM efficiencies held at \(profile.name)'s)",
                          columns: [Table.Column("figure", .left), Table.Column("value"), Table.Column("profile"), Table.Column("RMS error")])
        if let launch {
            table.append(["GEMM overhead, eager (\(launch.samples) GEMMs)", launch.eager.formatted(), profile.kernelOverhead.formatted(),
                          NumberText.fixed(launch.eagerError * 100, decimals: 1) + "%"])
            table.append(["GEMM overhead, CUDA graph replay", launch.graph.formatted(), profile.decodeKernelOverhead?.formatted() ?? "-",
                          NumberText.fixed(launch.graphError * 100, decimals: 1) + "%"])
        }
        if let tiny = timings.sections.launch {
            table.append(["1-element kernel, eager / graph", "\(TimeSpan(seconds: tiny.eagerS).formatted()) / \(TimeSpan(seconds: tiny.graphS).formatted())", "", ""])
        }
        var attention: [(String, AttentionEfficiency.LengthEfficiency)] = []
        var shapeNotes: [String] = []
        if let shapes = timings.sections.prefillAttention {
            for (name, shape) in [("MLA", shapes.mlaPrefill), ("GQA", shapes.gqa128)] {
                guard let shape else { continue }
                shapeNotes.append("\(name): \(shape.heads) heads, \(shape.dqk) wide for queries and keys, \(shape.dv) for values")
                for point in CalibrationFit.prefillAttention(shape, chip: chip) { attention.append((name, point)) }
            }
        }
        for (label, point) in attention {
            let shipped = profile.attention.prefillEfficiency(length: Double(point.tokens)).map { NumberText.fixed($0, decimals: 3) } ?? "-"
            table.append(["\(label) causal attention, \(NumberText.grouped(Double(point.tokens))) tokens", NumberText.fixed(point.efficiency, decimals: 3), shipped, ""])
        }
        table.notes = ["Attention: the fastest backend's FLOP rate over the BF16 peak; 'profile' is \(profile.name)'s prefill_by_length at that length."]
            + shapeNotes
        switch output.format {
        case .table: return table.renderText(maxCellWidth: 200)
        case .csv: return table.renderCSV()
        case .json:
            return JSONOutput.render(TimingsFitDocument(
                eagerOverheadUs: launch.map { JSONOutput.rounded($0.eager.microseconds) }, graphOverheadUs: launch.map { JSONOutput.rounded($0.graph.microseconds) },
                eagerRmsError: launch.map { JSONOutput.rounded($0.eagerError) }, graphRmsError: launch.map { JSONOutput.rounded($0.graphError) },
                prefillAttention: attention.map { .init(shape: $0.0, tokens: $0.1.tokens, efficiency: $0.1.efficiency) }))
        }
    }
}

/// The JSON form of `calibration fit` on `supernode-kernels/1` timings.
struct TimingsFitDocument: Codable {
    var eagerOverheadUs: Double?
    var graphOverheadUs: Double?
    var eagerRmsError: Double?
    var graphRmsError: Double?
    var prefillAttention: [Point]

    struct Point: Codable {
        var shape: String
        var tokens: Int
        var efficiency: Double
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
