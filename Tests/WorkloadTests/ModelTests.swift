import DataFiles
import Foundation
import Numerics
import Testing
import Units
@testable import Workload

func models() throws(WorkloadError) -> ModelCatalog { try ModelCatalog.builtIn() }

/// A published figure and how precisely it was published: "671B" is good to the nearest billion.
struct Published: Sendable, CustomStringConvertible {
    let value: Double
    let lastDigit: Double
    /// Whether the publisher left the input embedding table out of its active count. Vendors differ:
    /// Mistral's 12.9B and Qwen's 22B are total minus unused experts; DeepSeek's 37B is not (that count
    /// is 37.55B, which would round to 38B), but matches the count without the embedding table (36.63B).
    var activeWithoutEmbedding = false
    var description: String { "\(value)" }

    /// Within 1%, or within half the last published digit where the figure was rounded more coarsely.
    func matches(_ computed: Double) -> Bool {
        abs(computed - value) <= max(0.01 * value, lastDigit / 2)
    }
}

@Suite("Model catalog")
struct ModelCatalogTests {
    @Test("The catalog holds the presets")
    func names() throws {
        #expect(try models().names == [
            "deepseek-r1", "deepseek-v3", "llama-3.1-405b", "llama-3.1-70b", "llama-3.1-8b", "mixtral-8x22b", "mixtral-8x7b", "qwen3-235b-a22b",
        ])
    }

    @Test("Total and active parameters agree with the published figures", arguments: [
        ("deepseek-v3", Published(value: 671e9, lastDigit: 1e9), Published(value: 37e9, lastDigit: 1e9, activeWithoutEmbedding: true)),
        ("deepseek-r1", Published(value: 671e9, lastDigit: 1e9), Published(value: 37e9, lastDigit: 1e9, activeWithoutEmbedding: true)),
        ("llama-3.1-8b", Published(value: 8.03e9, lastDigit: 0.01e9), Published(value: 8.03e9, lastDigit: 0.01e9)),
        ("llama-3.1-70b", Published(value: 70.6e9, lastDigit: 0.1e9), Published(value: 70.6e9, lastDigit: 0.1e9)),
        ("llama-3.1-405b", Published(value: 405.9e9, lastDigit: 0.1e9), Published(value: 405.9e9, lastDigit: 0.1e9)),
        ("mixtral-8x7b", Published(value: 46.7e9, lastDigit: 0.1e9), Published(value: 12.9e9, lastDigit: 0.1e9)),
        ("mixtral-8x22b", Published(value: 141e9, lastDigit: 1e9), Published(value: 39e9, lastDigit: 1e9)),
        ("qwen3-235b-a22b", Published(value: 235e9, lastDigit: 1e9), Published(value: 22e9, lastDigit: 1e9)),
    ])
    func parameterCounts(name: String, total: Published, active: Published) throws {
        let model = try models().model(name)
        #expect(total.matches(model.parameters.total), "\(name) total \(model.parameters.total)")
        let computedActive = model.activeParameters - (active.activeWithoutEmbedding ? model.parameters.embedding : 0)
        #expect(active.matches(computedActive), "\(name) active \(computedActive)")
        #expect(model.activeParameters <= model.parameters.total)
    }

    @Test("DeepSeek-V3 by hand: 671.03B total, 37.55B active")
    func deepSeekByHand() throws {
        let model = try models().model("deepseek-v3")
        let d = 7168.0
        let attention = d * 1536 + 1536 + 1536 * 128 * 192 + d * 576 + 512 + 512 * 128 * 256 + 128 * 128 * d
        let expert = 3 * d * 2048
        let moeLayer = 257 * expert + 256 * d + 256
        let dense = 3 * d * 18432
        let norms = 61 * 2 * d + d
        let embeddings = 2 * 129_280 * d
        let total = 61 * attention + 3 * dense + 58 * moeLayer + norms + embeddings
        #expect(model.parameters.total.isApproximatelyEqual(to: total, relativeTolerance: 1e-12))
        #expect(model.activeParameters.isApproximatelyEqual(to: total - 58 * 248 * expert, relativeTolerance: 1e-12))
        #expect(model.moeLayerCount == 58)
        #expect(model.mtpLayers == 1)
    }

    @Test("A block-scaled checkpoint is read from quantization_config; a malformed one is refused naming the field")
    func blockScaled() throws {
        #expect(try models().model("deepseek-r1").blockScaledPrecision == .fp8)
        #expect(try models().model("mixtral-8x7b").blockScaledPrecision == nil)
        var config = small("llama")
        config.quantizationConfig = .init(quantMethod: "fp8", weightBlockSize: [128, 128])
        #expect(try ModelCatalog.model(inline: config, name: "small").blockScaledPrecision == .fp8)
        config.quantizationConfig = .init(quantMethod: "gptq", bits: 4)
        #expect(try ModelCatalog.model(inline: config, name: "small").blockScaledPrecision == nil)
        config.quantizationConfig = .init(quantMethod: "fp8", weightBlockSize: [128])
        #expect {
            try ModelCatalog.model(inline: config, name: "small")
        } throws: { error in
            "\(error)".contains("quantization_config.weight_block_size")
        }
    }

    @Test("A weight-only quantised checkpoint (AWQ, GPTQ) is read from quant_method and bits; other bit widths are refused naming the field")
    func weightOnlyCheckpoint() throws {
        #expect(try models().model("llama-3.1-70b").quantizedWeights == nil)
        #expect(try models().model("deepseek-r1").quantizedWeights == nil)
        var config = small("llama")
        for (method, bits, stored) in [("awq", 4, Precision.int4), ("GPTQ", 8, .int8), ("awq_marlin", 4, .int4), ("gptq_marlin", 4, .int4)] {
            config.quantizationConfig = .init(quantMethod: method, bits: bits)
            #expect(try ModelCatalog.model(inline: config, name: "small").quantizedWeights == stored)
        }
        for (bits, message) in [(3, "3-bit awq weights are not modelled"), (nil, "needs bits (4 or 8)")] as [(Int?, String)] {
            config.quantizationConfig = .init(quantMethod: "awq", bits: bits)
            #expect {
                try ModelCatalog.model(inline: config, name: "small")
            } throws: { error in
                "\(error)".contains("quantization_config.bits") && "\(error)".contains(message)
            }
        }
    }

    @Test("The context window is max_position_embeddings, stretched by rope_scaling as serving engines read it")
    func contextWindow() throws {
        let catalog = try models()
        // DeepSeek: YaRN, 40 x 4,096 original positions = 163,840 (also its max_position_embeddings).
        #expect(try catalog.model("deepseek-r1").contextWindow == 163_840)
        // Llama 3.1: its rope scaling is already inside max_position_embeddings.
        #expect(try catalog.model("llama-3.1-8b").contextWindow == 131_072)
        #expect(try catalog.model("qwen3-235b-a22b").contextWindow == 40_960)
        var config = small("qwen3")
        #expect(try ModelCatalog.model(inline: config, name: "small").contextWindow == nil, "no max_position_embeddings: not stated")
        config.maxPositionEmbeddings = 40_960
        config.ropeScaling = .init(ropeType: "yarn", factor: 4, originalMaxPositionEmbeddings: 32_768)
        #expect(try ModelCatalog.model(inline: config, name: "small").contextWindow == 131_072)
        config.ropeScaling = .init(ropeType: "linear", factor: 2)
        #expect(try ModelCatalog.model(inline: config, name: "small").contextWindow == 81_920)
        config.ropeScaling = .init(ropeType: "yarn", factor: 0.5, originalMaxPositionEmbeddings: 32_768)
        #expect {
            try ModelCatalog.model(inline: config, name: "small")
        } throws: { error in
            "\(error)".contains("rope_scaling.factor")
        }
    }

    @Test("Huge but allowed sizes are counted in floating point: no overflow")
    func hugeSizes() throws {
        var config = small("qwen3")
        config.hiddenSize = 1 << 31
        config.numAttentionHeads = 1 << 30
        config.numKeyValueHeads = 1 << 30
        let huge = try ModelCatalog.model(inline: config, name: "huge")
        // 2 layers x (K and V) x 2^30 heads of dimension 2 x 2 bytes.
        #expect(huge.kvCacheBytesPerToken(.bf16).bytes == 2 * 2 * Double(1 << 30) * 2 * 2)
        #expect(huge.parameters.total > 1e18)
    }

    /// A two-layer model of `type` small enough to count by hand: d 64, 4 heads, FFN 128, vocabulary 100.
    func small(_ type: String) -> HFConfig {
        var config = HFConfig()
        config.modelType = type
        config.hiddenSize = 64
        config.numHiddenLayers = 2
        config.numAttentionHeads = 4
        config.intermediateSize = 128
        config.vocabSize = 100
        return config
    }

    @Test("DeepSeek-V3 caches 70,272 bytes per token in BF16 (61 layers x 576 x 2)")
    func deepSeekKV() throws {
        let model = try models().model("deepseek-v3")
        #expect(model.kvCacheBytesPerToken(.bf16).bytes == 70_272)
        #expect(model.kvCacheBytesPerToken(.fp8).bytes == 35_136)
    }

    @Test("GQA KV cache: layers x 2 x kv heads x head dim x bytes", arguments: [
        ("llama-3.1-8b", 32 * 2 * 8 * 128 * 2), ("llama-3.1-70b", 80 * 2 * 8 * 128 * 2), ("qwen3-235b-a22b", 94 * 2 * 4 * 128 * 2),
    ])
    func gqaKV(name: String, bytes: Int) throws {
        #expect(try models().model(name).kvCacheBytesPerToken(.bf16).bytes == Double(bytes))
    }

    @Test("Weights scale with precision", arguments: ["llama-3.1-70b", "deepseek-v3"])
    func weightBytes(name: String) throws {
        let model = try models().model(name)
        #expect(model.weightBytes(.bf16).bytes.isApproximatelyEqual(to: 2 * model.parameters.total))
        #expect(model.weightBytes(.fp8).bytes.isApproximatelyEqual(to: model.parameters.total))
        // The 4-bit formats carry their scales: NVFP4 a byte per 16 weights, INT4 2 bytes per group of 128.
        #expect(model.weightBytes(.fp4).bytes.isApproximatelyEqual(to: model.parameters.total * (0.5 + 1.0 / 16)))
        #expect(model.weightBytes(.int4).bytes.isApproximatelyEqual(to: model.parameters.total * (0.5 + 2.0 / 128)))
    }

    @Test("FLOPs per token grow with context and start at twice the active matmul weights", arguments: [
        "llama-3.1-8b", "deepseek-v3", "mixtral-8x7b", "qwen3-235b-a22b",
    ])
    func flops(name: String) throws {
        let model = try models().model(name)
        #expect(model.forwardFLOPsPerToken(contextLength: 0).isApproximatelyEqual(to: 2 * model.activeMatmulParameters))
        #expect(model.forwardFLOPsPerToken(contextLength: 4096) > model.forwardFLOPsPerToken(contextLength: 1024))
    }

    @Test("Llama-3.1-8B FLOPs by hand at 4,096 tokens of context")
    func llamaFLOPsByHand() throws {
        let model = try models().model("llama-3.1-8b")
        let d = 4096.0
        let perLayer = d * 4096 + 2 * d * 1024 + 4096 * d + 3 * d * 14336
        let matmul = 32 * perLayer + 128_256 * d
        let attention = 32 * 4 * 4096 * 4096.0
        #expect(model.forwardFLOPsPerToken(contextLength: 4096).isApproximatelyEqual(to: 2 * matmul + attention, relativeTolerance: 1e-12))
    }
}

