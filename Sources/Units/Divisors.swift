/// Whole-number fits for error messages: what divides a count, and the nearest such values to one that does not.
public enum Divisors {
    /// The divisors of `n`, ascending (none for `n` below 1).
    public static func of(_ n: Int) -> [Int] {
        guard n >= 1 else { return [] }
        return (1...n).filter { n % $0 == 0 }
    }

    /// Of `candidates` (ascending), the largest below `value` and the smallest above it.
    public static func nearest(_ candidates: [Int], to value: Int) -> [Int] {
        [candidates.last { $0 < value }, candidates.first { $0 > value }].compactMap { $0 }
    }

    /// "8 or 16", "1, 2 or 4"; "1" when `values` is empty.
    public static func alternatives(_ values: [Int]) -> String {
        let words = values.map(String.init)
        guard let last = words.last else { return "1" }
        return words.count == 1 ? last : words.dropLast().joined(separator: ", ") + " or " + last
    }
}
