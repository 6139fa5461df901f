/// Electrical power in watts.
public struct Power: Quantity {
    public let baseValue: Double
    public init(baseValue: Double) { self.baseValue = baseValue }
    public init(watts: Double) { self.baseValue = watts }

    public var watts: Double { baseValue }
    public var kilowatts: Double { baseValue / 1e3 }

    public static let quantityName = "a power"
    public static let units: [QuantityUnit] = [
        QuantityUnit("W", 1),
        QuantityUnit("kW", 1e3),
        QuantityUnit("MW", 1e6),
    ]

    /// The energy drawn over `time`.
    public static func * (lhs: Power, rhs: TimeSpan) -> Energy { Energy(joules: lhs.baseValue * rhs.seconds) }
}

/// Energy in joules.
public struct Energy: Quantity {
    public let baseValue: Double
    public init(baseValue: Double) { self.baseValue = baseValue }
    public init(joules: Double) { self.baseValue = joules }

    public var joules: Double { baseValue }

    public static let quantityName = "an energy"
    public static let units: [QuantityUnit] = [
        QuantityUnit("J", 1),
        QuantityUnit("kJ", 1e3),
        QuantityUnit("MJ", 1e6),
        QuantityUnit("kWh", 3.6e6, preferred: false),
    ]
}
