import ArgumentParser
import Foundation
import Runtime

struct Selftest: RenderingCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Check a communicator backend: every operation against a naive reference, and the model against one rank.",
        discussion: "With --fail-rank R, rank R throws after the first check, and the others must report an error, not hang.")

    @Option(name: .long, help: "Backend: inproc or mpi.") var backend: BackendArgument = .inproc
    @Option(name: .long, help: "Ranks.") var ranks: Int = 2
    @Option(name: .customLong("fail-rank"), help: "A rank that fails on purpose.") var failRank: Int?
    @Option(name: .long, help: "Seconds a rank waits for the others.") var timeout: Double = 30

    func render() throws -> String {
        guard ranks >= 1 else { throw InputError("--ranks must be positive") }
        try Ranks.check(ranks)
        if let output = try Ranks.relaunchedOutput(backend: backend, ranks: ranks) { return output }
        defer { Ranks.finalize() }
        let failRank = self.failRank
        let lines = try Ranks.run(backend: backend, ranks: ranks, timeout: timeout) { comm -> [String] in
            var failures = try CommunicatorConformance.run(comm)
            if comm.rank == failRank { throw CommunicatorError.invalid("rank \(comm.rank) fails on purpose") }
            for layout in [ParallelLayout.tensor, .expert, .dataExpert] {
                let shape = RuntimeModelShape(layers: 2, hidden: 48, heads: 12, kvHeads: 12, headDim: 4, experts: 12, topK: 2, expertFFN: 20)
                guard (try? DistributedModel.check(shape: shape, layout: layout, ranks: comm.size, sequences: 5)) != nil else { continue }
                let measurement = try RuntimeRun.execute(RunConfiguration(shape: shape, layout: layout, sequences: 5, prompt: 6, decodeSteps: 2, seed: 3), on: comm)
                if !measurement.matchesSingleRank {
                    failures.append("\(layout.rawValue): differs from one rank by \(measurement.maxDifference)")
                }
            }
            let all = try comm.allGather([Float(failures.count)])
            return all.reduce(0, +) == 0 ? [] : failures + ["\(Int(all.reduce(0, +))) checks failed over all ranks"]
        }
        guard let lines else { return "" }
        guard lines.isEmpty else { throw RunFailure(message: lines.joined(separator: "\n"), status: 1) }
        return "selftest: \(backend.rawValue) backend on \(ranks) rank\(ranks == 1 ? "" : "s"): every operation and layout agrees\n"
    }
}
