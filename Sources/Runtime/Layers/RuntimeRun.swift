/// One measured run of the runtime model on a layout: a prefill of `prompt` tokens for every sequence,
/// then `decodeSteps` decode steps, timed per phase and checked against the single-rank forward pass.
/// The timed pass follows one untimed warm-up pass of the same steps.
public struct RunConfiguration: Sendable, Hashable, Codable {
    public var shape: RuntimeModelShape
    public var layout: ParallelLayout
    public var sequences: Int
    public var prompt: Int
    public var decodeSteps: Int
    public var seed: UInt64

    public init(shape: RuntimeModelShape = RuntimeModelShape(), layout: ParallelLayout, sequences: Int = 8, prompt: Int = 32,
                decodeSteps: Int = 4, seed: UInt64 = 1) {
        self.shape = shape
        self.layout = layout
        self.sequences = sequences
        self.prompt = prompt
        self.decodeSteps = decodeSteps
        self.seed = seed
    }
}

/// What a run measured, agreed over all ranks (the slowest rank's wall time, the mean split).
public struct RunMeasurement: Sendable, Hashable, Codable {
    public var backend: String
    public var ranks: Int
    public var configuration: RunConfiguration
    /// The prefill step: wall time of the slowest rank, and the mean over ranks of its split.
    public var prefill: PhaseTimes
    /// The mean decode step, likewise.
    public var decode: PhaseTimes
    /// The busiest rank's routed token copies over the mean, summed over the MoE layers (each layer's
    /// busiest rank) of the prefill and of the decode steps; nil without expert parallelism.
    public var prefillExpertLoad: Double?
    public var decodeExpertLoad: Double?
    /// Largest difference between any output element and the single-rank forward pass.
    public var maxDifference: Float
    /// Whether `maxDifference` is within floating-point tolerance.
    public var matchesSingleRank: Bool { maxDifference <= 1e-3 }
}

