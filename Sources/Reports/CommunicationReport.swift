import CostModel
import Hardware
import Units

/// `supernode collective`: one predicted communication operation per row, in `bench collectives`' columns
/// (nccl-tests' definitions) plus the parts of the time.
public struct CommunicationReport: Sendable {
    public struct Row: Sendable {
        public var request: CommunicationRequest
        public var prediction: CommunicationPrediction

        public init(request: CommunicationRequest, prediction: CommunicationPrediction) {
            self.request = request
            self.prediction = prediction
        }
    }

    public let system: System
    public let profile: String
    public let rows: [Row]

    public init(system: System, profile: String, rows: [Row]) {
        self.system = system
        self.profile = profile
        self.rows = rows
    }

    static func us(_ time: TimeSpan) -> String { NumberText.fixed(time.microseconds, decimals: 1) }

    /// The row's size: the buffer for collectives, tokens per rank for dispatch and combine.
    static func size(_ row: Row) -> String {
        if row.request.operation.isExpertExchange { return "\(row.request.tokensPerRank ?? 0) tok" }
        return CollectiveBenchmarkReport.size(Int(row.prediction.bytes.bytes))
    }

    public func table() -> Table {
        var table = Table(title: "Communication on \(system.name), predicted (calibration \(profile))", columns: [
            Table.Column("operation", .left), Table.Column("ranks"), Table.Column("size"), Table.Column("time us"), Table.Column("algbw GB/s"),
            Table.Column("busbw GB/s"), Table.Column("algorithm", .left), Table.Column("latency"), Table.Column("transfer"),
            Table.Column("fixed"),
        ])
        for row in rows {
            let time = row.prediction.time
            table.append([row.request.operation.rawValue, "\(row.request.ranks)", Self.size(row), Self.us(time.total),
                          NumberText.fixed(row.prediction.algorithmBandwidth.gigabytesPerSecond, decimals: 2),
                          NumberText.fixed(row.prediction.busBandwidth.gigabytesPerSecond, decimals: 2),
                          time.algorithm.rawValue, Self.us(time.latency), Self.us(time.transfer), Self.us(time.overhead)])
        }
        table.notes = ["busbw = algbw x 2(n-1)/n (all_reduce), x (n-1)/n (all_gather, reduce_scatter, all_to_all), x 1 (broadcast, point_to_point); dispatch and combine: the copies a rank sends (tokens x top-k x payload) over the time. latency, transfer and fixed (the stack's cost per operation) in us, adding up to the time. Peers of a rank, by fabric:"]
        for group in Dictionary(grouping: rows.map(\.prediction.group), by: \.size).values.compactMap(\.first).sorted(by: { $0.size < $1.size }) {
            table.notes.append(Self.describe(group))
        }
        return table
    }

    /// Where a rank's peers sit and how fast it reaches them.
    static func describe(_ group: RankGroup) -> String {
        var parts: [String] = []
        if group.sameChip > 0 { parts.append("\(group.sameChip) on its chip") }
        if group.near + group.far > 0 { parts.append("\(group.near + group.far) over scale-up") }
        if group.remote > 0 { parts.append("\(group.remote) over scale-out") }
        var rates = "scale-up \(NumberText.fixed(group.scaleUpBandwidth.gigabytesPerSecond, decimals: 0))"
        if group.remote > 0 { rates += ", scale-out \(NumberText.fixed(group.scaleOutBandwidth?.gigabytesPerSecond ?? 0, decimals: 0))" }
        let domains = group.domains > 1 ? " in \(group.domains) scale-up domains" : ""
        return "\(group.size) ranks\(domains): \(parts.isEmpty ? "no peers" : parts.joined(separator: ", ")); GB/s a rank sends (\(rates)); farthest latency \(us(group.maxLatency)) us"
    }

    public func csvTable() -> Table { table() }

    /// JSON rows.
    public struct Document: Encodable {
        public var system: String
        public var calibration: String
        public var rows: [Item]
        public struct Item: Encodable {
            public var operation: String
            public var ranks: Int
            public var ranksPerChip: Int
            public var bytes: Double
            /// Dispatch and combine: the token shape and the payload's format.
            public var tokensPerRank: Int?
            public var hidden: Int?
            public var topK: Int?
            public var experts: Int?
            public var dtype: String?
            public var timeUs: Double
            public var latencyUs: Double
            public var transferUs: Double
            public var fixedUs: Double
            public var algorithm: String
            public var algbwGbPerS: Double
            public var busbwGbPerS: Double
        }
    }

    public var document: Document {
        Document(system: system.name, calibration: profile, rows: rows.map { row in
            let time = row.prediction.time
            let exchange = row.request.operation.isExpertExchange
            return .init(operation: row.request.operation.rawValue, ranks: row.request.ranks, ranksPerChip: row.prediction.ranksPerChip,
                         bytes: row.prediction.bytes.bytes, tokensPerRank: row.request.tokensPerRank, hidden: exchange ? row.request.hidden : nil,
                         topK: exchange ? row.request.topK : nil, experts: row.prediction.experts,
                         dtype: exchange ? (row.request.operation == .moeDispatch ? row.request.precision : .bf16).rawValue : nil, timeUs: JSONOutput.rounded(time.total.microseconds),
                         latencyUs: JSONOutput.rounded(time.latency.microseconds), transferUs: JSONOutput.rounded(time.transfer.microseconds),
                         fixedUs: JSONOutput.rounded(time.overhead.microseconds), algorithm: time.algorithm.rawValue,
                         algbwGbPerS: JSONOutput.rounded(row.prediction.algorithmBandwidth.gigabytesPerSecond),
                         busbwGbPerS: JSONOutput.rounded(row.prediction.busBandwidth.gigabytesPerSecond))
        })
    }
}
