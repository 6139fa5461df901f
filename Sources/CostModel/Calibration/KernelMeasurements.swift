import Units

/// Kernel timings from one device, in the format of `h200-pytorch-microbench.json`: device-to-device copies,
/// BF16 GEMMs over LLM shapes, FP8 against BF16 GEMMs, and GQA decode attention.
public struct KernelMeasurements: Sendable, Hashable, Codable {
    public var description: String
    public var device: Device
    public var copyDeviceToDevice: [Copy]
    public var gemmBf16: [GEMM]
    public var gemmFp8VsBf16: [GEMMPair]
    public var attentionDecodeGqaBf16: DecodeAttention

    public struct Device: Sendable, Hashable, Codable {
        public var name: String
        public var torch: String?
        public var cuda: String?
    }

    /// A copy of `mib` MiB taking `s` seconds (bytes read plus written move at 2 x size / s).
    public struct Copy: Sendable, Hashable, Codable {
        public var mib: Double
        public var s: Double
    }

    /// C[M,N] = A[M,K] x B[K,N] taking `s` seconds.
    public struct GEMM: Sendable, Hashable, Codable {
        public var tag: String
        public var M: Int
        public var K: Int
        public var N: Int
        public var s: Double

        enum CodingKeys: String, CodingKey { case tag, M, K, N, s }
    }

    /// The same shape in FP8 and in BF16.
    public struct GEMMPair: Sendable, Hashable, Codable {
        public var tag: String
        public var M: Int
        public var K: Int
        public var N: Int
        public var fp8S: Double
        public var bf16S: Double

        enum CodingKeys: String, CodingKey { case tag, M, K, N, fp8S, bf16S }
    }

    public struct DecodeAttention: Sendable, Hashable, Codable {
        public var note: String
        public var rows: [Row]

        /// B sequences of one query token over L cached tokens: 32 query heads, 8 KV heads, head dim 128.
        public struct Row: Sendable, Hashable, Codable {
            public var B: Int
            public var L: Int
            public var s: Double

            enum CodingKeys: String, CodingKey { case B, L, s }
        }
    }
}
