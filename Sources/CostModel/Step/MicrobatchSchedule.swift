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
        // Issue order: stage by stage, each stage for every micro-batch in turn, in program order within it
        // (the order of (stage, micro-batch, position), built without sorting). A stage is a run of consecutive
        // tasks on one resource; `stageStarts[c]` lists where chain c's stages begin.
        let stageStarts: [[Int]] = chains.map { tasks in
            var starts: [Int] = tasks.isEmpty ? [] : [0]
            for position in tasks.indices.dropFirst() where tasks[position].resource != tasks[position - 1].resource { starts.append(position) }
            return starts
        }
        let stages = stageStarts.map(\.count).max() ?? 0
        var ready = Array(repeating: 0.0, count: chains.count)
        var free = Array(repeating: 0.0, count: Resource.allCases.count)
        var computeBusy = 0.0, networkBusy = 0.0
        // Each resource runs its tasks in issue order, so its compute intervals come out sorted by start.
        var computeIntervals = Array(repeating: [(Double, Double)](), count: Resource.allCases.count)
        var intervals: [Interval] = []
        for stage in 0..<stages {
            for (chain, tasks) in chains.enumerated() where stage < stageStarts[chain].count {
                let first = stageStarts[chain][stage]
                let last = stage + 1 < stageStarts[chain].count ? stageStarts[chain][stage + 1] : tasks.count
                for position in first..<last {
                    let task = tasks[position]
                    let seconds = task.duration.seconds, resource = task.resource.rawValue
                    let start = max(ready[chain], free[resource])
                    let end = start + seconds
                    if recording, seconds > 0 {
                        intervals.append(Interval(name: task.name, resource: task.resource, microbatch: chain, layer: task.layer,
                                                  start: TimeSpan(seconds: start), end: TimeSpan(seconds: end), isCommunication: task.isCommunication))
                    }
                    free[resource] = end
                    if task.isCommunication { networkBusy += seconds } else { computeBusy += seconds }
                    if seconds > 0, !task.isCommunication { computeIntervals[resource].append((start, end)) }
                    ready[chain] = end
                }
            }
        }
        let makespan = ready.max() ?? 0
        // Compute intervals merged across resources (streams may overlap): the time in which some compute ran.
        var next = Array(repeating: 0, count: computeIntervals.count)
        var union = 0.0, current: (Double, Double)?
        while true {
            var pick: Int?
            for resource in computeIntervals.indices where next[resource] < computeIntervals[resource].count {
                if pick == nil || computeIntervals[resource][next[resource]].0 < computeIntervals[pick!][next[pick!]].0 { pick = resource }
            }
            guard let resource = pick else { break }
            let (start, end) = computeIntervals[resource][next[resource]]
            next[resource] += 1
            if let open = current, start <= open.1 {
                current = (open.0, max(open.1, end))
            } else {
                if let open = current { union += open.1 - open.0 }
                current = (start, end)
            }
        }
        if let open = current { union += open.1 - open.0 }
        return Outcome(makespan: TimeSpan(seconds: makespan), computeBusy: TimeSpan(seconds: computeBusy), computeUnion: TimeSpan(seconds: union),
                       networkBusy: TimeSpan(seconds: networkBusy), intervals: intervals.sorted { ($0.start, $0.resource.rawValue) < ($1.start, $1.resource.rawValue) })
    }
}
