/// A data rate in bytes per second. Whether it is one direction or both is stated by the property that holds it.
public struct Bandwidth: Quantity {
    public let baseValue: Double
    public init(baseValue: Double) { self.baseValue = baseValue }
    public init(bytesPerSecond: Double) { self.baseValue = bytesPerSecond }

    public var bytesPerSecond: Double { baseValue }
    public var gigabytesPerSecond: Double { baseValue / 1e9 }
    public var terabytesPerSecond: Double { baseValue / 1e12 }
    /// The rate in gigabits per second, as network links are usually quoted.
    public var gigabitsPerSecond: Double { baseValue * 8 / 1e9 }

    public static let quantityName = "a bandwidth"
    public static let units: [QuantityUnit] = [
        QuantityUnit("B/s", 1),
        QuantityUnit("kB/s", 1e3),
        QuantityUnit("MB/s", 1e6),
        QuantityUnit("GB/s", 1e9, aliases: ["GBps"]),
        QuantityUnit("TB/s", 1e12, aliases: ["TBps"]),
        QuantityUnit("PB/s", 1e15),
        QuantityUnit("Mb/s", 1e6 / 8, aliases: ["Mbps", "Mbit/s"], preferred: false),
        QuantityUnit("Gb/s", 1e9 / 8, aliases: ["Gbps", "Gbit/s"], preferred: false),
        QuantityUnit("Tb/s", 1e12 / 8, aliases: ["Tbps", "Tbit/s"], preferred: false),
        QuantityUnit("GiB/s", 1_073_741_824, preferred: false),
    ]

    /// The bytes moved in `time` at this rate.
    public static func * (lhs: Bandwidth, rhs: TimeSpan) -> Bytes { Bytes(baseValue: lhs.baseValue * rhs.seconds) }
}
