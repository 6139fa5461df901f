import Foundation

/// Why a quantity could not be read from text.
public struct QuantityParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { reason }
}

extension Quantity {
    /// Reads a quantity written as a number and a unit: `"128 GB"`, `"3.2 TB/s"`, `"752 TFLOPS"`, `"0.5 us"`.
    ///
    /// The space between number and unit is optional. Units are case-sensitive where case carries meaning
    /// (`Gb/s` is bits, `GB/s` bytes; `MB` is mega, `mW` would be milli).
    /// - Throws: ``QuantityParseError`` naming the accepted units when the text is not a number and a known unit.
    public static func parse(_ text: String) throws -> Self {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var numberEnd = trimmed.startIndex
        for index in trimmed.indices {
            let character = trimmed[index]
            let isExponentSign = (character == "-" || character == "+")
                && index > trimmed.startIndex
                && "eE".contains(trimmed[trimmed.index(before: index)])
                && index < trimmed.index(before: trimmed.endIndex)
                && trimmed[trimmed.index(after: index)].isNumber
            let isExponent = (character == "e" || character == "E")
                && index < trimmed.index(before: trimmed.endIndex)
                && (trimmed[trimmed.index(after: index)].isNumber || "+-".contains(trimmed[trimmed.index(after: index)]))
            if character.isNumber || character == "." || character == "_" || character == ","
                || (index == trimmed.startIndex && (character == "-" || character == "+"))
                || isExponent || isExponentSign {
                numberEnd = trimmed.index(after: index)
            } else {
                break
            }
        }
        let numberText = trimmed[..<numberEnd].filter { $0 != "_" && $0 != "," }
        let unitText = trimmed[numberEnd...].trimmingCharacters(in: .whitespaces)
        let known = units.map(\.symbol).joined(separator: ", ")
        guard let number = Double(numberText), number.isFinite else {
            throw QuantityParseError(
                text: text,
                reason: "'\(text)' is not \(quantityName): write a number and a unit, such as '\(example)' (units: \(known))")
        }
        guard !unitText.isEmpty else {
            throw QuantityParseError(
                text: text,
                reason: "'\(text)' has no unit: write \(quantityName) with its unit, such as '\(example)' (units: \(known))")
        }
        guard let unit = unit(named: unitText) else {
            throw QuantityParseError(
                text: text,
                reason: "'\(unitText)' is not a unit of \(quantityName) in '\(text)'; known units: \(known)")
        }
        return Self(baseValue: number * unit.scale)
    }

    static var example: String {
        let unit = units.first(where: \.isPreferred) ?? units[0]
        return "128 \(unit.symbol)"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        do {
            text = try container.decode(String.self)
        } catch {
            throw DecodingError.typeMismatch(
                Self.self,
                .init(codingPath: decoder.codingPath,
                      debugDescription: "expected \(Self.quantityName) with a unit, such as '\(Self.example)'"))
        }
        do {
            self = try Self.parse(text)
        } catch let error as QuantityParseError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.reason))
        }
    }

    /// Encodes as text in the natural unit with full precision, so that decoding gives the same value back.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        let unit = naturalUnit
        try container.encode("\(NumberText.shortest(baseValue / unit.scale)) \(unit.symbol)")
    }
}
