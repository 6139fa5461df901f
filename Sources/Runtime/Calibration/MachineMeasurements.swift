import Dispatch
import Foundation
import Units

/// Kernel and communication timings of this machine, measured the way the runtime runs: one rank per core,
/// one BLAS thread per rank.
public struct MachineMeasurements: Sendable, Hashable, Codable {
    public struct GEMM: Sendable, Hashable, Codable {
        public var m: Int, k: Int, n: Int
        public var seconds: Double
    }

    public struct Attention: Sendable, Hashable, Codable {
        public var queries: Int, context: Int, heads: Int, kvHeads: Int, headDim: Int
        public var seconds: Double
        /// 4·heads·headDim per query and visible key (scores and values); causal within the new queries.
        public var flops: Double {
            var visible = 0.0
            for query in 0..<queries { visible += Double(context - queries + query + 1) }
            return 4 * Double(heads * headDim) * visible
        }
        /// Bytes a decode step's attention moves (the cost model's count): the keys and values of the whole
        /// context, and each query and output row.
        public var bytes: Double { Double(4 * (context * 2 * kvHeads * headDim + queries * 2 * heads * headDim)) }
    }

    public struct Elementwise: Sendable, Hashable, Codable {
        public var name: String
        public var bytes: Double
        public var seconds: Double
    }

    public struct Collective: Sendable, Hashable, Codable {
        public var operation: String
        public var ranks: Int
        /// Bytes each rank sends.
        public var bytesPerRank: Int
        public var seconds: Double
    }

    public var processor: String
    public var cores: Int
    public var memoryBytes: Double
    /// Single-thread FP32 GEMMs through OpenBLAS.
    public var gemms: [GEMM]
    /// Bytes one thread copies per second while every core copies (its share of the memory system).
    public var copyBytesPerSecondPerThread: Double
    public var attention: [Attention]
    public var elementwise: [Elementwise]
    public var collectives: [Collective]
}

extension MachineMeasurements {
    /// Each timing the median over `rounds` (measurements of the same shapes), and the median copy rate.
    public static func median(_ rounds: [MachineMeasurements]) -> MachineMeasurements {
        precondition(!rounds.isEmpty, "at least one round")
        func middle(_ values: [Double]) -> Double { values.median }
        var result = rounds[0]
        for index in result.gemms.indices { result.gemms[index].seconds = middle(rounds.map { $0.gemms[index].seconds }) }
        for index in result.attention.indices { result.attention[index].seconds = middle(rounds.map { $0.attention[index].seconds }) }
        for index in result.elementwise.indices { result.elementwise[index].seconds = middle(rounds.map { $0.elementwise[index].seconds }) }
        for index in result.collectives.indices { result.collectives[index].seconds = middle(rounds.map { $0.collectives[index].seconds }) }
        result.copyBytesPerSecondPerThread = middle(rounds.map(\.copyBytesPerSecondPerThread))
        return result
    }
}

extension Array where Element == Double {
    /// The middle value, or the mean of the two middle values of an even count (0 when empty).
    public var median: Double {
        guard !isEmpty else { return 0 }
        let sorted = self.sorted(), half = count / 2
        return count % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2
    }
}

/// Measures this machine into ``MachineMeasurements``.
public enum Calibrator {
    /// Mean seconds per call of `body`, repeated for at least `window` seconds after one warm-up call: a
    /// sustained rate, as a step sees it, rather than the best burst.
    static func time(window: Double = 0.05, _ body: () -> Void) -> Double {
        body()
        var calls = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            body()
            calls += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < window
        return elapsed / Double(calls)
    }

    /// (queries, context): prefill chunks on the GEMM path and single-query decode steps on the vector loops;
    /// the quick set keeps one of each.
    static let attentionShapes = [(32, 32), (1, 64), (8, 512), (64, 64), (1, 256)]

    struct KernelTimes: Sendable {
        var gemms: [Double] = []
        var attention: [Double] = []
        var elementwise: [Double] = []
    }

    /// GEMM shapes: square ones and the runtime model's projections and experts.
    public static let gemmShapes: [(Int, Int, Int)] = [
        (1, 384, 384), (8, 384, 384), (32, 384, 384), (128, 384, 384), (256, 384, 384), (512, 384, 384),
        (8, 384, 256), (64, 384, 256), (256, 384, 256), (256, 256, 384), (1024, 384, 256),
        (256, 256, 256), (512, 512, 512), (1024, 1024, 1024),
    ]

