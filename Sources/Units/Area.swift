/// A floor area in square metres.
public struct Area: Quantity {
    public let baseValue: Double
    public init(baseValue: Double) { self.baseValue = baseValue }
    public init(squareMeters: Double) { self.baseValue = squareMeters }

    public var squareMeters: Double { baseValue }

    public static let quantityName = "an area"
    public static let units: [QuantityUnit] = [
        QuantityUnit("m2", 1, aliases: ["m^2", "m²", "sqm"]),
        QuantityUnit("ft2", 0.092_903_04, aliases: ["ft^2", "ft²", "sqft"], preferred: false),
    ]
}
