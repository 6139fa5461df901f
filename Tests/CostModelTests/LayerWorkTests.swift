import Numerics
import Testing
import Units
@testable import CostModel
@testable import Workload

/// The kernels of a layer's blocks on small shapes, FLOPs and bytes worked out by hand from what each kernel
/// computes and reads (BF16: 2 bytes an element).
@Suite("Layer kernels by hand")
struct LayerWorkTests {
    /// GQA: d 64, 4 heads of 16, 2 KV heads, FFN 128, 2 layers.
    func grouped() throws -> ModelArchitecture {
        var config = HFConfig()
        config.modelType = "llama"
        config.hiddenSize = 64
        config.numHiddenLayers = 2
        config.numAttentionHeads = 4
        config.numKeyValueHeads = 2
        config.intermediateSize = 128
        config.vocabSize = 100
        return try ModelCatalog.model(inline: config, name: "tiny-gqa")
    }

    /// MLA: d 16, 2 heads; q rank 8, latent 4, no-rope 4, rope 2, value 4; 4 routed experts of 8, top-2, 1 shared.
    func latent() throws -> ModelArchitecture {
        var config = HFConfig()
        config.modelType = "deepseek_v3"
        config.hiddenSize = 16
        config.numHiddenLayers = 2
        config.numAttentionHeads = 2
        config.intermediateSize = 32
        config.vocabSize = 100
        config.qLoraRank = 8
        config.kvLoraRank = 4
        config.qkNopeHeadDim = 4
        config.qkRopeHeadDim = 2
        config.vHeadDim = 4
        config.nRoutedExperts = 4
        config.nSharedExperts = 1
        config.numExpertsPerTok = 2
        config.moeIntermediateSize = 8
        config.firstKDenseReplace = 1
        return try ModelCatalog.model(inline: config, name: "tiny-mla")
    }

    func work(_ model: ModelArchitecture, _ phase: Phase, attention: AttentionLayout.Kind = .data, tp: Int = 1, ffn: Int = 1) -> LayerWork {
        LayerWork(model: model, phase: phase, compute: .bf16, cache: .bf16, attentionKind: attention, headParallel: tp, ffnParallel: ffn)
    }

    func kernel(_ kernels: [Kernel], _ name: String) throws -> Kernel {
        try #require(kernels.first { $0.name == name }, "no kernel '\(name)' in \(kernels.map(\.name))")
    }

    @Test("GQA decode: QKV, the core over the KV cache, the output projection")
    func groupedDecode() throws {
        // 8 sequences, one new token each, 100 tokens of context.
        let kernels = work(try grouped(), .decode).attention(tokens: 8, sequences: 8, context: 100)
        let qkv = try kernel(kernels, "qkv projection")
        // 64 -> (4 + 2 + 2) x 16 = 128 columns: 2·8·64·128 FLOPs; weights 64·128, input 8·64 and output 8·128.
        #expect(qkv.flops == 131_072)
        let qkvElements: Double = 64 * 128 + 8 * 64 + 8 * 128
        #expect(qkv.bytes == qkvElements * 2)
        let core = try kernel(kernels, "attention core")
        // Scores and weighted values: 2 x (2·16·100) per head and token, 4 heads, 8 tokens.
        #expect(core.flops == 4 * 4 * 16 * 100 * 8)
        // Each sequence reads its K and V: 100 positions x 2 KV heads x 16 x 2 (K and V); plus q in and the output.
        let cacheBytes: Double = 8 * 100 * 2 * 2 * 16 * 2, queryAndOutput: Double = 8 * 4 * 16 * 2 * 2
        #expect(core.bytes == cacheBytes + queryAndOutput)
        #expect(core.causalLength == nil)
        let output = try kernel(kernels, "output projection")
        #expect(output.flops == 2 * 8 * 64 * 64)
        let outputElements: Double = 64 * 64 + 8 * 64 + 8 * 64
        #expect(output.bytes == outputElements * 2)
    }

