import Units
import Workload

/// `models show`: the architecture, its parameter counts and the figures derived from them.
public struct ModelReport: Sendable {
    public let model: ModelArchitecture
    /// Context lengths at which forward FLOPs per token are shown.
    public let contexts: [Int]

    public init(model: ModelArchitecture, contexts: [Int] = [1, 4096, 32768]) {
        self.model = model
        self.contexts = contexts
    }

    static func attentionText(_ attention: ModelArchitecture.Attention) -> String {
        switch attention {
        case let .grouped(heads, kvHeads, headDim, _, _, _):
            return kvHeads == heads ? "MHA \(heads)x\(headDim)" : "GQA \(heads)/\(kvHeads)x\(headDim)"
        case let .latent(heads, _, kvLoraRank, _, ropeDim, _):
            return "MLA \(heads)x\(kvLoraRank)+\(ropeDim)"
        }
    }

    static func expertsText(_ model: ModelArchitecture) -> String {
        guard let moe = model.moe else { return "-" }
        let shared = moe.sharedExperts > 0 ? "+\(moe.sharedExperts)" : ""
        return "\(moe.routedExperts)\(shared) top-\(moe.expertsPerToken)"
    }

    public func tables() -> [Table] {
        [architecture(), parameters(), derived()]
    }

    func architecture() -> Table {
        var table = Table(title: "\(model.name) (\(model.family.rawValue))", columns: [Table.Column("", .left), Table.Column("", .left, wrap: 76)])
        table.append(["hidden size", "\(model.hiddenSize)"])
        table.append(["layers", "\(model.layers) (\(model.denseLayerCount) dense, \(model.moeLayerCount) MoE)"])
        switch model.attention {
        case let .grouped(heads, kvHeads, headDim, qkvBias, _, qkNorm):
            table.append(["attention", "\(heads) query heads, \(kvHeads) key/value heads, head dim \(headDim)"
                          + (qkvBias ? ", QKV bias" : "") + (qkNorm ? ", QK norm" : "")])
        case let .latent(heads, qLoraRank, kvLoraRank, nopeDim, ropeDim, valueDim):
            table.append(["attention", "MLA, \(heads) heads; q rank \(qLoraRank.map(String.init) ?? "full"), kv rank \(kvLoraRank), q/k dim \(nopeDim)+\(ropeDim), v dim \(valueDim)"])
        }
        if model.denseLayerCount > 0 {
            table.append(["dense FFN", "\(model.ffn.isGated ? "SwiGLU" : "GELU"), intermediate \(model.ffn.intermediateSize)"])
        }
        if let moe = model.moe {
            var text = "\(moe.routedExperts) routed, top-\(moe.expertsPerToken), \(moe.sharedExperts) shared, expert intermediate \(moe.expertIntermediateSize)"
            if let groups = moe.groups, let picked = moe.groupsPerToken { text += ", \(groups) groups, \(picked) per token" }
            table.append(["experts", text])
        }
        table.append(["vocabulary", "\(model.vocabSize)\(model.tiedEmbeddings ? " (tied)" : "")"])
        if let window = model.contextWindow {
            table.append(["context window", window == model.maxPositions ? "\(window) tokens" : "\(window) tokens (\(model.maxPositions) positions, stretched by rope_scaling)"])
        } else {
            table.append(["context window", "not stated (no max_position_embeddings)"])
        }
        if model.mtpLayers > 0 { table.append(["multi-token prediction", "\(model.mtpLayers) module(s)"]) }
        if let block = model.blockScaledPrecision { table.append(["checkpoint", "\(block.rawValue), block-wise scales"]) }
        if let stored = model.quantizedWeights {
            table.append(["checkpoint", "\(stored.rawValue) weights only (AWQ/GPTQ), computed wider"])
        }
        if let source = model.source { table.append(["source", source]) }
        return table
    }

