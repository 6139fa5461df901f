import DataFiles

/// A layout or load that the cost model cannot price, with the numbers that show why.
public enum CostModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A parallel layout that does not divide (TP into heads, EP into experts, ranks into chips).
    case layout(String)
    /// A precision the chip has no arithmetic for.
    case precision(String)
    /// The weights, cache and buffers do not fit in a rank's memory.
    case memory(String)
    /// A load that is missing or out of range.
    case load(String)
    /// No calibration profile for a chip.
    case calibration(String)
    /// A description file that cannot be read.
    case file(DataFileError)

    public var description: String {
        switch self {
        case let .layout(message): return "Layout does not fit: \(message)"
        case let .precision(message): return "Precision not available: \(message)"
        case let .memory(message): return "Does not fit in memory: \(message)"
        case let .load(message): return "Load: \(message)"
        case let .calibration(message): return "Calibration: \(message)"
        case let .file(error): return error.description
        }
    }
}
