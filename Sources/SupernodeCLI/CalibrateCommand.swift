import ArgumentParser
import Calibrate
import CostModel
import Foundation
import Reports
import Runtime
import Units
import Workload

struct CalibrateCommand: RenderingCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure this machine into a hardware description and a calibration profile, then predict the runtime's own runs.",
        discussion: """
            Measures single-core SGEMM rates over shapes, the memory bandwidth each core gets, the runtime's attention \
            and elementwise kernels, and in-process collective latency and bandwidth; writes system.json, \
            calibration.json and measurements.json to --output; then runs the small MoE model in a few layouts and \
            compares the measured step times with what `supernode predict` says for the same layouts. model.json is the \
            runtime model as a config.json, for predict --model.
            """)

    @Option(name: .long, help: "Folder to write system.json, calibration.json, measurements.json and model.json to.")
    var output: String = "calibration/this-machine"
    @Option(name: .long, help: "Ranks (cores) to calibrate for (default: every core).") var ranks: Int?
    @Option(name: .customLong("decode-steps"), help: "Decode steps of each comparison run.") var decodeSteps: Int = 16
    @Option(name: .long, help: "Rounds of kernel measurements and runs; the median of each counts.") var repeats: Int = 5
    @Flag(name: .long, help: "A fast, rougher calibration (fewer shapes, one run each), for checks.") var quick = false
    @OptionGroup var format: OutputOptions

    func render() throws -> String {
        let cores = ranks ?? ProcessInfo.processInfo.activeProcessorCount
        guard cores >= 1 else { throw InputError("--ranks must be positive") }
        try Ranks.check(cores)
        guard decodeSteps >= 1 else { throw InputError("--decode-steps must be positive") }
        guard repeats >= 1 else { throw InputError("--repeats must be positive") }
        // Rounds of kernel measurements and runs, interleaved; each kernel timing and each run is the median over
        // the rounds, so a shared machine's slow spells weigh on both sides alike.
        // About 12 experts, rounded up to a multiple of the ranks so that expert parallelism divides them on any
        // core count (16 on a 16-core machine, 12 on 1 to 4 cores).
        let experts = cores * ((12 + cores - 1) / cores)
        let shape = quick
            ? RuntimeModelShape(layers: 1, hidden: 96, heads: 12, kvHeads: 12, headDim: 8, experts: experts, topK: 2, expertFFN: 64)
            : RuntimeModelShape(layers: 2, hidden: 384, heads: 24, kvHeads: 12, headDim: 16, experts: experts, topK: 2, expertFFN: 256)
        let rounds = quick ? 1 : repeats, decodeSteps = quick ? 2 : self.decodeSteps
        // The description is this machine with every core busy, so the runs use every core: dp-ep at two
        // batch sizes and ep (the layouts the cost model expresses; tp splits experts by columns, which it does not).
        var layouts: [(ParallelLayout, Int)] = []
        var configurations: [RunConfiguration] = []
        for (layout, perRank) in [(ParallelLayout.dataExpert, 4), (.dataExpert, 8), (.expert, 4)] {
            let sequences = perRank * cores
            guard (try? DistributedModel.check(shape: shape, layout: layout, ranks: cores, sequences: sequences)) != nil else { continue }
            layouts.append((layout, cores))
            configurations.append(RunConfiguration(shape: shape, layout: layout, sequences: sequences, prompt: quick ? 8 : 64,
                                                   decodeSteps: decodeSteps, seed: 1))
        }
        guard !configurations.isEmpty else { throw InputError("no runtime layout divides the model over \(cores) ranks; use --ranks \(min(cores, 12))") }
        for configuration in configurations {
            try MachineMemory.check(shape.runBytes(ranks: cores, sequences: configuration.sequences, prompt: configuration.prompt,
                                                   decodeSteps: configuration.decodeSteps),
                                    what: "calibration", why: "\(cores) ranks, each holding the whole runtime model and its slices", fix: "use fewer --ranks")
        }
        var kernels: [MachineMeasurements] = []
        var prefill = Array(repeating: [Double](), count: layouts.count), decode = prefill
        // The runs' expert loads: their routing, the same in every round (same seed).
        var loads = Array(repeating: [Phase: Double](), count: layouts.count)
        for _ in 0..<rounds {
            kernels.append(try Calibrator.measure(ranks: cores, processor: Self.processorName(),
                                                  memoryBytes: Double(ProcessInfo.processInfo.physicalMemory),
                                                  reuseBytes: shape.weightBytesPerRank(ranks: cores), quick: quick))
            for (index, (_, count)) in layouts.enumerated() {
                let configuration = configurations[index]
                let run = try InProcessCluster.run(ranks: count, timeout: 120) { comm in try RuntimeRun.execute(configuration, on: comm, check: false) }[0]
                prefill[index].append(run.prefill.wall)
                decode[index].append(run.decode.wall)
                loads[index][.prefill] = run.prefillExpertLoad
                loads[index][.decode] = run.decodeExpertLoad
            }
        }
        let machine = MachineCalibration(.median(kernels))
        var rows: [CalibrationComparison.Row] = []
        for (index, (layout, count)) in layouts.enumerated() {
            for phase in [Phase.prefill, .decode] {
                let load = loads[index][phase]
                let prediction = try StepPredictor.predict(try machine.request(for: configurations[index], ranks: count, phase: phase, expertLoad: load),
                                                           profile: machine.profile)
                rows.append(.init(layout: layout.rawValue, ranks: count, sequences: configurations[index].sequences, phase: phase.rawValue, expertLoad: load,
                                  measuredMs: (phase == .prefill ? prefill[index] : decode[index]).median * 1000, predictedMs: prediction.stepTime.milliseconds))
            }
        }
        let comparison = CalibrationComparison(rows: rows, profile: machine.profile, chip: machine.chip, output: output)
        try write(machine, model: MachineCalibration.config(shape))
        switch format.format {
        case .table: return comparison.tables().map { $0.renderText() }.joined(separator: "\n")
        case .csv: return comparison.table().renderCSV()
        case .json: return JSONOutput.render(rows)
        }
    }

    /// Writes the three files, each to a temporary name first, so nothing half-written is left behind.
    func write(_ machine: MachineCalibration, model: HFConfig) throws {
        let folder = URL(fileURLWithPath: output)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            let files: [(String, Data)] = [
                ("system.json", try encoder.encode(machine.system)),
                ("calibration.json", try encoder.encode(machine.profile)),
                ("measurements.json", try encoder.encode(machine.measurements)),
                ("model.json", try encoder.encode(model)),
            ]
            for (name, data) in files {
                let target = folder.appendingPathComponent(name)
                let temporary = folder.appendingPathComponent(".\(name).partial")
                try data.write(to: temporary)
                _ = try? FileManager.default.removeItem(at: target)
                try FileManager.default.moveItem(at: temporary, to: target)
            }
        } catch {
            throw InputError("cannot write the calibration to \(output): \(error.localizedDescription)")
        }
    }

    static func processorName() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "this processor" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "this processor"
        }
        return "this processor"
    }
}