    func parameters() -> Table {
        let counts = model.parameters
        var table = Table(title: "Parameters", columns: [Table.Column("part", .left), Table.Column("billions"), Table.Column("share")])
        let parts: [(String, Double)] = [
            ("embedding", counts.embedding), ("output head", counts.outputHead), ("attention", counts.attention),
            ("dense FFN", counts.denseFFN), ("routed experts", counts.routedExperts), ("shared experts", counts.sharedExperts),
            ("routers", counts.routers), ("norms", counts.norms),
        ]
        for (name, value) in parts where value > 0 {
            table.append([name, NumberText.fixed(value / 1e9, decimals: 3), NumberText.fixed(value / counts.total * 100, decimals: 1) + "%"])
        }
        table.append(["total", NumberText.fixed(counts.total / 1e9, decimals: 3), "100.0%"])
        table.append(["active per token", NumberText.fixed(model.activeParameters / 1e9, decimals: 3), ""])
        if model.isMoE {
            table.append(["  without the embedding table", NumberText.fixed((model.activeParameters - counts.embedding) / 1e9, decimals: 3), ""])
        }
        if counts.mtp > 0 { table.append(["MTP modules (not in total)", NumberText.fixed(counts.mtp / 1e9, decimals: 3), ""]) }
        return table
    }

    func derived() -> Table {
        var table = Table(title: "Derived figures", columns: [Table.Column("figure", .left), Table.Column("value")])
        // Weights in each format with their quantisation scales: NVFP4's scale per 16, INT4's per group of 128.
        for precision in [Precision.bf16, .fp8, .int8, .fp4, .int4] {
            table.append(["weights in \(precision.rawValue)", model.weightBytes(precision).formatted(in: "GB", decimals: 1)])
        }
        for precision in [Precision.bf16, .fp8] {
            table.append(["KV cache per token, \(precision.rawValue)", NumberText.grouped(model.kvCacheBytesPerToken(precision).bytes) + " B"])
        }
        for context in contexts {
            table.append(["forward GFLOPs per token at context \(context)", NumberText.fixed(model.forwardFLOPsPerToken(contextLength: context) / 1e9, decimals: 2)])
        }
        let form: String
        if case .latent = model.attention { form = " (MLA in its standard, not weight-absorbed, form)" } else { form = "" }
        table.notes = ["Forward FLOPs: 2 x active matmul weights + attention over the context\(form)."]
        return table
    }

    /// The JSON form: the normalised architecture and its derived figures.
    public var document: ModelDocument {
        let counts = model.parameters
        return ModelDocument(
            architecture: model,
            parameters: [
                "embedding": counts.embedding, "output_head": counts.outputHead, "attention": counts.attention,
                "dense_ffn": counts.denseFFN, "routed_experts": counts.routedExperts, "shared_experts": counts.sharedExperts,
                "routers": counts.routers, "norms": counts.norms, "total": counts.total, "active": model.activeParameters,
                "mtp": counts.mtp,
            ],
            weightBytes: Dictionary(uniqueKeysWithValues: Precision.allCases.map { ($0.rawValue, model.weightBytes($0).bytes) }),
            kvCacheBytesPerToken: Dictionary(uniqueKeysWithValues: [Precision.bf16, .fp16, .fp8, .int8].map { ($0.rawValue, model.kvCacheBytesPerToken($0).bytes) }),
            forwardFlopsPerToken: Dictionary(uniqueKeysWithValues: contexts.map { (String($0), JSONOutput.rounded(model.forwardFLOPsPerToken(contextLength: $0), digits: 9)) }))
    }

    public func csvTable() -> Table {
        let document = self.document
        var table = Table(columns: ["section", "field", "value", "unit"].map { Table.Column($0) })
        for (key, value) in document.parameters.sorted(by: { $0.key < $1.key }) { table.append(["parameters", key, NumberText.shortest(value), "count"]) }
        for (key, value) in document.weightBytes.sorted(by: { $0.key < $1.key }) { table.append(["weights", key, NumberText.shortest(value), "bytes"]) }
        for (key, value) in document.kvCacheBytesPerToken.sorted(by: { $0.key < $1.key }) { table.append(["kv_cache_per_token", key, NumberText.shortest(value), "bytes"]) }
        for context in contexts {
            table.append(["forward_flops_per_token", "context_\(context)", NumberText.shortest(document.forwardFlopsPerToken[String(context)]!), "FLOP"])
        }
        return table
    }
}

/// The JSON form of `models show`.
public struct ModelDocument: Sendable, Codable {
    public var architecture: ModelArchitecture
    /// Part name to parameter count.
    public var parameters: [String: Double]
    /// Precision to bytes of all main-model weights.
    public var weightBytes: [String: Double]
    /// Precision to KV-cache bytes per token.
    public var kvCacheBytesPerToken: [String: Double]
    /// Context length to forward FLOPs per token.
    public var forwardFlopsPerToken: [String: Double]
}