    @Test("GQA prefill: causal attention over the mean context (P + 1) / 2, the kernel told the prompt length")
    func groupedPrefill() throws {
        // One 8-token prompt: the mean token attends over 4.5 positions.
        let kernels = work(try grouped(), .prefill).attention(tokens: 8, sequences: 1, context: 4.5)
        let core = try kernel(kernels, "attention core")
        #expect(core.flops == 4 * 4 * 16 * 4.5 * 8)
        // Reads q, k, v and writes the output once per token (the flash-attention form): (4 + 2 + 2 + 4) x 16.
        let flashBytes: Double = 8 * (4 + 2 + 2 + 4) * 16 * 2
        #expect(core.bytes == flashBytes)
        #expect(core.causalLength == 8)
    }

    @Test("GQA with tensor parallelism: each rank has its share of the heads and every token")
    func groupedTensorParallel() throws {
        // TP2: each rank holds 2 heads and 1 KV head, for the group's 2 x 4 tokens.
        let kernels = work(try grouped(), .decode, attention: .tensor, tp: 2).attention(tokens: 4, sequences: 4, context: 100)
        let qkv = try kernel(kernels, "qkv projection")
        #expect(qkv.flops == 2 * 8 * 64 * (2 + 2 * 1) * 16)
        let core = try kernel(kernels, "attention core")
        #expect(core.flops == 4 * 2 * 16 * 100 * 8)
        let cacheBytes: Double = 8 * 100 * 2 * 1 * 16 * 2, queryAndOutput: Double = 8 * 2 * 16 * 2 * 2
        #expect(core.bytes == cacheBytes + queryAndOutput)
    }

    @Test("The LM head: the whole vocabulary per rank, or vocabulary-parallel under tensor-parallel attention with its logits gathered")
    func lmHead() throws {
        let model = try grouped()
        let whole = work(model, .decode).lmHead("LM head", tokens: 4)
        #expect(whole.flops == 2 * 4 * 64 * 100)
        #expect(work(model, .decode).logitsGather(tokens: 4) == nil)
        // TP2: each rank computes its 50 of the 100 vocabulary rows for the group's 8 tokens, reading half the head.
        let split = work(model, .decode, attention: .tensor, tp: 2)
        let head = split.lmHead("LM head", tokens: 4)
        #expect(head.flops == 2 * 8 * 64 * 50)
        let headElements: Double = 64 * 50 + 8 * (64 + 50)
        #expect(head.bytes == headElements * 2)
        // The gathered logits: 8 rows of the whole vocabulary in BF16.
        let gathered: Double = 8 * 100 * 2
        #expect(split.logitsGather(tokens: 4) == gathered)
        // Sampling in FP32 over the whole vocabulary: read BF16, write FP32, the softmax's two reads and its
        // write, one read to sample; 4 rows here, the group's 8 once gathered under TP2. Four kernels.
        let sampling = work(model, .decode).sampling("sampling", tokens: 4)
        #expect(sampling.bytes == 4 * 100 * (2 + 4 + 4 + 4 + 4 + 4))
        #expect(sampling.flops == 0)
        #expect(sampling.launches == 4)
        #expect(split.sampling("sampling", tokens: 4).bytes == 8 * 100 * 22)
    }

