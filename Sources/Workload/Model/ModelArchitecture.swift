import Units

/// A decoder-only transformer in the form the cost model uses, normalised from a Hugging Face config.
public struct ModelArchitecture: Sendable, Hashable, Codable {
    /// Catalog name or file the model came from.
    public var name: String
    public var family: Family
    public var hiddenSize: Int
    public var layers: Int
    public var vocabSize: Int
    public var maxPositions: Int
    public var tiedEmbeddings: Bool
    public var attention: Attention
    /// The dense feed-forward block (every layer that is not a mixture of experts).
    public var ffn: FeedForward
    public var moe: MixtureOfExperts?
    /// Multi-token prediction modules (DeepSeek-V3: 1), not counted in the main model's parameters.
    public var mtpLayers: Int
    /// Where the description came from.
    public var source: String?
    /// The precision whose GEMMs use fine-grained block-wise scales, when the checkpoint is stored that way
    /// (DeepSeek-V3 and R1: FP8 with one scale per 128 x 128 weight block and per 1 x 128 activation tile).
    /// Such GEMMs run their own kernels (DeepGEMM on Hopper), at their own efficiency.
    public var blockScaledPrecision: Precision? = nil
    /// The longest sequence (prompt plus output) the model takes, when its config says: `max_position_embeddings`,
    /// stretched by `rope_scaling` the way serving engines derive their maximum length (vLLM's
    /// `max_model_len`): YaRN reaches `factor` x `original_max_position_embeddings`, linear and dynamic
    /// scaling `factor` x `max_position_embeddings`; Llama 3's and LongRoPE's scaling are already inside
    /// `max_position_embeddings`.
    public var contextWindow: Int? = nil
    /// The storage format of a weight-only quantised checkpoint's weights (AWQ and GPTQ, `quant_method`
    /// with `bits` 4 or 8: `int4`, `int8`), which compute in a wider format; predictions take it as the
    /// weights' format unless told otherwise.
    public var quantizedWeights: Precision? = nil

    /// The architectures supernode reads.
    public enum Family: String, Sendable, Hashable, Codable, CaseIterable {
        case llama, mistral, mixtral, qwen2, qwen3, qwen3Moe = "qwen3_moe", deepseekV3 = "deepseek_v3", gpt
    }

    /// How attention is computed and what it caches.
    public enum Attention: Sendable, Hashable, Codable {
        /// Multi-head or grouped-query attention: `kvHeads` key/value heads shared by `heads` query heads.
        case grouped(heads: Int, kvHeads: Int, headDim: Int, qkvBias: Bool, outputBias: Bool, qkNorm: Bool)
        /// DeepSeek multi-head latent attention: keys and values compressed to a `kvLoraRank` latent plus a
        /// shared `ropeDim` key part, which is all the cache holds.
        case latent(heads: Int, qLoraRank: Int?, kvLoraRank: Int, nopeDim: Int, ropeDim: Int, valueDim: Int)

        public var heads: Int {
            switch self {
            case let .grouped(heads, _, _, _, _, _): heads
            case let .latent(heads, _, _, _, _, _): heads
            }
        }
    }

    /// A feed-forward block: gated (SwiGLU, three matrices) or plain (GELU, two matrices with biases).
    public struct FeedForward: Sendable, Hashable, Codable {
        public var intermediateSize: Int
        public var isGated: Bool
        public var hasBias: Bool
    }

    /// Routed experts, shared experts and where the MoE layers sit.
    public struct MixtureOfExperts: Sendable, Hashable, Codable {
        public var routedExperts: Int
        public var expertsPerToken: Int
        public var sharedExperts: Int
        /// Intermediate size of one routed (and one shared) expert; experts are gated like SwiGLU.
        public var expertIntermediateSize: Int
        /// Which layers (0-based) are MoE; the rest use the dense ``FeedForward``.
        public var moeLayers: [Int]
        /// Node-limited routing: experts split into `groups`, each token picks from `groupsPerToken` of them.
        public var groups: Int?
        public var groupsPerToken: Int?
        /// Whether the router has a per-expert bias (DeepSeek's auxiliary-loss-free balancing).
        public var routerBias: Bool
    }

    /// Why a sequence of `tokens` tokens is more than the model takes (`what` names it: "prompts of 4,096
    /// tokens are"), or nil when it fits or the config states no window.
    public func beyondContextWindow(_ tokens: Double, what: String) -> String? {
        guard let contextWindow, tokens > Double(contextWindow) else { return nil }
        return "\(what) longer than \(name) takes: its context window is \(NumberText.grouped(Double(contextWindow), decimals: 0)) tokens (max_position_embeddings, stretched by rope_scaling)"
    }

    /// Whether there are learned absolute position embeddings (GPT) rather than rotary ones.
    public var hasLearnedPositions: Bool { family == .gpt }
    /// Whether norms are LayerNorm with a bias (GPT) rather than RMSNorm.
    public var normHasBias: Bool { family == .gpt }
    public var isMoE: Bool { moe != nil }

    /// Whether layer `index` (0-based) is an MoE layer.
    public func isMoELayer(_ index: Int) -> Bool { moe?.moeLayers.contains(index) ?? false }
    public var moeLayerCount: Int { moe?.moeLayers.count ?? 0 }
    public var denseLayerCount: Int { layers - moeLayerCount }
}
