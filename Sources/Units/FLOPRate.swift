/// A compute rate in operations per second: floating-point operations for float formats, integer
/// operations for int8. One multiply-add counts as two operations, as vendors count.
public struct FLOPRate: Quantity {
    public let baseValue: Double
    public init(baseValue: Double) { self.baseValue = baseValue }
    public init(flopsPerSecond: Double) { self.baseValue = flopsPerSecond }

    public var flopsPerSecond: Double { baseValue }
    public var teraflops: Double { baseValue / 1e12 }
    public var petaflops: Double { baseValue / 1e15 }

    public static let quantityName = "a compute rate"
    public static let units: [QuantityUnit] = [
        QuantityUnit("FLOPS", 1, aliases: ["FLOP/s", "OPS"]),
        QuantityUnit("GFLOPS", 1e9, aliases: ["GFLOP/s", "GOPS"]),
        QuantityUnit("TFLOPS", 1e12, aliases: ["TFLOP/s", "TOPS"]),
        QuantityUnit("PFLOPS", 1e15, aliases: ["PFLOP/s", "POPS"]),
        QuantityUnit("EFLOPS", 1e18, aliases: ["EFLOP/s", "EOPS"]),
    ]
}
