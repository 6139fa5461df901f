import Dispatch

/// How the runtime spreads the model over ranks.
public enum ParallelLayout: String, Sendable, CaseIterable, Codable {
    /// Everything on one rank (the reference).
    case single
    /// Tensor parallelism: attention heads and every expert's FFN columns split over ranks; two all-reduces per layer.
    case tensor = "tp"
    /// Tensor-parallel attention, then expert parallelism: each rank routes a share of the tokens, dispatches
    /// them to the experts' owners with all-to-all-v, combines the outputs back, and all ranks gather the tokens.
    case expert = "ep"
    /// Data-parallel attention (each rank its own sequences, as DeepSeek and CloudMatrix-Infer deploy it)
    /// in front of expert-parallel MoE.
    case dataExpert = "dp-ep"
}

/// Where a rank's time went in one step.
public struct PhaseTimes: Sendable, Hashable, Codable {
    public var wall: Double = 0
    /// Waiting for the slowest rank to reach a collective.
    public var wait: Double = 0
    /// Inside collectives and point-to-point operations.
    public var communication: Double = 0
    /// Everything else: the kernels.
    public var compute: Double { max(0, wall - wait - communication) }

    public static func + (lhs: PhaseTimes, rhs: PhaseTimes) -> PhaseTimes {
        PhaseTimes(wall: lhs.wall + rhs.wall, wait: lhs.wait + rhs.wait, communication: lhs.communication + rhs.communication)
    }
}

/// Times the phases of one rank: wait (a barrier before each operation) and communication (the operation).
final class PhaseClock: @unchecked Sendable {
    var times = PhaseTimes()
    let measuresWait: Bool

    init(measuresWait: Bool) { self.measuresWait = measuresWait }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    func communicate<T>(_ comm: any Communicator, _ body: () throws(CommunicatorError) -> T) throws(CommunicatorError) -> T {
        if measuresWait {
            let start = Self.now()
            try comm.barrier()
            times.wait += Self.now() - start
        }
        let start = Self.now()
        let result = try body()
        times.communication += Self.now() - start
        return result
    }
}
