/// The fields of a Hugging Face `config.json` that shape a model, as written there (snake_case in the file).
///
/// Every field is optional here; ``ModelArchitecture/init(config:name:)`` says which ones an architecture
/// needs. Fields the file has but supernode does not use are ignored: config files carry many.
public struct HFConfig: Sendable, Hashable, Codable {
    public var architectures: [String]?
    public var modelType: String?
    /// supernode's own spelling for inline models (`architecture: gpt`); same meaning as `model_type`.
    public var architecture: String?
    public var _nameOrPath: String?
    /// Where the values come from, for presets shipped with supernode.
    public var _supernodeSource: String?

    public var hiddenSize: Int?
    public var numHiddenLayers: Int?
    public var numAttentionHeads: Int?
    public var numKeyValueHeads: Int?
    public var headDim: Int?
    public var intermediateSize: Int?
    public var vocabSize: Int?
    public var maxPositionEmbeddings: Int?
    public var ropeScaling: RopeScaling?
    public var tieWordEmbeddings: Bool?
    public var hiddenAct: String?
    public var attentionBias: Bool?
    public var torchDtype: String?

    // Mixture of experts, under each family's names.
    public var numLocalExperts: Int?
    public var numExperts: Int?
    public var nRoutedExperts: Int?
    public var numExpertsPerTok: Int?
    public var moeIntermediateSize: Int?
    public var nSharedExperts: Int?
    public var firstKDenseReplace: Int?
    public var moeLayerFreq: Int?
    public var decoderSparseStep: Int?
    public var mlpOnlyLayers: [Int]?
    public var nGroup: Int?
    public var topkGroup: Int?

    // DeepSeek multi-head latent attention and multi-token prediction.
    public var qLoraRank: Int?
    public var kvLoraRank: Int?
    public var qkNopeHeadDim: Int?
    public var qkRopeHeadDim: Int?
    public var vHeadDim: Int?
    public var numNextnPredictLayers: Int?

    // Megatron-style GPT given inline.
    public var ffnHiddenSize: Int?

    // GPT-2's own names for the same fields.
    public var nEmbd: Int?
    public var nLayer: Int?
    public var nHead: Int?
    public var nPositions: Int?
    public var nInner: Int?

    // Quantised checkpoints (DeepSeek-V3's FP8 weights with one scale per 128 x 128 block).
    public var quantizationConfig: QuantizationConfig?

    public init() {}

    /// `rope_scaling`: how the rotary embedding is stretched past the positions the model was trained on.
    public struct RopeScaling: Sendable, Hashable, Codable {
        /// `rope_type`, or `type` in older configs: `yarn`, `linear`, `dynamic`, `llama3`, ...
        public var ropeType: String?
        public var type: String?
        public var factor: Double?
        public var originalMaxPositionEmbeddings: Int?

        public init(ropeType: String? = nil, factor: Double? = nil, originalMaxPositionEmbeddings: Int? = nil) {
            self.ropeType = ropeType
            self.factor = factor
            self.originalMaxPositionEmbeddings = originalMaxPositionEmbeddings
        }
    }

    /// `quantization_config`: how the checkpoint's weights are stored.
    public struct QuantizationConfig: Sendable, Hashable, Codable {
        /// `fp8`, `int8`, ...
        public var quantMethod: String?
        /// Rows and columns of weight sharing one scale (fine-grained, block-wise scaling), when given.
        public var weightBlockSize: [Int]?
        /// Bits per weight of a weight-only quantised checkpoint (AWQ, GPTQ: 4 or 8).
        public var bits: Int?

        public init(quantMethod: String? = nil, weightBlockSize: [Int]? = nil, bits: Int? = nil) {
            self.quantMethod = quantMethod
            self.weightBlockSize = weightBlockSize
            self.bits = bits
        }
    }
}