    @Test("MLA decode, weight-absorbed: projections, absorbed keys, the core over the latent cache, absorbed values")
    func latentDecode() throws {
        // 2 sequences, one token each, 10 tokens of context.
        let kernels = work(try latent(), .decode).attention(tokens: 2, sequences: 2, context: 10)
        #expect(try kernel(kernels, "q down projection").flops == 2 * 2 * 16 * 8)
        // q up: rank 8 -> 2 heads x (4 + 2).
        #expect(try kernel(kernels, "q up projection").flops == 2 * 2 * 8 * 12)
        // kv down: 16 -> latent 4 + rope key 2.
        #expect(try kernel(kernels, "kv down projection").flops == 2 * 2 * 16 * 6)
        // q_nope (4) times W_UK (4 x 4) per head: reads W_UK for both heads, the q_nope rows, writes latent rows.
        let keys = try kernel(kernels, "absorb keys (q·W_UK)")
        #expect(keys.flops == 2 * 2 * 2 * 4 * 4)
        let keyElements: Double = 2 * 4 * 4 + 2 * 2 * (4 + 4)
        #expect(keys.bytes == keyElements * 2)
        // Scores over latent + rope (6) and values over the latent (4), per head and position.
        let core = try kernel(kernels, "attention core (absorbed MLA)")
        let scores: Double = 2 * 2 * 6 * 10 * 2, weighted: Double = 2 * 2 * 4 * 10 * 2
        #expect(core.flops == scores + weighted)
        // One cache entry of 6 elements per position and sequence (no per-head keys), plus q (6) in and latent out (4).
        let cacheElements: Double = 2 * 10 * 6, rowElements: Double = 2 * 2 * (6 + 4)
        #expect(core.bytes == (cacheElements + rowElements) * 2)
        let values = try kernel(kernels, "absorb values (·W_UV)")
        #expect(values.flops == 2 * 2 * 2 * 4 * 4)
        #expect(try kernel(kernels, "output projection").flops == 2 * 2 * (2 * 4) * 16)
    }

    @Test("MLA prefill, standard form: the latent expanded to per-head keys and values, then causal attention")
    func latentPrefill() throws {
        let kernels = work(try latent(), .prefill).attention(tokens: 8, sequences: 1, context: 4.5)
        // kv up: latent 4 -> 2 heads x (no-rope 4 + value 4).
        #expect(try kernel(kernels, "kv up projection").flops == 2 * 8 * 4 * 16)
        let core = try kernel(kernels, "attention core (MLA)")
        // Scores over q·k of 6 and values of 4 per head, 4.5 positions on average.
        let scores: Double = 2 * 2 * 6 * 4.5 * 8, weighted: Double = 2 * 2 * 4 * 4.5 * 8
        #expect(core.flops == scores + weighted)
        #expect(core.causalLength == 8)
    }

    @Test("SP-TP-SP: the group gathers the latents, splits the heads, and returns each shard's outputs all-to-all")
    func sequenceParallel() throws {
        // Two ranks of 2 tokens each, one head each: the group has 4 tokens.
        let work = work(try latent(), .prefill, attention: .spTpSp, tp: 2)
        let traffic = work.sequenceParallelTraffic(tokens: 2)
        // Gathered: the group's 4 tokens' q latent (8), kv latent (4) and rope key (2) in BF16.
        let gathered: Double = 2 * 2 * (8 + 4 + 2) * 2
        #expect(traffic.gather == gathered)
        // Exchanged: this rank's head (1 of 2) for the group's 4 tokens, value dim 4: 2 tokens x 2 heads x 4 elements.
        let exchanged: Double = 2 * 2 * 4 * 2
        #expect(traffic.exchange == exchanged)
        let kernels = work.attention(tokens: 2, sequences: 2, context: 1.5)
        // The down projections run on the rank's own 2 tokens; the head-split core on the group's 4 rows for 1 head.
        #expect(try kernel(kernels, "q down projection").flops == 2 * 2 * 16 * 8)
        #expect(try kernel(kernels, "q up projection").flops == 2 * 4 * 8 * 6)
        // The output projection runs on the rank's own tokens for every head once the all-to-all returns them.
        #expect(try kernel(kernels, "output projection").flops == 2 * 2 * (2 * 4) * 16)
    }

