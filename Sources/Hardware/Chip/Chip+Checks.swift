import DataFiles
import Units

extension Chip: CheckedDescription {
    public func check() throws(DescriptionIssue) {
        try Check.name(name, field: "name")
        try Check.positive(dies, ["dies"])
        guard !peak.supported.isEmpty else {
            throw DescriptionIssue(["peak"], "give at least one dense peak rate, such as 'bf16: 989 TFLOPS'")
        }
        for precision in peak.supported {
            try Check.positive(peak[precision]!, ["peak", precision.rawValue])
        }
        try Check.positive(memory.capacity, ["memory", "capacity"])
        try Check.positive(memory.bandwidth, ["memory", "bandwidth"])
        if let power {
            try Check.positive(power.tdp, ["power", "tdp"])
            guard power.idle >= .zero, power.idle <= power.tdp else {
                throw DescriptionIssue(["power", "idle"], "idle power \(power.idle) must be between 0 W and the TDP \(power.tdp)")
            }
        }
    }
}

/// Range checks shared by the hardware descriptions.
enum Check {
    static func positive(_ value: Int, _ path: [String]) throws(DescriptionIssue) {
        guard value > 0 else { throw DescriptionIssue(path, "must be a positive count, got \(value)") }
    }

    static func positive(_ value: Double, _ path: [String]) throws(DescriptionIssue) {
        guard value > 0, value.isFinite else { throw DescriptionIssue(path, "must be positive and finite, got \(value)") }
    }

    static func positive<Q: Quantity>(_ value: Q, _ path: [String]) throws(DescriptionIssue) {
        guard value.baseValue > 0, value.baseValue.isFinite else {
            throw DescriptionIssue(path, "must be positive and finite, got \(value.formatted())")
        }
    }

    static func nonNegative<Q: Quantity>(_ value: Q, _ path: [String]) throws(DescriptionIssue) {
        guard value.baseValue >= 0, value.baseValue.isFinite else {
            throw DescriptionIssue(path, "must not be negative, got \(value.formatted())")
        }
    }

    static func name(_ name: String, field: String) throws(DescriptionIssue) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-._")
        guard !name.isEmpty, name.allSatisfy({ allowed.contains($0) }) else {
            throw DescriptionIssue([field], "'\(name)' is not a usable name: use lower-case letters, digits, '-', '.' and '_'")
        }
    }
}
