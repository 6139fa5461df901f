import Foundation

/// Number formatting shared by quantities and reports. Deterministic: no locale, no grouping surprises.
public enum NumberText {
    /// `value` with `decimals` digits after the point ("3.20").
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        let text = String(format: "%.\(max(0, decimals))f", value)
        return text == "-0" || text.hasPrefix("-0.") && Double(text) == 0 ? String(text.dropFirst()) : text
    }

    /// `value` with about `digits` significant digits, without trailing zeros ("288.8", "1229", "0.05").
    public static func significant(_ value: Double, digits: Int) -> String {
        guard value.isFinite, value != 0 else { return fixed(value, decimals: 0) }
        let magnitude = Int(floor(log10(abs(value)))) + 1
        let decimals = max(0, digits - magnitude)
        return trimZeros(fixed(value, decimals: decimals))
    }

    /// The shortest text that reads back as exactly `value` ("128", "3.2", "0.000001").
    public static func shortest(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// `value` with thousands separators and `decimals` decimals ("6,912", "1,229.1").
    public static func grouped(_ value: Double, decimals: Int = 0) -> String {
        let text = fixed(value, decimals: decimals)
        let negative = text.hasPrefix("-")
        let body = negative ? String(text.dropFirst()) : text
        let parts = body.split(separator: ".", maxSplits: 1)
        var integer = String(parts[0])
        var groups: [String] = []
        while integer.count > 3 {
            groups.insert(String(integer.suffix(3)), at: 0)
            integer.removeLast(3)
        }
        groups.insert(integer, at: 0)
        let grouped = groups.joined(separator: ",") + (parts.count > 1 ? "." + parts[1] : "")
        return negative ? "-" + grouped : grouped
    }

    static func trimZeros(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = text
        while result.hasSuffix("0") { result.removeLast() }
        if result.hasSuffix(".") { result.removeLast() }
        return result
    }
}