    @Test("Dense FFN: gate and up as one GEMM, the activation, down; tensor parallelism splits the width")
    func denseFFN() throws {
        let whole = work(try grouped(), .decode).denseFFN(tokens: 8)
        #expect(try kernel(whole, "FFN gate and up").flops == 2 * 8 * 64 * 256)
        #expect(try kernel(whole, "FFN down").flops == 2 * 8 * 128 * 64)
        let downElements: Double = 128 * 64 + 8 * 128 + 8 * 64
        #expect(try kernel(whole, "FFN down").bytes == downElements * 2)
        // TP2 on 4 tokens per rank: the group's 8 rows against half the width.
        let split = work(try grouped(), .decode, ffn: 2).denseFFN(tokens: 4)
        #expect(try kernel(split, "FFN gate and up").flops == 2 * 8 * 64 * 128)
        let splitElements: Double = 64 * 128 + 8 * 64 + 8 * 128
        #expect(try kernel(split, "FFN gate and up").bytes == splitElements * 2)
    }

    @Test("Experts: only experts that receive a copy read weights; the router reads its d x E matrix once")
    func experts() throws {
        let model = try latent()
        let work = work(model, .decode)
        // 3 copies over 4 expert slots: 4 x (1 - (3/4)^3) = 2.3125 experts are expected to receive one.
        let kernels = work.experts("routed experts", tokens: 3, slots: 4)
        let touched = 4 * (1 - 0.75 * 0.75 * 0.75)
        let gateUp = try kernel(kernels, "routed experts gate and up")
        #expect(gateUp.flops == 2 * 3 * 16 * 2 * 8)
        let gateUpElements: Double = touched * 16 * 16 + 3 * (16 + 16)
        #expect(gateUp.bytes.isApproximatelyEqual(to: gateUpElements * 2, relativeTolerance: 1e-12))
        #expect(try kernel(kernels, "routed experts down").flops == 2 * 3 * 8 * 16)
        let router = try kernel(work.routing(tokens: 5), "router and top-k")
        #expect(router.flops == 2 * 5 * 16 * 4)
        let routerBytes: Double = 16 * 4 * 2 + 5 * (16 + 4) * 2
        #expect(router.bytes == routerBytes)
    }

    @Test("Weight-only INT4: GEMMs read 0.5 bytes a weight plus a 2-byte scale per 128, activations stay BF16; the LM head keeps BF16")
    func weightOnly() throws {
        let model = try grouped()
        var int4 = work(model, .decode)
        int4.weightPrecision = .int4
        let stored = 0.5 + 2.0 / 128
        let qkv = try kernel(int4.attention(tokens: 8, sequences: 8, context: 100), "qkv projection")
        #expect(qkv.precision == .bf16)
        #expect(qkv.flops == 131_072)
        #expect(qkv.bytes.isApproximatelyEqual(to: 64 * 128 * stored + (8 * 64 + 8 * 128) * 2, relativeTolerance: 1e-12))
        let down = try kernel(int4.denseFFN(tokens: 8), "FFN down")
        #expect(down.bytes.isApproximatelyEqual(to: 128 * 64 * stored + (8 * 128 + 8 * 64) * 2, relativeTolerance: 1e-12))
        // The LM head: 64 x 100 in BF16 whatever the weights.
        #expect(int4.lmHead("LM head", tokens: 4).bytes == (64 * 100 + 4 * 64 + 4 * 100) * 2)
        // Experts too, when they compute wider than the weights.
        var moe = work(try latent(), .decode)
        moe.weightPrecision = .int4
        let gateUp = try kernel(moe.experts("routed experts", tokens: 3, slots: 4), "routed experts gate and up")
        let touched = 4 * (1 - 0.75 * 0.75 * 0.75)
        #expect(gateUp.bytes.isApproximatelyEqual(to: touched * 16 * 16 * stored + 3 * (16 + 16) * 2, relativeTolerance: 1e-12))
        // Weights no narrower than the compute format change nothing.
        var same = work(model, .decode)
        same.weightPrecision = .bf16
        #expect(try kernel(same.attention(tokens: 8, sequences: 8, context: 100), "qkv projection").bytes == (64 * 128 + 8 * 64 + 8 * 128) * 2)
    }
}
