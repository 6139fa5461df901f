import DataFiles

/// Bad hardware input: each message says what is wrong and what to do.
public enum HardwareError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A chip name that is not in the catalog.
    case unknownChip(String, known: [String])
    /// A system name that is not in the catalog.
    case unknownSystem(String, known: [String])
    /// A `NAME:key=value` size that cannot be applied.
    case badSize(String, reason: String)
    /// A description file that cannot be read, parsed or checked.
    case file(DataFileError)
    /// A description that fails a check (no file to point at).
    case invalid(String, DescriptionIssue)
    /// A catalog entry that is broken; a defect of the shipped catalog.
    case catalog(String)

    public var description: String {
        switch self {
        case let .unknownChip(name, known):
            return "Unknown chip '\(name)'. Known chips: \(known.joined(separator: ", ")). Or give a chip file (.yaml or .json)."
        case let .unknownSystem(name, known):
            return "Unknown system '\(name)'. Known systems: \(known.joined(separator: ", ")). Or give a system file (.yaml or .json)."
        case let .badSize(text, reason):
            return "Cannot size '\(text)': \(reason)"
        case let .file(error):
            return error.description
        case let .invalid(name, issue):
            return "\(name): \(issue)"
        case let .catalog(message):
            return "The built-in catalog is broken (\(message)); reinstall supernode."
        }
    }
}
