import CostModel
import Foundation
import Units

/// A predicted step as a Chrome trace (the Trace Event format Perfetto and chrome://tracing open): one
/// thread per resource of one rank (compute, network, the second compute stream of partitioned decode), one
/// complete event per task with its micro-batch and layer, so the overlap the step's time comes from can be seen.
public struct StepTrace: Sendable {
    public let request: StepRequest
    public let prediction: StepPrediction

    public init(request: StepRequest, prediction: StepPrediction) {
        self.request = request
        self.prediction = prediction
    }

    struct Event: Encodable {
        var name: String
        var cat: String?
        var ph: String
        var ts: Double?
        var dur: Double?
        var pid: Int
        var tid: Int?
        var args: Args?
    }

    struct Args: Encodable {
        var name: String?
        var sortIndex: Int?
        var microbatch: Int?
        var layer: Int?
        enum CodingKeys: String, CodingKey { case name, sortIndex = "sort_index", microbatch = "micro-batch", layer }
    }

    struct Document: Encodable {
        var traceEvents: [Event]
        var displayTimeUnit: String
    }

    /// What each resource ran: with a second stream the chip's cores are split between the attention path and
    /// the MoE path, which also carries dispatch and combine.
    func threadName(_ resource: MicrobatchSchedule.Resource, partitioned: Bool) -> String {
        switch resource {
        case .compute: return partitioned ? "attention stream" : "compute"
        case .network: return "network"
        case .secondStream: return "MoE stream (router, experts, dispatch, combine)"
        }
    }

    /// The trace as JSON text.
    public func render() -> String {
        let partitioned = prediction.timeline.contains { $0.resource == .secondStream }
        let used = Set(prediction.timeline.map(\.resource))
        var events = [Event(name: "process_name", ph: "M", pid: 1,
                            args: Args(name: "\(request.phase.rawValue) step of \(request.model.name) on \(request.system.name), one rank"))]
        for resource in MicrobatchSchedule.Resource.allCases where used.contains(resource) {
            events.append(Event(name: "thread_name", ph: "M", pid: 1, tid: resource.rawValue, args: Args(name: threadName(resource, partitioned: partitioned))))
            events.append(Event(name: "thread_sort_index", ph: "M", pid: 1, tid: resource.rawValue, args: Args(sortIndex: resource.rawValue)))
        }
        for interval in prediction.timeline {
            let args = Args(microbatch: interval.microbatch, layer: interval.layer)
            events.append(Event(name: interval.name, cat: interval.isCommunication ? "communication" : "compute", ph: "X",
                                ts: JSONOutput.rounded(interval.start.microseconds, digits: 9),
                                dur: JSONOutput.rounded((interval.end - interval.start).microseconds, digits: 9),
                                pid: 1, tid: interval.resource.rawValue, args: interval.microbatch == nil && interval.layer == nil ? nil : args))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return String(decoding: try encoder.encode(Document(traceEvents: events, displayTimeUnit: "ms")), as: UTF8.self) + "\n"
        } catch {
            preconditionFailure("encoding a trace failed: \(error)")
        }
    }
}
