import Foundation
import Testing
@testable import Runtime

/// A small model and load for the equivalence tests: 5 sequences (uneven over 2, 3 and 4 ranks), a prompt
/// of 6 tokens, then 2 decode steps.
enum Scenario {
    static let shape = RuntimeModelShape(layers: 2, hidden: 48, heads: 12, kvHeads: 12, headDim: 4, experts: 12, topK: 2, expertFFN: 20)
    static let sequences = 5, prompt = 6, decodeSteps = 2
    static let model = RuntimeModel(shape: shape, seed: 11)

    /// Inputs of step s: `prompt` rows per sequence for the prefill, one per sequence after.
    static func inputs(step: Int) -> (Tensor, Int) {
        let perSequence = step == 0 ? prompt : 1
        return (RuntimeModel.inputs(rows: sequences * perSequence, hidden: shape.hidden, seed: 100 + UInt64(step)), perSequence)
    }

    /// Runs every step on `comm`; returns each step's output rows with the sequences they belong to.
    static func run(_ layout: ParallelLayout, on comm: any Communicator) throws -> [(rows: Tensor, sequences: Range<Int>)] {
        let distributed = try DistributedModel(model: model, layout: layout, comm: comm, sequences: sequences, measuresWait: false)
        return try (0...decodeSteps).map { step in
            let (inputs, perSequence) = inputs(step: step)
            return (try distributed.step(inputs, tokensPerSequence: perSequence).output, distributed.localSequences)
        }
    }

    static let reference: [Tensor] = try! InProcessCluster.run(ranks: 1) { comm in try run(.single, on: comm).map(\.rows) }[0]
}

@Suite("Distributed model equals one rank")
struct EquivalenceTests {
    @Test("In-process: tp, ep and dp-ep on 1, 2, 3 and 4 ranks match the single-rank forward pass, prefill and decode",
          arguments: [ParallelLayout.tensor, .expert, .dataExpert], [1, 2, 3, 4])
    func inProcess(layout: ParallelLayout, ranks: Int) throws {
        let results = try InProcessCluster.run(ranks: ranks, timeout: 30) { comm in try Scenario.run(layout, on: comm) }
        for result in results {
            for (step, output) in result.enumerated() {
                let perSequence = step == 0 ? Scenario.prompt : 1
                let rows = (output.sequences.lowerBound * perSequence)..<(output.sequences.upperBound * perSequence)
                let expected = Scenario.reference[step].rows(rows)
                #expect(output.rows.maxAbsoluteDifference(expected) < 1e-4, "\(layout.rawValue) on \(ranks) ranks, step \(step)")
            }
        }
    }

    @Test("After reset, the same steps give the same outputs as a fresh model (the warm-up pass leaves nothing behind)",
          arguments: [ParallelLayout.expert, .dataExpert])
    func resetStartsOver(layout: ParallelLayout) throws {
        let results = try InProcessCluster.run(ranks: 2, timeout: 30) { comm in
            let distributed = try DistributedModel(model: Scenario.model, layout: layout, comm: comm, sequences: Scenario.sequences, measuresWait: false)
            func pass() throws -> [Tensor] {
                try (0...Scenario.decodeSteps).map { step in
                    let (inputs, perSequence) = Scenario.inputs(step: step)
                    return try distributed.step(inputs, tokensPerSequence: perSequence).output
                }
            }
            let first = try pass(), copies = distributed.expertCopies
            distributed.reset()
            #expect(distributed.expertCopies.isEmpty)
            return (first, try pass(), copies, distributed.expertCopies)
        }
        for (first, second, firstCopies, secondCopies) in results {
            #expect(first == second)
            #expect(firstCopies == secondCopies)
        }
    }

    @Test("Layouts that do not divide are refused with the numbers")
    func badLayouts() {
        #expect(throws: CommunicatorError.self) {
            try DistributedModel.check(shape: Scenario.shape, layout: .expert, ranks: 5, sequences: 5)
        }
        #expect(throws: CommunicatorError.invalid("dp-ep over 4 ranks needs at least 4 sequences, got 2; use 4 or more")) {
            try DistributedModel.check(shape: Scenario.shape, layout: .dataExpert, ranks: 4, sequences: 2)
        }
        #expect(throws: CommunicatorError.self) {
            try DistributedModel.check(shape: RuntimeModelShape(heads: 6, kvHeads: 4), layout: .tensor, ranks: 1, sequences: 1)
        }
    }

    @Test("The communicator conformance checks pass on the in-process backend", arguments: [1, 2, 3, 4])
    func conformance(ranks: Int) throws {
        let failures = try InProcessCluster.run(ranks: ranks, timeout: 30) { comm in try CommunicatorConformance.run(comm) }
        #expect(failures.flatMap { $0 }.isEmpty, "\(failures.flatMap { $0 })")
    }
}

@Suite("Runs report their expert load")
struct ExpertLoadTests {
    func measure(_ shape: RuntimeModelShape, layout: ParallelLayout, ranks: Int) throws -> RunMeasurement {
        let configuration = RunConfiguration(shape: shape, layout: layout, sequences: 4, prompt: 6, decodeSteps: 2, seed: 9)
        return try InProcessCluster.run(ranks: ranks, timeout: 30) { comm in try RuntimeRun.execute(configuration, on: comm, check: false) }[0]
    }

    @Test("Every token on every expert is a load of exactly 1; one rank is 1; tp has none")
    func bounds() throws {
        let everywhere = RuntimeModelShape(layers: 2, hidden: 16, heads: 4, kvHeads: 2, headDim: 4, experts: 4, topK: 4, expertFFN: 8)
        let all = try measure(everywhere, layout: .dataExpert, ranks: 2)
        #expect(all.prefillExpertLoad == 1 && all.decodeExpertLoad == 1)
        let one = try measure(RuntimeModelShape(layers: 2, hidden: 16, heads: 4, kvHeads: 2, headDim: 4, experts: 4, topK: 1, expertFFN: 8),
                              layout: .expert, ranks: 1)
        #expect(one.prefillExpertLoad == 1 && one.decodeExpertLoad == 1)
        let tensor = try measure(everywhere, layout: .tensor, ranks: 2)
        #expect(tensor.prefillExpertLoad == nil && tensor.decodeExpertLoad == nil)
    }

    @Test("Top-1 routing over 2 ranks: the load is between 1 and 2, and the same for the same seed")
    func skewed() throws {
        let shape = RuntimeModelShape(layers: 2, hidden: 16, heads: 4, kvHeads: 2, headDim: 4, experts: 4, topK: 1, expertFFN: 8)
        let first = try measure(shape, layout: .dataExpert, ranks: 2), second = try measure(shape, layout: .dataExpert, ranks: 2)
        for load in [first.prefillExpertLoad, first.decodeExpertLoad] {
            let value = try #require(load)
            #expect(value >= 1 && value <= 2)
        }
        #expect(first.prefillExpertLoad == second.prefillExpertLoad && first.decodeExpertLoad == second.decodeExpertLoad)
    }
}
