import Runtime
import Units

/// `bench collectives`: one row per operation and size.
public struct CollectiveBenchmarkReport: Sendable {
    public let rows: [CollectiveBenchmark.Row]
    public let ranks: Int
    public let backend: String

    public init(rows: [CollectiveBenchmark.Row], ranks: Int, backend: String) {
        self.rows = rows
        self.ranks = ranks
        self.backend = backend
    }

    /// Sizes as nccl-tests prints them, in binary units.
    static func size(_ bytes: Int) -> String {
        for (unit, scale) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes >= scale {
            return NumberText.significant(Double(bytes) / Double(scale), digits: 3) + " " + unit
        }
        return "\(bytes) B"
    }

    public func table() -> Table {
        var table = Table(title: "Collectives on \(ranks) rank\(ranks == 1 ? "" : "s") (\(backend))", columns: [
            Table.Column("operation", .left), Table.Column("size"), Table.Column("time us"), Table.Column("algbw GB/s"),
            Table.Column("busbw GB/s"), Table.Column("algorithm", .left),
        ])
        for row in rows {
            table.append([row.operation.rawValue, Self.size(row.bytes),
                          NumberText.fixed(row.seconds * 1e6, decimals: 1), NumberText.fixed(row.algorithmBandwidth / 1e9, decimals: 2),
                          NumberText.fixed(row.busBandwidth / 1e9, decimals: 2), row.algorithm ?? "mpi"])
        }
        table.notes = ["time: the slowest rank's mean per operation. busbw = algbw x 2(n-1)/n (all_reduce), x (n-1)/n (all_gather, reduce_scatter, all_to_all), x 1 (broadcast)."]
        return table
    }
}
