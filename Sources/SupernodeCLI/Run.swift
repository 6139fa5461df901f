import ArgumentParser
import Foundation
import Reports
import Runtime
import Units

/// Model shape flags shared by `run` and `calibrate`.
struct ShapeOptions: ParsableArguments {
    @Option(name: .long, help: "Transformer layers.") var layers: Int = 2
    @Option(name: .long, help: "Hidden size.") var hidden: Int = 384
    @Option(name: .long, help: "Attention heads.") var heads: Int = 24
    @Option(name: .customLong("kv-heads"), help: "Key/value heads.") var kvHeads: Int = 12
    @Option(name: .customLong("head-dim"), help: "Head dimension.") var headDim: Int = 16
    @Option(name: .long, help: "Routed experts.") var experts: Int = 12
    @Option(name: .customLong("top-k"), help: "Experts per token.") var topK: Int = 2
    @Option(name: .customLong("expert-ffn"), help: "Intermediate size of one expert.") var expertFFN: Int = 256

    var shape: RuntimeModelShape {
        RuntimeModelShape(layers: layers, hidden: hidden, heads: heads, kvHeads: kvHeads, headDim: headDim, experts: experts,
                          topK: topK, expertFFN: expertFFN)
    }
}

struct Run: RenderingCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the small MoE transformer distributed, time it per phase, and check it against one rank.",
        discussion: """
            Layouts: tp (tensor-parallel attention and experts), ep (tensor-parallel attention, expert-parallel MoE with \
            all-to-all-v dispatch and combine), dp-ep (data-parallel attention in front of expert-parallel MoE). \
            The timed steps follow one untimed warm-up pass of the same steps. --backend mpi starts mpirun itself \
            when not already under it. Exits 1 if the result differs from one rank.
            """)

    @Option(name: .long, help: "Ranks.") var ranks: Int = 2
    @Option(name: .long, help: "Layout: tp, ep or dp-ep.") var layout: LayoutArgument = .dataExpert
    @Option(name: .long, help: "Backend: inproc (threads) or mpi.") var backend: BackendArgument = .inproc
    @OptionGroup var shape: ShapeOptions
    @Option(name: .long, help: "Sequences in the batch.") var sequences: Int = 8
    @Option(name: .long, help: "Prompt tokens per sequence (the prefill).") var prompt: Int = 32
    @Option(name: .customLong("decode-steps"), help: "Decode steps after the prefill.") var decodeSteps: Int = 4
    @Option(name: .long, help: "Seed of the random weights and inputs.") var seed: UInt64 = 1
    @Option(name: .long, help: "Seconds a rank waits for the others before giving up.") var timeout: Double = 60
    @OptionGroup var output: OutputOptions

    func validate() throws {
        for (name, value) in [("--ranks", ranks), ("--sequences", sequences), ("--prompt", prompt)] where value < 1 {
            throw ValidationError("\(name) must be positive, got \(value)")
        }
        if decodeSteps < 0 { throw ValidationError("--decode-steps must not be negative") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        if let problem = shape.shape.problem { throw ValidationError("model shape: \(problem)") }
    }

    var configuration: RunConfiguration {
        RunConfiguration(shape: shape.shape, layout: ParallelLayout(rawValue: layout.rawValue)!, sequences: sequences, prompt: prompt,
                         decodeSteps: decodeSteps, seed: seed)
    }

    func render() throws -> String {
        try Ranks.check(ranks)
        do {
            try DistributedModel.check(shape: shape.shape, layout: configuration.layout, ranks: ranks, sequences: sequences)
        } catch {
            throw InputError(error.description)
        }
        let local = MachineMemory.localRanks(of: ranks)
        try MachineMemory.check(shape.shape.runBytes(ranks: local, sequences: sequences, prompt: prompt, decodeSteps: decodeSteps),
                                what: "the run", why: "\(local) ranks on this machine, each holding the whole model, its slices and the single-rank check",
                                fix: "use a smaller --hidden, --layers, --experts, --expert-ffn, --prompt or --sequences, or fewer --ranks")
        if let output = try Ranks.relaunchedOutput(backend: backend, ranks: ranks) { return output }
        defer { Ranks.finalize() }
        let configuration = self.configuration
        guard let measurement = try Ranks.run(backend: backend, ranks: ranks, timeout: timeout, { comm in
            try RuntimeRun.execute(configuration, on: comm)
        }) else { return "" }
        let report = RunReport(measurement: measurement)
        let text: String
        switch output.format {
        case .table: text = report.table().renderText()
        case .csv: text = report.table().renderCSV()
        case .json: text = JSONOutput.render(measurement)
        }
        guard measurement.matchesSingleRank else {
            throw RunFailure(message: text + "the distributed result differs from one rank by \(measurement.maxDifference)", status: 1)
        }
        return text
    }
}

enum LayoutArgument: String, ExpressibleByArgument, CaseIterable {
    case tensor = "tp", expert = "ep", dataExpert = "dp-ep"
}

/// A run that finished but failed its check (status 1), or an mpirun that failed (its status).
struct RunFailure: Error, CustomStringConvertible {
    let message: String
    let status: Int32
    var description: String { message }
}
