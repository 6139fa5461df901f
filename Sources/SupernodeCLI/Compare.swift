import ArgumentParser
import CostModel
import Hardware
import Reports
import Units
import Workload

struct Compare: RenderingCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare systems side by side: compute, memory, fabrics, optics, power, space, efficiency.",
        discussion: """
            The first system is the baseline; every figure of the others is also shown as a ratio to it. \
            Systems are catalog names ('supernode systems'), files, or sized clusters (h100-cluster:nodes=12). \
            Example: supernode compare gb200-nvl72 cloudmatrix384

            With --model, each system also serves the model on one reference layout, the same rule for every \
            system: the stack's ranks per chip; FP8 where the chip and its calibration profile have it, else \
            INT8, else BF16; for MoE models the experts plus one redundant replica per 8 over the largest \
            expert-parallel group inside one scale-up domain that divides them (across domains where that \
            would fill more than half of each rank's memory with weights), attention data-parallel; for \
            dense models the smallest tensor-parallel group whose weights take at most half of each rank's \
            memory; one MTP draft token at 70% where the model has MTP; \
            one or two micro-batches, whichever is faster. Decode takes the batch per chip that gives the most \
            tokens/s within each TPOT target; prefill one batch. Example: supernode compare gb200-nvl72 \
            cloudmatrix384 --model deepseek-r1 --tpot-ms 15 50
            """)

    @Argument(help: "Systems to compare, the baseline first: NAME, NAME:nodes=N, NAME:chips=N or FILE.")
    var systems: [String] = []

    @Option(name: .long, help: "Also serve this model on each system: catalog name, config.json or a folder holding one.")
    var model: String?
    @Option(name: .customLong("tpot-ms"), parsing: .upToNextOption,
            help: "Decode: TPOT targets in milliseconds, one or more (default: 50).") var tpotMs: [Double] = []
    @Option(name: .long, help: "Decode: context length of every sequence.") var context: Int = 4096
    @Option(name: .long, help: "Prefill: prompt length.") var prompt: Int = 4096
    @Option(name: .customLong("prefill-tokens"), help: "Prefill: tokens per chip in one batch.") var prefillTokens: Int = 16384
    @Option(name: .customLong("expert-precision"),
            help: "MoE experts in this format (e.g. fp4) on every system whose chip and profile have it; the others keep the rule's.")
    var expertPrecision: String?
    @Option(name: .long, parsing: .upToNextOption,
            help: "With --model: calibration profiles (names or files) for the chips they cover, ahead of the shipped ones (a chip no profile covers is noted, not served).")
    var calibration: [String] = []

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !systems.isEmpty else {
            throw ValidationError("Name at least one system to compare, such as 'supernode compare gb200-nvl72 cloudmatrix384'.")
        }
        for tpot in tpotMs where !(tpot > 0 && tpot.isFinite) {
            throw ValidationError("--tpot-ms must be positive numbers of milliseconds, got \(NumberText.shortest(tpot))")
        }
        for (name, value) in [("--context", context), ("--prompt", prompt), ("--prefill-tokens", prefillTokens)] where value <= 0 {
            throw ValidationError("\(name) must be positive, got \(value)")
        }
        if !calibration.isEmpty, model == nil {
            throw ValidationError("--calibration needs --model: profiles price serving a model, not the hardware comparison")
        }
        if let expertPrecision {
            guard model != nil else { throw ValidationError("--expert-precision needs --model: it sets the format a model's experts are served in") }
            do { _ = try Precision.parse(expertPrecision) } catch { throw ValidationError("--expert-precision: \(error)") }
        }
    }

    func render() throws -> String {
        let catalog = try HardwareCatalog.builtIn(only: systems)
        let resolved = try systems.map { reference throws(HardwareError) in try catalog.system(reference) }
        let serving = try model.map { name in
            let model = try ModelCatalog.builtIn(only: name).model(name)
            for (flag, tokens) in [("--context", context), ("--prompt", prompt)] {
                if let problem = model.beyondContextWindow(Double(tokens), what: "\(flag) \(NumberText.grouped(Double(tokens), decimals: 0)) tokens is") {
                    throw InputError("\(problem); use a shorter \(flag)")
                }
            }
            return ServingComparison(systems: resolved, model: model, calibrations: try CalibrationCatalog.builtIn().preferring(calibration),
                              tpots: (tpotMs.isEmpty ? [50] : tpotMs).map { TimeSpan($0, "ms") }, context: context, prompt: prompt,
                              prefillTokensPerChip: prefillTokens, expertPrecision: try expertPrecision.map { try Precision.parse($0) })
        }
        let comparison = SystemComparison(systems: resolved, serving: serving)
        switch output.format {
        case .table: return comparison.tables().map { $0.renderText() }.joined(separator: "\n")
        case .csv: return comparison.csvTable().renderCSV()
        case .json: return JSONOutput.render(comparison.document)
        }
    }
}
