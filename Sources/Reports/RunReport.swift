import Runtime
import Units

/// `run`: step times and where they went, and the check against one rank.
public struct RunReport: Sendable {
    public let measurement: RunMeasurement
    public init(measurement: RunMeasurement) { self.measurement = measurement }

    static func ms(_ seconds: Double) -> String { NumberText.fixed(seconds * 1000, decimals: 3) }

    public func table() -> Table {
        let m = measurement, c = m.configuration
        var table = Table(
            title: "\(c.layout.rawValue) on \(m.ranks) rank\(m.ranks == 1 ? "" : "s") (\(m.backend)): \(c.shape.layers) layers, hidden \(c.shape.hidden), \(c.shape.experts) experts top-\(c.shape.topK), \(c.sequences) sequences",
            columns: [Table.Column("step", .left), Table.Column("tokens"), Table.Column("wall ms"), Table.Column("compute ms"),
                      Table.Column("comm ms"), Table.Column("wait ms"), Table.Column("tokens/s")])
        for (name, times, tokens) in [("prefill", m.prefill, c.sequences * c.prompt), ("decode (mean)", m.decode, c.sequences)]
            where name == "prefill" || c.decodeSteps > 0 {
            table.append([name, "\(tokens)", Self.ms(times.wall), Self.ms(times.compute), Self.ms(times.communication), Self.ms(times.wait),
                          NumberText.grouped(Double(tokens) / max(times.wall, 1e-12), decimals: 0)])
        }
        table.notes = [
            "wall: the slowest rank; compute, comm and wait: the mean over ranks (wait = a barrier before each collective).",
            "check against one rank: max |difference| \(NumberText.significant(Double(m.maxDifference), digits: 3)) -> \(m.matchesSingleRank ? "match" : "MISMATCH")",
        ]
        return table
    }
}
