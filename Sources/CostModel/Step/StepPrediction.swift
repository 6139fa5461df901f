import Units

/// The predicted time of one step, what it yields, where the time goes, and the memory it needs.
public struct StepPrediction: Sendable, Hashable {
    public var phase: Phase
    /// Wall time of one prefill batch or one decode step.
    public var stepTime: TimeSpan
    public var tokensPerSecondPerChip: Double
    /// Decode only: time per output token (the step over the tokens each sequence gains per step).
    public var timePerOutputToken: TimeSpan?
    /// Tokens each sequence gains per decode step (1 without MTP).
    public var tokensPerStep: Double
    /// Compute kernels and communication operations, summed over the step.
    public var operators: [OperatorCost]
    /// Communication that ran while no compute did (it lengthens the step).
    public var exposedCommunication: TimeSpan
    /// Communication that overlapped compute.
    public var hiddenCommunication: TimeSpan
    /// Compute that two streams ran at the same time (partitioned micro-batch streams): counted in both
    /// streams' operators, once in the step.
    public var streamOverlap: TimeSpan = .zero
    public var memory: MemoryFootprint
    /// Derived figures worth showing: tokens per rank, expert load ratio, copies per token.
    public var facts: [(name: String, value: String)]
    /// When each task of the step ran, on which resource, when the prediction was asked for it (empty otherwise).
    public var timeline: [MicrobatchSchedule.Interval] = []

    public static func == (lhs: StepPrediction, rhs: StepPrediction) -> Bool {
        lhs.stepTime == rhs.stepTime && lhs.operators == rhs.operators && lhs.memory == rhs.memory
            && lhs.facts.map(\.name) == rhs.facts.map(\.name) && lhs.facts.map(\.value) == rhs.facts.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(stepTime)
        hasher.combine(operators)
    }

    /// Compute time of all compute operators; less the stream overlap, plus the exposed communication, it
    /// adds up to the step time.
    public var computeTime: TimeSpan {
        operators.filter { !$0.isCommunication }.reduce(.zero) { $0 + $1.time }
    }
}

/// One operator (a kernel or a communication operation) summed over every layer and micro-batch of a step.
public struct OperatorCost: Sendable, Hashable, Codable {
    public var name: String
    /// attention, moe, ffn, head, mtp, communication
    public var block: String
    /// Times it runs in the step.
    public var calls: Int
    /// Roofline parts of a kernel, summed over its calls.
    public var compute: TimeSpan
    public var memory: TimeSpan
    /// Parts of a communication operation, summed over its calls.
    public var transfer: TimeSpan
    public var latency: TimeSpan
    /// Launch (kernels) or collective (communication) overhead, summed over the calls.
    public var overhead: TimeSpan
    /// Time it takes in the step, summed over its calls (for communication, before any overlap).
    public var time: TimeSpan

    public var isCommunication: Bool { block == "communication" }

    public init(name: String, block: String, calls: Int, compute: TimeSpan, memory: TimeSpan, transfer: TimeSpan,
                latency: TimeSpan, overhead: TimeSpan, time: TimeSpan) {
        self.name = name
        self.block = block
        self.calls = calls
        self.compute = compute
        self.memory = memory
        self.transfer = transfer
        self.latency = latency
        self.overhead = overhead
        self.time = time
    }

    /// What bounds it: compute, memory, launch overhead; bandwidth or latency for communication.
    public var bound: String {
        if isCommunication { return transfer >= latency + overhead ? "bandwidth" : "latency" }
        if overhead > max(compute, memory) { return "launch" }
        return compute >= memory ? "compute" : "memory"
    }
}

/// What one rank holds in memory.
public struct MemoryFootprint: Sendable, Hashable, Codable {
    public var weights: Bytes
    public var kvCache: Bytes
    public var activations: Bytes
    public var communicationBuffers: Bytes
    public var capacity: Bytes

    public var total: Bytes { weights + kvCache + activations + communicationBuffers }
    public var fits: Bool { total <= capacity }
}
