import Units

/// A dense Float32 tensor in row-major order. Small and plain: the runtime exists to run and check
/// distributed layouts, not to compete with a framework.
public struct Tensor: Sendable, Equatable {
    public private(set) var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        self.shape = shape
        self.values = values
    }

    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, values: Array(repeating: 0, count: shape.reduce(1, *)))
    }

    /// Values drawn uniformly from [-scale, scale) by `generator`.
    public static func random(_ shape: [Int], scale: Float, using generator: inout SeededGenerator) -> Tensor {
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        for index in 0..<count { values[index] = (generator.nextUnitFloat() * 2 - 1) * scale }
        return Tensor(shape: shape, values: values)
    }

    public var count: Int { values.count }
    /// Rows of a matrix (the product of all but the last dimension).
    public var rows: Int { shape.count <= 1 ? 1 : shape.dropLast().reduce(1, *) }
    /// Columns of a matrix (the last dimension).
    public var columns: Int { shape.last ?? 1 }

    /// The same values seen with another shape of the same size.
    public func reshaped(_ shape: [Int]) -> Tensor { Tensor(shape: shape, values: values) }

    /// Rows `range` of a matrix.
    public func rows(_ range: Range<Int>) -> Tensor {
        let width = columns
        return Tensor(shape: [range.count, width], values: Array(values[(range.lowerBound * width)..<(range.upperBound * width)]))
    }

    /// Columns `range` of a matrix.
    public func columns(_ range: Range<Int>) -> Tensor {
        let width = columns
        var out = [Float]()
        out.reserveCapacity(rows * range.count)
        for row in 0..<rows { out.append(contentsOf: values[(row * width + range.lowerBound)..<(row * width + range.upperBound)]) }
        return Tensor(shape: [rows, range.count], values: out)
    }

    /// Appends the rows of `other` (same columns) in place: amortised O(rows added), as a KV cache grows.
    public mutating func appendRows(_ other: Tensor) {
        precondition(other.columns == columns, "appending rows of \(other.columns) columns to \(columns)")
        values.append(contentsOf: other.values)
        shape = [rows + other.rows, columns]
    }

    /// Matrices side by side (same rows).
    public static func concatenateColumns(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { return .zeros([0, 0]) }
        let rows = first.rows
        precondition(parts.allSatisfy { $0.rows == rows }, "column blocks differ in rows")
        let width = parts.reduce(0) { $0 + $1.columns }
        var out = [Float]()
        out.reserveCapacity(rows * width)
        for row in 0..<rows {
            for part in parts { out.append(contentsOf: part.values[(row * part.columns)..<((row + 1) * part.columns)]) }
        }
        return Tensor(shape: [rows, width], values: out)
    }

    /// Matrices stacked (same columns).
    public static func concatenateRows(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { return .zeros([0, 0]) }
        precondition(parts.allSatisfy { $0.columns == first.columns }, "row blocks differ in columns")
        return Tensor(shape: [parts.reduce(0) { $0 + $1.rows }, first.columns], values: parts.flatMap(\.values))
    }

    /// Largest absolute difference from `other` (same shape).
    public func maxAbsoluteDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        var worst: Float = 0
        for index in values.indices { worst = max(worst, abs(values[index] - other.values[index])) }
        return worst
    }

    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        precondition(lhs.shape == rhs.shape, "shapes \(lhs.shape) and \(rhs.shape) differ")
        return .combine(lhs, rhs, +)
    }

    /// `f` of the two tensors' elements, pair by pair, into a new tensor of their (equal) shape.
    @inline(__always)
    static func combine(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        var values = [Float](repeating: 0, count: a.count)
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                values.withUnsafeMutableBufferPointer { out in
                    for index in 0..<pa.count { out[index] = f(pa[index], pb[index]) }
                }
            }
        }
        return Tensor(shape: a.shape, values: values)
    }
}
