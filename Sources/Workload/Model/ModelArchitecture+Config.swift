import Units
extension ModelArchitecture {
    /// Normalises a Hugging Face config.
    ///
    /// The family comes from `model_type` (or `architecture` for inline models, or the first entry of
    /// `architectures`). Defaults follow the families' reference code: `head_dim` = hidden / heads,
    /// `num_key_value_heads` = heads, untied embeddings, GPT's FFN = 4 x hidden.
    /// - Throws: ``WorkloadError`` naming a missing or out-of-range field, or an unknown architecture.
    public init(config: HFConfig, name: String) throws(WorkloadError) {
        let family = try Self.family(of: config, name: name)
        let label = family.rawValue
        // Sizes and counts past 2^31 describe no model and would overflow the arithmetic on them.
        let largest = 1 << 31
        func require(_ value: Int?, _ field: String) throws(WorkloadError) -> Int {
            guard let value else { throw .missingField(field, architecture: label, model: name) }
            return try optional(value, field)!
        }
        func optional(_ value: Int?, _ field: String) throws(WorkloadError) -> Int? {
            guard let value else { return nil }
            guard value > 0 else { throw .invalid(model: name, field: field, reason: "must be positive, got \(value)") }
            guard value <= largest else { throw .invalid(model: name, field: field, reason: "must be at most 2,147,483,648, got \(value)") }
            return value
        }

        let hidden = try require(config.hiddenSize ?? config.nEmbd, "hidden_size")
        let layers = try require(config.numHiddenLayers ?? config.nLayer, "num_hidden_layers")
        guard layers <= 1 << 16 else { throw .invalid(model: name, field: "num_hidden_layers", reason: "must be at most 65,536, got \(layers)") }
        let heads = try require(config.numAttentionHeads ?? config.nHead, "num_attention_heads")
        let vocab = try require(config.vocabSize, family == .gpt ? "vocab_size (51200 for Megatron GPT)" : "vocab_size")
        let maxPositions = try optional(config.maxPositionEmbeddings ?? config.nPositions, "max_position_embeddings")
            ?? (family == .gpt ? 2048 : 4096)

        let attention: Attention
        if family == .deepseekV3 {
            attention = .latent(
                heads: heads,
                qLoraRank: try optional(config.qLoraRank, "q_lora_rank"),
                kvLoraRank: try require(config.kvLoraRank, "kv_lora_rank"),
                nopeDim: try require(config.qkNopeHeadDim, "qk_nope_head_dim"),
                ropeDim: try require(config.qkRopeHeadDim, "qk_rope_head_dim"),
                valueDim: try require(config.vHeadDim, "v_head_dim"))
        } else {
            let kvHeads = try optional(config.numKeyValueHeads, "num_key_value_heads") ?? heads
            guard heads % kvHeads == 0 else {
                throw .invalid(model: name, field: "num_key_value_heads",
                               reason: "\(kvHeads) key/value heads do not divide \(heads) attention heads")
            }
            let headDim: Int
            if let given = try optional(config.headDim, "head_dim") {
                headDim = given
            } else {
                guard hidden % heads == 0 else {
                    throw .invalid(model: name, field: "head_dim",
                                   reason: "hidden_size \(hidden) is not a multiple of \(heads) heads; give head_dim")
                }
                headDim = hidden / heads
            }
            attention = .grouped(
                heads: heads, kvHeads: kvHeads, headDim: headDim,
                qkvBias: family == .qwen2 || family == .gpt || (config.attentionBias ?? false),
                outputBias: family == .gpt || (config.attentionBias ?? false),
                qkNorm: family == .qwen3 || family == .qwen3Moe)
        }

        let ffn: FeedForward
        if family == .gpt {
            ffn = FeedForward(intermediateSize: try optional(config.ffnHiddenSize ?? config.intermediateSize ?? config.nInner, "ffn_hidden_size") ?? 4 * hidden,
                              isGated: false, hasBias: true)
        } else if family == .mixtral {
            // Mixtral's intermediate_size is the width of each expert; it has no dense layers.
            ffn = FeedForward(intermediateSize: try require(config.intermediateSize, "intermediate_size"), isGated: true, hasBias: false)
        } else {
            ffn = FeedForward(intermediateSize: try require(config.intermediateSize, "intermediate_size"), isGated: true, hasBias: false)
        }

        var moe: MixtureOfExperts?
        switch family {
        case .mixtral:
            let experts = try require(config.numLocalExperts, "num_local_experts")
            moe = MixtureOfExperts(
                routedExperts: experts, expertsPerToken: try require(config.numExpertsPerTok, "num_experts_per_tok"),
                sharedExperts: 0, expertIntermediateSize: ffn.intermediateSize, moeLayers: Array(0..<layers),
                groups: nil, groupsPerToken: nil, routerBias: false)
        case .qwen3Moe:
            let step = try optional(config.decoderSparseStep, "decoder_sparse_step") ?? 1
            let denseOnly = Set(config.mlpOnlyLayers ?? [])
            if let outside = denseOnly.sorted().first(where: { !(0..<layers).contains($0) }) {
                throw .invalid(model: name, field: "mlp_only_layers", reason: "layer \(outside) is not one of the model's layers 0 to \(layers - 1)")
            }
            moe = MixtureOfExperts(
                routedExperts: try require(config.numExperts, "num_experts"),
                expertsPerToken: try require(config.numExpertsPerTok, "num_experts_per_tok"),
                sharedExperts: 0, expertIntermediateSize: try require(config.moeIntermediateSize, "moe_intermediate_size"),
                moeLayers: (0..<layers).filter { !denseOnly.contains($0) && ($0 + 1) % step == 0 },
                groups: nil, groupsPerToken: nil, routerBias: false)
        case .deepseekV3:
            let firstDense = config.firstKDenseReplace ?? 0
            guard firstDense >= 0, firstDense <= layers else {
                throw .invalid(model: name, field: "first_k_dense_replace", reason: "must be between 0 and \(layers), got \(firstDense)")
            }
            let frequency = try optional(config.moeLayerFreq, "moe_layer_freq") ?? 1
            moe = MixtureOfExperts(
                routedExperts: try require(config.nRoutedExperts, "n_routed_experts"),
                expertsPerToken: try require(config.numExpertsPerTok, "num_experts_per_tok"),
                sharedExperts: config.nSharedExperts ?? 0,
                expertIntermediateSize: try require(config.moeIntermediateSize, "moe_intermediate_size"),
                moeLayers: (firstDense..<layers).filter { $0 % frequency == 0 },
                groups: try optional(config.nGroup, "n_group"), groupsPerToken: try optional(config.topkGroup, "topk_group"),
                routerBias: true)
        case .llama, .mistral, .qwen2, .qwen3, .gpt:
            moe = nil
        }
        if let moe {
            guard moe.expertsPerToken <= moe.routedExperts else {
                throw .invalid(model: name, field: "num_experts_per_tok",
                               reason: "\(moe.expertsPerToken) experts per token but only \(moe.routedExperts) experts")
            }
            guard moe.sharedExperts >= 0 else {
                throw .invalid(model: name, field: "n_shared_experts", reason: "must not be negative")
            }
            if let groups = moe.groups {
                guard moe.routedExperts % groups == 0 else {
                    throw .invalid(model: name, field: "n_group", reason: "\(groups) groups do not divide \(moe.routedExperts) experts")
                }
                if let picked = moe.groupsPerToken, picked > groups {
                    throw .invalid(model: name, field: "topk_group", reason: "\(picked) groups per token but only \(groups) groups")
                }
            }
        }

        self.init(
            name: name, family: family, hiddenSize: hidden, layers: layers, vocabSize: vocab, maxPositions: maxPositions,
            // Hugging Face GPT-2 ties its output head to the embedding unless told otherwise; Megatron GPT does not.
            tiedEmbeddings: config.tieWordEmbeddings ?? (config.modelType == "gpt2" || config.nEmbd != nil),
            attention: attention, ffn: ffn, moe: moe,
            mtpLayers: family == .deepseekV3 ? (config.numNextnPredictLayers ?? 0) : 0,
            source: config._supernodeSource ?? config._nameOrPath,
            blockScaledPrecision: try Self.blockScaledPrecision(config.quantizationConfig, name: name),
            contextWindow: try Self.contextWindow(config, name: name),
            quantizedWeights: try Self.quantizedWeights(config.quantizationConfig, name: name))
    }

