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

/// A published table of GEMM rates on one chip (`deepgemm-h800-fp8.json`): each row a shape, plain or grouped
/// over experts, and the FLOP rate its kernel reached.
public struct PublishedGEMMTable: Sendable, Hashable, Codable {
    public var description: String
    public var source: String
    /// The catalog chip the figures were measured on.
    public var chip: String
    public var precision: Precision
    public var rows: [Row]

    /// `groups` GEMMs of m x k by k x n (one per expert; 1 for a plain GEMM) at `tflops`.
    public struct Row: Sendable, Hashable, Codable {
        public var layout: String
        public var groups: Int
        public var m: Int
        public var n: Int
        public var k: Int
        public var tflops: Double

        /// Seconds for one group's GEMM: the whole kernel's time shared evenly by its groups.
        public var secondsPerGroup: Double { 2 * Double(m) * Double(n) * Double(k) / (tflops * 1e12) }
    }
}

/// A published table of expert dispatch and combine latencies on one system
/// (`cloudmatrix384-moe-exchange.json`): each row an operation, an expert-parallel group size and its time.
public struct PublishedExchangeTable: Sendable, Hashable, Codable {
    public var description: String
    public var source: String
    /// The catalog system and ranks per chip the figures were measured on.
    public var system: String
    public var ranksPerChip: Int
    public var tokensPerRank: Int
    public var hidden: Int
    public var topK: Int
    public var dispatchPrecision: Precision
    public var combinePrecision: Precision
    public var rows: [Row]

    public struct Row: Sendable, Hashable, Codable {
        public var operation: ExchangeOperation
        public var ranks: Int
        public var latencyUs: Double
        /// Tokens per rank when the row differs from the table's.
        public var tokensPerRank: Int?
        /// A row kept out of fits so that it stays a check (a validation case, or a figure the fit should reproduce).
        public var check: Bool?
    }
}

/// Kernel timings taken by `scripts/device/h200-kernels.py` (format `supernode-kernels/1`): the kernels the
/// microbenchmark set leaves out. This type reads the sections the fits use: launch cost, the microbenchmark's
/// GEMMs eager and replayed from a CUDA graph, and causal prefill attention per backend.
public struct KernelTimings: Sendable, Hashable, Codable {
    public var format: String
    public var description: String
    public var device: KernelMeasurements.Device
    public var sections: Sections

    public struct Sections: Sendable, Hashable, Codable {
        public var launch: Launch?
        public var gemmGraph: GEMMGraph?
        public var prefillAttention: PrefillAttention?
    }

    /// One tiny kernel: launched eagerly one after another, and replayed from a graph.
    public struct Launch: Sendable, Hashable, Codable {
        public var eagerS: Double
        public var graphS: Double
    }

    public struct GEMMGraph: Sendable, Hashable, Codable {
        public var bf16: [Row]

        /// C[M,N] = A[M,K] x B[K,N]: seconds a call, eager and from a graph.
        public struct Row: Sendable, Hashable, Codable {
            public var tag: String
            public var M: Int
            public var K: Int
            public var N: Int
            public var eagerS: Double
            public var graphS: Double

            enum CodingKeys: String, CodingKey { case tag, M, K, N, eagerS, graphS }
        }
    }

    public struct PrefillAttention: Sendable, Hashable, Codable {
        public var gqa128: Shape?
        public var mlaPrefill: Shape?

        /// `heads` query heads with `dqk`-wide queries and keys and `dv`-wide values, causal.
        public struct Shape: Sendable, Hashable, Codable {
            public var heads: Int
            public var dqk: Int
            public var dv: Int
            public var rows: [Row]
        }

        /// One sequence length: `sequences` of `tokens` each, per backend the seconds it took (absent where the
        /// backend refused the shape).
        public struct Row: Sendable, Hashable, Codable {
            public var sequences: Int
            public var tokens: Int
            public var cudnn: Backend?
            public var flash: Backend?
            public var efficient: Backend?

            public struct Backend: Sendable, Hashable, Codable {
                public var s: Double?
            }

            /// The fastest backend's seconds.
            public var fastest: Double? { [cudnn, flash, efficient].compactMap { $0?.s }.min() }
        }
    }
}
