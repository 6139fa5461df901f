import Units

/// Two resources, compute and network, and micro-batches whose tasks alternate between them.
///
/// Each micro-batch is a chain of tasks in program order (attention, dispatch, experts, combine, next
/// layer's attention, ...). A task starts when its predecessor in the chain has finished and its resource
/// is free; among tasks that could start, the earliest goes first, ties to the lower micro-batch. With two
/// micro-batches this gives the ping-pong of DeepSeek's and CloudMatrix-Infer's overlap: one micro-batch's
/// dispatch and combine run while the other computes. With one micro-batch nothing overlaps.
public struct MicrobatchSchedule: Sendable {
    public enum Resource: Int, Sendable, Hashable { case compute = 0, network = 1 }

    public struct Task: Sendable, Hashable {
        public var name: String
        public var resource: Resource
        public var duration: TimeSpan
        public init(_ name: String, _ resource: Resource, _ duration: TimeSpan) {
            self.name = name
            self.resource = resource
            self.duration = duration
        }
    }

    /// The outcome: when everything finished, and how long each resource was busy.
    public struct Outcome: Sendable, Hashable {
        public var makespan: TimeSpan
        public var computeBusy: TimeSpan
        public var networkBusy: TimeSpan
        /// Network time that no compute ran alongside: communication the overlap did not hide.
        public var exposedNetwork: TimeSpan
    }

    /// Runs the chains (one per micro-batch) to completion.
    public static func run(_ chains: [[Task]]) -> Outcome {
        var next = Array(repeating: 0, count: chains.count)
        var ready = Array(repeating: 0.0, count: chains.count)
        var free = [0.0, 0.0]
        var busy = [0.0, 0.0]
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
            busy[task.resource.rawValue] += task.duration.seconds
            if task.duration.seconds > 0 {
                if task.resource == .compute { computeIntervals.append((start, end)) } else { networkIntervals.append((start, end)) }
            }
            ready[chain] = end
            next[chain] += 1
        }
        let makespan = ready.max() ?? 0
        // Exposed network time: network intervals minus their overlap with compute intervals.
        var exposed = 0.0
        for (start, end) in networkIntervals {
            var covered = 0.0
            for (computeStart, computeEnd) in computeIntervals {
                covered += max(0, min(end, computeEnd) - max(start, computeStart))
            }
            exposed += max(0, (end - start) - covered)
        }
        return Outcome(makespan: TimeSpan(seconds: makespan), computeBusy: TimeSpan(seconds: busy[0]),
                       networkBusy: TimeSpan(seconds: busy[1]), exposedNetwork: TimeSpan(seconds: exposed))
    }
}