    /// - Parameters:
    ///   - reuseBytes: the bytes one rank reads between two uses of the same weights in a step (its share of
    ///     the model); each GEMM and attention shape cycles through copies of its operands adding up to that,
    ///     so the caches hold as much of them as they would in a run.
    ///   - quick: fewer shapes and shorter timings: a fast, rougher calibration for checks.
    public static func measure(ranks: Int, processor: String, memoryBytes: Double, reuseBytes: Int, quick: Bool = false) throws -> MachineMeasurements {
        let gemmShapes = quick ? Array(Self.gemmShapes.prefix(4)) : Self.gemmShapes
        let attentionShapes = quick ? Array(Self.attentionShapes.prefix(2)) : Self.attentionShapes
        // Kernels run on every rank at once, as in a run (cores that share an execution unit or a memory
        // channel slow each other); the slowest rank's time counts.
        let kernels = try InProcessCluster.run(ranks: ranks, timeout: 300) { comm -> KernelTimes in
            var generator = SeededGenerator(seed: 5 + UInt64(comm.rank))
            func timed(_ body: () -> Double) throws(CommunicatorError) -> Double {
                try comm.barrier()
                let seconds = body()
                return Double(try comm.allGather([Float(seconds)]).max() ?? 0)
            }
            var times = KernelTimes()
            for (m, k, n) in gemmShapes {
                let a = Tensor.random([m, k], scale: 1, using: &generator)
                let copies = max(1, min(256, reuseBytes / (k * n * 4)))
                let weights = (0..<copies).map { _ in Tensor.random([k, n], scale: 1, using: &generator) }
                var next = 0
                times.gemms.append(try timed {
                    time(window: quick ? 0.01 : 0.05) {
                        _ = BLAS.matmul(a, weights[next % copies])
                        next += 1
                    }
                })
            }
            for (queries, context) in attentionShapes {
                let heads = 24, kvHeads = 12, headDim = 16
                let q = Tensor.random([queries, heads * headDim], scale: 1, using: &generator)
                let copies = max(1, min(256, reuseBytes / (2 * context * kvHeads * headDim * 4)))
                let caches = (0..<copies).map { _ in
                    (Tensor.random([context, kvHeads * headDim], scale: 1, using: &generator),
                     Tensor.random([context, kvHeads * headDim], scale: 1, using: &generator))
                }
                var next = 0
                times.attention.append(try timed {
                    time(window: quick ? 0.01 : 0.05) {
                        let (k, v) = caches[next % copies]
                        next += 1
                        _ = Kernels.causalAttention(q: q, k: k, v: v, heads: heads, kvHeads: kvHeads, headDim: headDim, offset: context - queries)
                    }
                })
            }
            let rows = 1024, width = 384
            let x = Tensor.random([rows, width], scale: 1, using: &generator)
            let fused = Tensor.random([rows, 2 * width], scale: 1, using: &generator)
            let weight = Tensor(shape: [width], values: Array(repeating: 1, count: width))
            times.elementwise = [
                try timed { time(window: quick ? 0.01 : 0.05) { _ = Kernels.rmsNorm(x, weight: weight) } },
                try timed { time(window: quick ? 0.01 : 0.05) { _ = Kernels.swiglu(fused: fused) } },
                try timed { time(window: quick ? 0.01 : 0.05) { _ = x + x } },
            ]
            return times
        }[0]
        let gemms = zip(gemmShapes, kernels.gemms).map { shape, seconds in MachineMeasurements.GEMM(m: shape.0, k: shape.1, n: shape.2, seconds: seconds) }
        let attention = zip(attentionShapes, kernels.attention).map { shape, seconds in
            MachineMeasurements.Attention(queries: shape.0, context: shape.1, heads: 24, kvHeads: 12, headDim: 16, seconds: seconds)
        }
        let rows = 1024, width = 384
        let elementwise = zip([("rmsnorm", 2), ("swiglu", 3), ("add", 3)], kernels.elementwise).map { entry, seconds in
            MachineMeasurements.Elementwise(name: entry.0, bytes: Double(rows * width * 4 * entry.1), seconds: seconds)
        }
        let copyBytes = quick ? 4 << 20 : 32 << 20
        let copy = CollectiveBenchmark.memcpyBandwidth(bytes: copyBytes, threads: ranks, repetitions: 5) / Double(ranks)

        let collectives = try InProcessCluster.run(ranks: ranks, timeout: 60) { comm -> [MachineMeasurements.Collective] in
            var out: [MachineMeasurements.Collective] = []
            for bytes in [64, 1 << 20] {
                let row = try CollectiveBenchmark.measure(.allReduce, bytes: bytes, on: comm, minimumSeconds: quick ? 0.01 : 0.1)
                out.append(.init(operation: "all_reduce", ranks: comm.size, bytesPerRank: row.bytes, seconds: row.seconds))
                let blocks = Array(repeating: [Float](repeating: 1, count: max(1, bytes / 4 / comm.size)), count: comm.size)
                _ = try comm.allToAllV(blocks)
                try comm.barrier()
                var iterations = 0
                let start = DispatchTime.now().uptimeNanoseconds
                repeat {
                    _ = try comm.allToAllV(blocks)
                    iterations += 1
                } while iterations < 20
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(iterations)
                let slowest = Double(try comm.allGather([Float(seconds)]).max() ?? 0)
                out.append(.init(operation: "all_to_all_v", ranks: comm.size, bytesPerRank: blocks.count * blocks[0].count * 4, seconds: slowest))
            }
            return out
        }[0]

        return MachineMeasurements(
            processor: processor, cores: ranks, memoryBytes: memoryBytes, gemms: gemms, copyBytesPerSecondPerThread: copy,
            attention: attention, elementwise: elementwise, collectives: collectives)
    }
}
