import Foundation

/// How a command prints its result.
public enum OutputFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// Aligned text tables for a terminal.
    case table
    /// One JSON document with numbers in the units their keys name.
    case json
    /// Comma-separated values, one table.
    case csv
}

/// JSON rendering shared by every command: sorted keys and fixed number formatting, so the same inputs
/// give the same bytes.
public enum JSONOutput {
    public static func render<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            let data = try encoder.encode(value)
            return String(decoding: data, as: UTF8.self) + "\n"
        } catch {
            preconditionFailure("encoding a report to JSON failed: \(error)")
        }
    }

    /// Rounds to `digits` significant digits so that JSON does not carry binary noise (288.76800000000003).
    public static func rounded(_ value: Double, digits: Int = 6) -> Double {
        guard value.isFinite, value != 0 else { return value }
        let magnitude = Int(floor(log10(abs(value)))) + 1
        let scale = pow(10, Double(digits - magnitude))
        return (value * scale).rounded() / scale
    }
}
