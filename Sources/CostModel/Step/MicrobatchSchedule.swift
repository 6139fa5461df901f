import Units

/// Resources that each run one task at a time (compute, network, and a second compute stream), and
/// micro-batches whose tasks move between them.
///
/// Each micro-batch is a chain of tasks in program order (attention, dispatch, experts, combine, next
/// layer's attention, ...). A task starts when its predecessor in the chain has finished and its resource
/// is free; among tasks that could start, the earliest goes first, ties to the lower micro-batch. With two
/// micro-batches on compute and network this gives the ping-pong of DeepSeek's two-batch overlap: one
/// micro-batch's dispatch and combine run while the other computes. With the MoE path (router, dispatch,
/// experts, combine) on a second stream, the attention path of one micro-batch runs alongside the MoE path
/// of the other, as in CANN's decode pipeline. With one micro-batch nothing overlaps.
public struct MicrobatchSchedule: Sendable {
    public enum Resource: Int, Sendable, Hashable, CaseIterable { case compute = 0, network = 1, secondStream = 2 }

    public struct Task: Sendable, Hashable {
        public var name: String
        public var resource: Resource
        public var duration: TimeSpan
        /// Communication rather than compute (by default: what runs on the network).
        public var isCommunication: Bool
        public init(_ name: String, _ resource: Resource, _ duration: TimeSpan, communication: Bool? = nil) {
            self.name = name
            self.resource = resource
            self.duration = duration
            isCommunication = communication ?? (resource == .network)
        }
    }

    /// The outcome: when everything finished, and how long each resource was busy.
    public struct Outcome: Sendable, Hashable {
        public var makespan: TimeSpan
        /// Compute tasks' time, summed over all resources.
        public var computeBusy: TimeSpan
        /// Time in which at least one compute task ran (less than `computeBusy` when streams overlap).
        public var computeUnion: TimeSpan
        /// Communication tasks' time.
        public var networkBusy: TimeSpan
        /// Network time that no compute ran alongside: communication the overlap did not hide.
        public var exposedNetwork: TimeSpan
    }

    /// Runs the chains (one per micro-batch) to completion.
    public static func run(_ chains: [[Task]]) -> Outcome {
        var next = Array(repeating: 0, count: chains.count)
        var ready = Array(repeating: 0.0, count: chains.count)
        var free = Array(repeating: 0.0, count: Resource.allCases.count)
        var computeBusy = 0.0, networkBusy = 0.0
        var computeIntervals: [(Double, Double)] = []
        var networkIntervals: [(Double, Double)] = []
        while true {
            var choice: (chain: Int, start: Double)?
            for chain in chains.indices where next[chain] < chains[chain].count {
                let task = chains[chain][next[chain]]
                let start = max(ready[chain], free[task.resource.rawValue])
                if choice == nil || start < choice!.start - 1e-15 { choice = (chain, start) }
            }
            guard let (chain, start) = choice else { break }
            let task = chains[chain][next[chain]]
            let end = start + task.duration.seconds
            free[task.resource.rawValue] = end
            if task.isCommunication { networkBusy += task.duration.seconds } else { computeBusy += task.duration.seconds }
            if task.duration.seconds > 0 {
                if task.isCommunication { networkIntervals.append((start, end)) } else { computeIntervals.append((start, end)) }
            }
            ready[chain] = end
            next[chain] += 1
        }
        let makespan = ready.max() ?? 0
        // Compute intervals merged (streams may overlap), then the network intervals they do not cover.
        var merged: [(Double, Double)] = []
        for (start, end) in computeIntervals.sorted(by: { $0.0 < $1.0 }) {
            if let last = merged.last, start <= last.1 { merged[merged.count - 1].1 = max(last.1, end) } else { merged.append((start, end)) }
        }
        let union = merged.reduce(0) { $0 + ($1.1 - $1.0) }
        var exposed = 0.0
        for (start, end) in networkIntervals {
            var covered = 0.0
            for (computeStart, computeEnd) in merged {
                covered += max(0, min(end, computeEnd) - max(start, computeStart))
            }
            exposed += max(0, (end - start) - covered)
        }
        return Outcome(makespan: TimeSpan(seconds: makespan), computeBusy: TimeSpan(seconds: computeBusy), computeUnion: TimeSpan(seconds: union),
                       networkBusy: TimeSpan(seconds: networkBusy), exposedNetwork: TimeSpan(seconds: exposed))
    }
}