public enum RuntimeRun {
    /// Runs `configuration` on `comm` (every rank calls this) and returns the same measurement on every rank.
    public static func execute(_ configuration: RunConfiguration, on comm: any Communicator, check: Bool = true) throws(CommunicatorError) -> RunMeasurement {
        let model = RuntimeModel(shape: configuration.shape, seed: configuration.seed)
        func inputs(_ step: Int) -> (Tensor, Int) {
            let perSequence = step == 0 ? configuration.prompt : 1
            return (RuntimeModel.inputs(rows: configuration.sequences * perSequence, hidden: configuration.shape.hidden,
                                        seed: configuration.seed &+ 1000 &+ UInt64(step)), perSequence)
        }
        let distributed = try DistributedModel(model: model, layout: configuration.layout, comm: comm, sequences: configuration.sequences)
        // One untimed pass first, as benchmarks warm up: the first touch of the weights, the allocator's first
        // pages and OpenBLAS's buffers are start-up costs, not a step's.
        for step in 0...configuration.decodeSteps {
            let (x, perSequence) = inputs(step)
            try comm.barrier()
            _ = try distributed.step(x, tokensPerSequence: perSequence)
        }
        distributed.reset()
        var outputs: [Tensor] = []
        var prefill = PhaseTimes(), decode = PhaseTimes()
        for step in 0...configuration.decodeSteps {
            let (x, perSequence) = inputs(step)
            try comm.barrier()
            let (output, times) = try distributed.step(x, tokensPerSequence: perSequence)
            outputs.append(output)
            if step == 0 { prefill = times } else { decode = decode + times }
        }
        if configuration.decodeSteps > 0 {
            decode = PhaseTimes(wall: decode.wall / Double(configuration.decodeSteps), wait: decode.wait / Double(configuration.decodeSteps),
                                communication: decode.communication / Double(configuration.decodeSteps))
        }
        // Check: every rank recomputes the single-rank forward pass for its own rows.
        var difference: Float = 0
        if check {
            let reference = try SingleRank.outputs(model: model, sequences: configuration.sequences, steps: configuration.decodeSteps, inputs: inputs)
            for (step, output) in outputs.enumerated() {
                let perSequence = step == 0 ? configuration.prompt : 1
                let rows = (distributed.localSequences.lowerBound * perSequence)..<(distributed.localSequences.upperBound * perSequence)
                difference = max(difference, output.maxAbsoluteDifference(reference[step].rows(rows)))
            }
        }
        // Agree over ranks: slowest wall, mean split, largest difference.
        let summary = try comm.allGather([Float(prefill.wall), Float(prefill.wait), Float(prefill.communication),
                                          Float(decode.wall), Float(decode.wait), Float(decode.communication), difference])
        let rows = stride(from: 0, to: summary.count, by: 7).map { Array(summary[$0..<($0 + 7)]) }
        func mean(_ index: Int) -> Double { rows.map { Double($0[index]) }.reduce(0, +) / Double(rows.count) }
        func slowest(_ index: Int) -> Double { rows.map { Double($0[index]) }.max() ?? 0 }
        // Expert load: every rank's copies per MoE layer run; the prefill's layers come first.
        let copies = try comm.allGather(distributed.expertCopies.map(Float.init))
        let runs = distributed.expertCopies.count, layers = configuration.shape.layers
        let perRank = stride(from: 0, to: copies.count, by: max(runs, 1)).map { Array(copies[$0..<($0 + runs)]) }
        func load(_ entries: Range<Int>) -> Double? {
            guard !entries.isEmpty else { return nil }
            let busiest = entries.reduce(0.0) { total, entry in total + Double(perRank.map { $0[entry] }.max() ?? 0) }
            let mean = entries.reduce(0.0) { total, entry in total + Double(perRank.map { $0[entry] }.reduce(0, +)) / Double(perRank.count) }
            return mean > 0 ? busiest / mean : nil
        }
        return RunMeasurement(
            backend: comm.backend, ranks: comm.size, configuration: configuration,
            prefill: PhaseTimes(wall: slowest(0), wait: mean(1), communication: mean(2)),
            decode: PhaseTimes(wall: slowest(3), wait: mean(4), communication: mean(5)),
            prefillExpertLoad: load(0..<min(layers, runs)), decodeExpertLoad: load(min(layers, runs)..<runs),
            maxDifference: rows.map { $0[6] }.max() ?? 0)
    }
}

/// The single-rank forward pass, without any communicator.
enum SingleRank {
    static func outputs(model: RuntimeModel, sequences: Int, steps: Int, inputs: (Int) -> (Tensor, Int)) throws(CommunicatorError) -> [Tensor] {
        let solo = SoloCommunicator()
        let reference = try DistributedModel(model: model, layout: .single, comm: solo, sequences: sequences, measuresWait: false)
        var outputs: [Tensor] = []
        for step in 0...steps {
            let (x, perSequence) = inputs(step)
            outputs.append(try reference.step(x, tokensPerSequence: perSequence).output)
        }
        return outputs
    }
}

/// A communicator of one rank: every operation is the identity.
public final class SoloCommunicator: Communicator, @unchecked Sendable {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var backend: String { "solo" }
    public func allReduce(_ buffer: inout [Float]) throws(CommunicatorError) {}
    public func reduceScatter(_ buffer: [Float]) throws(CommunicatorError) -> [Float] { buffer }
    public func allGather(_ block: [Float]) throws(CommunicatorError) -> [Float] { block }
    public func allToAll(_ buffer: [Float]) throws(CommunicatorError) -> [Float] { buffer }
    public func allToAllV(_ blocks: [[Float]]) throws(CommunicatorError) -> [[Float]] { blocks }
    public func broadcast(_ buffer: inout [Float], root: Int) throws(CommunicatorError) {}
    public func send(_ data: [Float], to peer: Int, tag: Int) throws(CommunicatorError) { throw .invalid("a single rank has no peer") }
    public func receive(from peer: Int, tag: Int) throws(CommunicatorError) -> [Float] { throw .invalid("a single rank has no peer") }
    public func barrier() throws(CommunicatorError) {}
    public func split(color: Int, key: Int) throws(CommunicatorError) -> any Communicator { self }
}
