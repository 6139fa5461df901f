import Dispatch
import Foundation

/// Times collectives as nccl-tests does: per operation and size, the time, the algorithm bandwidth
/// (size / time) and the bus bandwidth (algorithm bandwidth times the share of data each rank must move:
/// 2(n−1)/n for all-reduce, (n−1)/n for all-gather, reduce-scatter and all-to-all, 1 for broadcast).
public enum CollectiveBenchmark {
    public enum Operation: String, Sendable, CaseIterable, Codable {
        case allReduce = "all_reduce", allGather = "all_gather", reduceScatter = "reduce_scatter", allToAll = "all_to_all", broadcast

        /// Bus bandwidth over algorithm bandwidth for `ranks` ranks.
        public func busFactor(ranks: Int) -> Double {
            let n = Double(ranks)
            switch self {
            case .allReduce: return n > 1 ? 2 * (n - 1) / n : 0
            case .allGather, .reduceScatter, .allToAll: return n > 1 ? (n - 1) / n : 0
            case .broadcast: return 1
            }
        }
    }

    public struct Row: Sendable, Hashable, Codable {
        public var operation: Operation
        /// Bytes of the operation's total buffer (the nccl-tests "size").
        public var bytes: Int
        public var seconds: Double
        public var iterations: Int
        public var algorithmBandwidth: Double { Double(bytes) / seconds }
        public var busBandwidth: Double
        public var algorithm: String?
    }

    /// Runs `operation` at `bytes` on `comm` (all ranks) and returns the slowest rank's mean time.
    public static func measure(_ operation: Operation, bytes: Int, on comm: any Communicator, minimumSeconds: Double = 0.2,
                               maximumIterations: Int = 1000) throws(CommunicatorError) -> Row {
        let ranks = comm.size
        let count = max(ranks, (bytes / 4 / ranks) * ranks)
        var buffer = [Float](repeating: 1, count: count)
        let block = Array(buffer.prefix(count / ranks))
        func once() throws(CommunicatorError) {
            switch operation {
            case .allReduce: try comm.allReduce(&buffer)
            case .allGather: _ = try comm.allGather(block)
            case .reduceScatter: _ = try comm.reduceScatter(buffer)
            case .allToAll: _ = try comm.allToAll(buffer)
            case .broadcast: try comm.broadcast(&buffer, root: 0)
            }
        }
        try once()
        try comm.barrier()
        var iterations = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        // Every rank runs the same number of iterations: rank 0 decides when to stop.
        while true {
            try once()
            iterations += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            var stop: [Float] = [comm.rank == 0 && (elapsed >= minimumSeconds || iterations >= maximumIterations) ? 1 : 0]
            if iterations % 4 == 0 || iterations >= maximumIterations {
                try comm.broadcast(&stop, root: 0)
                if stop[0] == 1 { break }
            }
        }
        let times = try comm.allGather([Float(elapsed / Double(iterations))])
        let seconds = Double(times.max() ?? 0)
        let algorithm = (comm as? InProcessCommunicator).map { operation == .allReduce ? $0.lastAlgorithm.rawValue : "direct" }
        let size = count * 4
        return Row(operation: operation, bytes: size, seconds: seconds, iterations: iterations,
                   busBandwidth: Double(size) / seconds * operation.busFactor(ranks: ranks), algorithm: algorithm)
    }

    /// Copy bandwidth with `threads` threads each copying its own `bytes` buffer: bytes copied per second, all
    /// threads together (as memcpy benchmarks report it; the memory traffic is twice that).
    public static func memcpyBandwidth(bytes: Int, threads: Int, repetitions: Int = 10) -> Double {
        let count = bytes / 4
        let group = DispatchGroup()
        let times = Times(count: threads)
        for thread in 0..<threads {
            group.enter()
            let worker = Thread {
                let source = [Float](repeating: 1, count: count)
                var target = [Float](repeating: 0, count: count)
                source.withUnsafeBufferPointer { from in
                    target.withUnsafeMutableBufferPointer { to in
                        memcpy(to.baseAddress!, from.baseAddress!, bytes)
                        let start = DispatchTime.now().uptimeNanoseconds
                        for _ in 0..<repetitions { memcpy(to.baseAddress!, from.baseAddress!, bytes) }
                        times.set(thread, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    }
                }
                group.leave()
            }
            worker.start()
        }
        group.wait()
        let slowest = times.values.max() ?? 1
        return Double(bytes * repetitions * threads) / slowest
    }

    final class Times: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var values: [Double]
        init(count: Int) { values = Array(repeating: 0, count: count) }
        func set(_ index: Int, _ value: Double) { lock.lock(); values[index] = value; lock.unlock() }
    }
}
