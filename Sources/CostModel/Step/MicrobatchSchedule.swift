import Units

/// Resources that each run one task at a time (compute, network, and a second compute stream), and
/// micro-batches whose tasks move between them.
///
/// Each micro-batch is a chain of tasks in program order (attention, dispatch, experts, combine, next
/// layer's attention, ...); a task starts when its predecessor in the chain has finished and its resource
/// has finished the task before it. Resources run their tasks in issue order, as in-order streams do: a
/// chain's stages (runs of consecutive tasks on one resource) are issued stage by stage, each stage for
/// every micro-batch in turn. With two micro-batches on compute and network this is DeepSeek's and SGLang's
/// two-batch overlap (attention 0, attention 1, experts 0, experts 1 on compute; dispatch and combine of one
/// under the other's compute). With the MoE path (router, dispatch, experts, combine) on a second stream,
/// one micro-batch's attention runs alongside the other's MoE path, as in CANN's decode pipeline. With one
/// micro-batch nothing overlaps.
public struct MicrobatchSchedule: Sendable {
    public enum Resource: Int, Sendable, Hashable, CaseIterable { case compute = 0, network = 1, secondStream = 2 }

    public struct Task: Sendable, Hashable {
        public var name: String
        public var resource: Resource
        public var duration: TimeSpan
        /// Communication rather than compute (by default: what runs on the network).
        public var isCommunication: Bool
        /// The model layer the task belongs to, when it belongs to one.
        public var layer: Int?
        public init(_ name: String, _ resource: Resource, _ duration: TimeSpan, communication: Bool? = nil, layer: Int? = nil) {
            self.name = name
            self.resource = resource
            self.duration = duration
            isCommunication = communication ?? (resource == .network)
            self.layer = layer
        }
    }

    /// When one task ran: for timelines.
    public struct Interval: Sendable, Hashable {
        public var name: String
        public var resource: Resource
        /// The micro-batch whose chain the task is in (nil for work after the layers).
        public var microbatch: Int?
        public var layer: Int?
        public var start: TimeSpan
        public var end: TimeSpan
        public var isCommunication: Bool

        public init(name: String, resource: Resource, microbatch: Int?, layer: Int?, start: TimeSpan, end: TimeSpan, isCommunication: Bool) {
            self.name = name
            self.resource = resource
            self.microbatch = microbatch
            self.layer = layer
            self.start = start
            self.end = end
            self.isCommunication = isCommunication
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
        /// Every task with a duration, when the run recorded them.
        public var intervals: [Interval] = []
        /// Time in which no compute ran: communication the overlap did not hide, and waits.
        public var exposed: TimeSpan { makespan - computeUnion }
    }

    /// Runs the chains (one per micro-batch, all of the same shape) to completion; with `recording`, the
    /// outcome lists when each task ran.
    public static func run(_ chains: [[Task]], recording: Bool = false) -> Outcome {
        // Issue order: (stage, micro-batch, position), a topological order of the chains.
        var order: [(stage: Int, chain: Int, position: Int)] = []
        for (chain, tasks) in chains.enumerated() {
            var stage = 0
            for position in tasks.indices {
                if position > 0, tasks[position].resource != tasks[position - 1].resource { stage += 1 }
                order.append((stage, chain, position))
            }
        }
        order.sort { ($0.stage, $0.chain, $0.position) < ($1.stage, $1.chain, $1.position) }
        var ready = Array(repeating: 0.0, count: chains.count)
        var free = Array(repeating: 0.0, count: Resource.allCases.count)
        var computeBusy = 0.0, networkBusy = 0.0
        var computeIntervals: [(Double, Double)] = []
        var intervals: [Interval] = []
        for (_, chain, position) in order {
            let task = chains[chain][position]
            let start = max(ready[chain], free[task.resource.rawValue])
            let end = start + task.duration.seconds
            if recording, task.duration.seconds > 0 {
                intervals.append(Interval(name: task.name, resource: task.resource, microbatch: chain, layer: task.layer,
                                          start: TimeSpan(seconds: start), end: TimeSpan(seconds: end), isCommunication: task.isCommunication))
            }
            free[task.resource.rawValue] = end
            if task.isCommunication { networkBusy += task.duration.seconds } else { computeBusy += task.duration.seconds }
            if task.duration.seconds > 0, !task.isCommunication { computeIntervals.append((start, end)) }
            ready[chain] = end
        }
        let makespan = ready.max() ?? 0
        // Compute intervals merged (streams may overlap): the time in which some compute ran.
        var merged: [(Double, Double)] = []
        for (start, end) in computeIntervals.sorted(by: { $0.0 < $1.0 }) {
            if let last = merged.last, start <= last.1 { merged[merged.count - 1].1 = max(last.1, end) } else { merged.append((start, end)) }
        }
        let union = merged.reduce(0) { $0 + ($1.1 - $1.0) }
        return Outcome(makespan: TimeSpan(seconds: makespan), computeBusy: TimeSpan(seconds: computeBusy), computeUnion: TimeSpan(seconds: union),
                       networkBusy: TimeSpan(seconds: networkBusy), intervals: intervals.sorted { ($0.start, $0.resource.rawValue) < ($1.start, $1.resource.rawValue) })
    }
}
