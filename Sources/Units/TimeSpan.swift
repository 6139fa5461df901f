/// A span of time for cost functions, in seconds. (Simulation clocks use integer nanoseconds instead.)
public struct TimeSpan: Quantity {
    public let baseValue: Double
    public init(baseValue: Double) { self.baseValue = baseValue }
    public init(seconds: Double) { self.baseValue = seconds }

    public var seconds: Double { baseValue }
    public var milliseconds: Double { baseValue * 1e3 }
    public var microseconds: Double { baseValue * 1e6 }

    public static let quantityName = "a time"
    public static let units: [QuantityUnit] = [
        QuantityUnit("ns", 1e-9),
        QuantityUnit("us", 1e-6, aliases: ["µs", "μs"]),
        QuantityUnit("ms", 1e-3),
        QuantityUnit("s", 1),
        QuantityUnit("min", 60, preferred: false),
        QuantityUnit("h", 3600, preferred: false),
    ]
}
