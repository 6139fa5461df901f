/// Splitting `count` items (rows, heads, experts, sequences, buffer elements) over `parts` owners.
public enum Partition {
    /// Block `index` of `parts` near-equal contiguous blocks of `count` items; the first `count % parts`
    /// blocks get one item more.
    public static func block(_ index: Int, of parts: Int, count: Int) -> Range<Int> {
        let base = count / parts, extra = count % parts
        let start = index * base + min(index, extra)
        return start..<(start + base + (index < extra ? 1 : 0))
    }
}