@Suite("Model configs")
struct ModelConfigTests {
    func write(_ text: String, name: String = "config.json") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("supernode-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    let tiny = """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
         "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 100,
         "bos_token_id": 1, "rope_scaling": null, "tie_word_embeddings": true}
        """

    @Test("A tiny config by hand, read from a file and from its folder; extra fields are ignored")
    func tinyByHand() throws {
        let path = try write(tiny)
        let catalog = try models()
        for reference in [path, (path as NSString).deletingLastPathComponent] {
            let model = try catalog.model(reference)
            // attention: q 64x64, k,v 64x32 each, o 64x64; ffn 3x64x128; norms 2x64 per layer; final norm 64.
            let attention: Double = 64 * 64 + 2 * 64 * 32 + 64 * 64
            let perLayer: Double = attention + 3 * 64 * 128 + 2 * 64
            let expected: Double = 2 * perLayer + 64 + 100 * 64
            #expect(model.parameters.total == expected)
            #expect(model.parameters.outputHead == 0, "tied embeddings have no separate head")
            let kvBytes: Double = 2 * 2 * 2 * 16 * 2
            #expect(model.kvCacheBytesPerToken(.bf16).bytes == kvBytes)
        }
    }

    @Test("Inline GPT models take Megatron defaults: 4h GELU FFN with biases, learned positions")
    func gptInline() throws {
        var config = HFConfig()
        config.architecture = "gpt"
        config.hiddenSize = 12288
        config.numHiddenLayers = 96
        config.numAttentionHeads = 96
        config.vocabSize = 51200
        config.maxPositionEmbeddings = 2048
        let model = try ModelCatalog.model(inline: config, name: "gpt3")
        // GPT-3 175B: 12·l·h² dominates; the published count is 175B.
        #expect(Published(value: 175e9, lastDigit: 1e9).matches(model.parameters.total))
        #expect(model.ffn.intermediateSize == 4 * 12288)
    }

    @Test("A Hugging Face GPT-2 config reads with its own field names: 124M parameters, tied head")
    func gpt2() throws {
        let path = try write(#"{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_embd": 768, "n_layer": 12, "n_head": 12, "n_positions": 1024, "vocab_size": 50257}"#)
        let model = try models().model(path)
        #expect(model.family == .gpt)
        #expect(model.tiedEmbeddings)
        #expect(abs(model.parameters.total - 124.44e6) < 0.01e6, "GPT-2 small has 124,439,808 parameters")
    }

    @Test("Unknown architectures list the known ones")
    func unknownArchitecture() throws {
        let path = try write(tiny.replacingOccurrences(of: "\"model_type\": \"llama\"", with: "\"model_type\": \"mamba\""))
        do {
            _ = try models().model(path)
            Issue.record("mamba was accepted")
        } catch {
            #expect(error.description.contains("unknown architecture 'mamba'. Known architectures (model_type): llama, mistral, mixtral"))
        }
    }

    @Test("Missing and out-of-range fields are named", arguments: [
        ("\"hidden_size\": 64,", "", "missing field 'hidden_size'"),
        ("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3", "3 key/value heads do not divide 4 attention heads"),
        ("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 0", "num_hidden_layers: must be positive"),
        ("\"vocab_size\": 100", "\"vocab_size\": \"lots\"", "expected a whole number, found 'lots'"),
        // Sizes no model has, which would overflow the counts: refused, not a crash.
        ("\"hidden_size\": 64", "\"hidden_size\": 4611686018427387904", "hidden_size: must be at most 2,147,483,648"),
        ("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 100000000", "num_hidden_layers: must be at most 65,536"),
    ])
    func badFields(find: String, replace: String, message: String) throws {
        let path = try write(tiny.replacingOccurrences(of: find, with: replace))
        do {
            _ = try models().model(path)
            Issue.record("a bad config was accepted")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test("Unknown model names list the catalog")
    func unknownModel() throws {
        #expect(throws: WorkloadError.self) { try models().model("llama-5") }
        do { _ = try models().model("llama-5") } catch {
            #expect(error.description.contains("Known models: deepseek-r1, deepseek-v3"))
        }
    }

    @Test("A catalog of only the named model reads its file; other references load the whole catalog")
    func onlyTheNamedModel() throws {
        let partial = try ModelCatalog.builtIn(only: "deepseek-r1")
        #expect(partial.names == ["deepseek-r1"])
        #expect(try partial.model("deepseek-r1") == (try models().model("deepseek-r1")))
        for reference in ["llama-5", "../models/deepseek-r1", ""] {
            #expect(try ModelCatalog.builtIn(only: reference).names == (try models().names))
        }
        do { _ = try ModelCatalog.builtIn(only: "llama-5").model("llama-5") } catch {
            #expect(error.description.contains("Known models: deepseek-r1, deepseek-v3"))
        }
    }

    @Test("A config that is not JSON names the line")
    func brokenJSON() throws {
        let path = try write("{\n  \"hidden_size\": 64,\n  \"layers\": [1, 2\n}\n")
        do {
            _ = try models().model(path)
            Issue.record("broken JSON was accepted")
        } catch {
            guard case let .file(fileError) = error else { Issue.record("expected a file error"); return }
            #expect(fileError.line != nil)
            #expect(fileError.description.hasPrefix(path))
        }
    }
}
