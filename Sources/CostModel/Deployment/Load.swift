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
    /// (the average over a request's decode steps). In floating point, so that no count can overflow.
    public var meanDecodeContext: Double? {
        if let contextTokens { return Double(contextTokens) }
        guard let promptTokens else { return nil }
        return Double(promptTokens) + Double(outputTokens ?? 0) / 2
    }

    /// The most tokens a decode sequence holds: the prompt plus the whole output, or `context_tokens` where
    /// that is longer.
    public var longestDecodeSequence: Double? {
        guard let mean = meanDecodeContext else { return nil }
        let whole = (promptTokens.map(Double.init) ?? mean) + Double(outputTokens ?? 0)
        return max(whole, contextTokens.map(Double.init) ?? 0)
    }
}