    /// ``contextWindow`` from `max_position_embeddings` (or GPT-2's `n_positions`) and `rope_scaling`; nil
    /// when the config gives no maximum.
    static func contextWindow(_ config: HFConfig, name: String) throws(WorkloadError) -> Int? {
        guard let positions = config.maxPositionEmbeddings ?? config.nPositions else { return nil }
        guard let scaling = config.ropeScaling, let factor = scaling.factor else { return positions }
        guard factor.isFinite, factor >= 1 else {
            throw .invalid(model: name, field: "rope_scaling.factor", reason: "must be a finite number of at least 1, got \(factor)")
        }
        let base: Int
        switch (scaling.ropeType ?? scaling.type ?? "default").lowercased() {
        case "yarn": base = scaling.originalMaxPositionEmbeddings ?? positions
        case "linear", "dynamic": base = positions
        default: return positions
        }
        let stretched = (Double(base) * factor).rounded(.down)
        return max(positions, Int(min(stretched, 1e15)))
    }

    /// The precision of a block-wise scaled checkpoint (`quant_method` with a `weight_block_size`), or nil.
    static func blockScaledPrecision(_ config: HFConfig.QuantizationConfig?, name: String) throws(WorkloadError) -> Precision? {
        guard let config, let blocks = config.weightBlockSize else { return nil }
        guard blocks.count == 2, blocks.allSatisfy({ $0 > 0 }) else {
            throw .invalid(model: name, field: "quantization_config.weight_block_size", reason: "needs two positive sizes (rows, columns), got \(blocks)")
        }
        guard let method = config.quantMethod, let precision = Precision(rawValue: method.lowercased()) else {
            throw .invalid(model: name, field: "quantization_config.quant_method",
                           reason: "'\(config.quantMethod ?? "")' is not a precision supernode knows (\(Precision.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return precision
    }

    /// The weights' format of a weight-only quantised checkpoint: AWQ's and GPTQ's `quant_method` (and their
    /// Marlin-kernel spellings) with `bits` 4 or 8; nil for other checkpoints.
    static func quantizedWeights(_ config: HFConfig.QuantizationConfig?, name: String) throws(WorkloadError) -> Precision? {
        guard let config, let method = config.quantMethod?.lowercased(),
              ["awq", "gptq", "awq_marlin", "gptq_marlin", "marlin"].contains(method) else { return nil }
        switch config.bits {
        case 4: return .int4
        case 8: return .int8
        case let bits?:
            throw .invalid(model: name, field: "quantization_config.bits", reason: "\(bits)-bit \(method) weights are not modelled; 4 (int4) and 8 (int8) are")
        case nil:
            throw .invalid(model: name, field: "quantization_config.bits", reason: "a \(method) checkpoint needs bits (4 or 8)")
        }
    }

    static func family(of config: HFConfig, name: String) throws(WorkloadError) -> Family {
        if let text = config.modelType ?? config.architecture {
            if text.lowercased() == "gpt2" { return .gpt }
            guard let family = Family(rawValue: text.lowercased()) else {
                throw .unknownArchitecture(text, model: name)
            }
            return family
        }
        if let first = config.architectures?.first {
            let map: [String: Family] = [
                "LlamaForCausalLM": .llama, "MistralForCausalLM": .mistral, "MixtralForCausalLM": .mixtral,
                "Qwen2ForCausalLM": .qwen2, "Qwen3ForCausalLM": .qwen3, "Qwen3MoeForCausalLM": .qwen3Moe,
                "DeepseekV3ForCausalLM": .deepseekV3, "GPT2LMHeadModel": .gpt,
            ]
            guard let family = map[first] else { throw .unknownArchitecture(first, model: name) }
            return family
        }
        throw .missingField("model_type", architecture: "Hugging Face", model: name)
    }
}
