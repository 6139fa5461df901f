/// The work offered: prompts for a prefill batch, sequences for decode steps, or a request stream.
/// Field names follow the `supernode-validation/1` format.
public struct Load: Sendable, Hashable, Codable {
    public var batchPerChip: Int?
    public var promptTokens: Int?
    public var outputTokens: Int?
    public var contextTokens: Int?
    public var tokensPerChip: Int?
    public var requests: Int?
    public var inputTokens: Int?
    public var mode: String?
    public var requestsPerSecond: Double?
    public var globalBatchSequences: Int?
    public var microBatch: Int?
    public var sequenceTokens: Int?

    public init(batchPerChip: Int? = nil, promptTokens: Int? = nil, outputTokens: Int? = nil, contextTokens: Int? = nil,
                tokensPerChip: Int? = nil) {
        self.batchPerChip = batchPerChip
        self.promptTokens = promptTokens
        self.outputTokens = outputTokens
        self.contextTokens = contextTokens
        self.tokensPerChip = tokensPerChip
    }

    /// The mean context a decode step attends over: `context_tokens`, or the prompt plus half the output
    /// (the average over a request's decode steps).
    public var meanDecodeContext: Int? {
        if let contextTokens { return contextTokens }
        guard let promptTokens else { return nil }
        return promptTokens + (outputTokens ?? 0) / 2
    }
}
