/// A physical quantity stored as a `Double` in its SI base unit.
///
/// Conforming types are thin wrappers (``Bytes``, ``Bandwidth``, ``FLOPRate``, ``Power``, ``TimeSpan``,
/// ``Area``, ``Energy``) so that a bandwidth can never be added to a capacity by mistake. Arithmetic that
/// keeps the dimension (sum, difference, scaling) is defined here; arithmetic that changes it
/// (bytes / bandwidth = time) is defined on the concrete types.
public protocol Quantity: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The value in the SI base unit (bytes, bytes per second, operations per second, watts, seconds, ...).
    var baseValue: Double { get }
    init(baseValue: Double)
    /// The units this quantity may be written in, for parsing and formatting.
    static var units: [QuantityUnit] { get }
    /// The name of the quantity in messages ("a capacity", "a bandwidth").
    static var quantityName: String { get }
}

/// One unit a quantity can be written in: its symbols and its size in base units.
public struct QuantityUnit: Sendable, Hashable {
    /// The symbol used when formatting ("GB/s").
    public let symbol: String
    /// Other spellings accepted when parsing ("GBps").
    public let aliases: [String]
    /// How many base units one of this unit is.
    public let scale: Double
    /// Whether the formatter may pick this unit automatically (decimal SI prefixes only).
    public let isPreferred: Bool

    public init(_ symbol: String, _ scale: Double, aliases: [String] = [], preferred: Bool = true) {
        self.symbol = symbol
        self.scale = scale
        self.aliases = aliases
        self.isPreferred = preferred
    }
}

extension Quantity {
    public static var zero: Self { Self(baseValue: 0) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.baseValue < rhs.baseValue }
    public static func + (lhs: Self, rhs: Self) -> Self { Self(baseValue: lhs.baseValue + rhs.baseValue) }
    public static func - (lhs: Self, rhs: Self) -> Self { Self(baseValue: lhs.baseValue - rhs.baseValue) }
    public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }
    public static func * (lhs: Self, rhs: Double) -> Self { Self(baseValue: lhs.baseValue * rhs) }
    public static func * (lhs: Double, rhs: Self) -> Self { Self(baseValue: lhs * rhs.baseValue) }
    public static func * (lhs: Self, rhs: Int) -> Self { Self(baseValue: lhs.baseValue * Double(rhs)) }
    public static func * (lhs: Int, rhs: Self) -> Self { Self(baseValue: Double(lhs) * rhs.baseValue) }
    public static func / (lhs: Self, rhs: Double) -> Self { Self(baseValue: lhs.baseValue / rhs) }
    public static func / (lhs: Self, rhs: Int) -> Self { Self(baseValue: lhs.baseValue / Double(rhs)) }
    /// The dimensionless ratio of two quantities of the same kind.
    public static func / (lhs: Self, rhs: Self) -> Double { lhs.baseValue / rhs.baseValue }

    /// The value expressed in `unit` (for example `bandwidth.value(in: "GB/s")`).
    ///
    /// - Precondition: `unit` is one of ``units``' symbols or aliases; a wrong symbol is a programming error.
    public func value(in symbol: String) -> Double {
        guard let unit = Self.unit(named: symbol) else {
            preconditionFailure("\(Self.self) has no unit '\(symbol)'")
        }
        return baseValue / unit.scale
    }

    /// Creates a quantity from a value in the named unit.
    public init(_ value: Double, _ symbol: String) {
        guard let unit = Self.unit(named: symbol) else {
            preconditionFailure("\(Self.self) has no unit '\(symbol)'")
        }
        self.init(baseValue: value * unit.scale)
    }

    static func unit(named symbol: String) -> QuantityUnit? {
        units.first { $0.symbol == symbol || $0.aliases.contains(symbol) }
    }

    /// The largest preferred unit in which the value is at least 1, or the smallest unit.
    public var naturalUnit: QuantityUnit {
        let preferred = Self.units.filter(\.isPreferred).sorted { $0.scale < $1.scale }
        let magnitude = abs(baseValue)
        return preferred.last { magnitude >= $0.scale * 0.9995 } ?? preferred[0]
    }

    /// Formats with a unit chosen for the magnitude and `significantDigits` digits ("3.2 TB/s").
    public func formatted(significantDigits: Int = 4) -> String {
        let unit = naturalUnit
        return "\(NumberText.significant(baseValue / unit.scale, digits: significantDigits)) \(unit.symbol)"
    }

    /// Formats in a fixed unit with a fixed number of decimals ("392.0 GB/s").
    public func formatted(in symbol: String, decimals: Int) -> String {
        "\(NumberText.fixed(value(in: symbol), decimals: decimals)) \(symbol)"
    }

    public var description: String { formatted() }
}
