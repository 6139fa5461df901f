/// An amount of data. SI decimal: 1 GB = 10^9 bytes; GiB = 2^30 bytes.
public struct Bytes: Quantity {
    public let baseValue: Double
    public init(baseValue: Double) { self.baseValue = baseValue }
    public init(_ bytes: Double) { self.baseValue = bytes }
    public init(_ bytes: Int) { self.baseValue = Double(bytes) }

    public var bytes: Double { baseValue }
    public var gigabytes: Double { baseValue / 1e9 }
    public var terabytes: Double { baseValue / 1e12 }

    public static let quantityName = "an amount of data"
    public static let units: [QuantityUnit] = [
        QuantityUnit("B", 1, aliases: ["bytes", "byte"]),
        QuantityUnit("kB", 1e3, aliases: ["KB"]),
        QuantityUnit("MB", 1e6),
        QuantityUnit("GB", 1e9),
        QuantityUnit("TB", 1e12),
        QuantityUnit("PB", 1e15),
        QuantityUnit("KiB", 1024, preferred: false),
        QuantityUnit("MiB", 1_048_576, preferred: false),
        QuantityUnit("GiB", 1_073_741_824, preferred: false),
        QuantityUnit("TiB", 1_099_511_627_776, preferred: false),
    ]

    /// The time to move these bytes at `bandwidth`.
    public static func / (lhs: Bytes, rhs: Bandwidth) -> TimeSpan {
        TimeSpan(seconds: lhs.baseValue / rhs.baseValue)
    }
}
