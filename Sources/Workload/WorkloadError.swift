import DataFiles

/// Bad model input: each message says what is wrong and what to do.
public enum WorkloadError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownModel(String, known: [String])
    case unknownArchitecture(String, model: String)
    case missingField(String, architecture: String, model: String)
    case invalid(model: String, field: String, reason: String)
    case file(DataFileError)
    case catalog(String)

    public var description: String {
        switch self {
        case let .unknownModel(name, known):
            return "Unknown model '\(name)'. Known models: \(known.joined(separator: ", ")). Or give a Hugging Face config.json (or the folder that holds it)."
        case let .unknownArchitecture(text, model):
            let known = ModelArchitecture.Family.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(model): unknown architecture '\(text)'. Known architectures (model_type): \(known)"
        case let .missingField(field, architecture, model):
            return "\(model): missing field '\(field)', which a \(architecture) config needs"
        case let .invalid(model, field, reason):
            return "\(model): \(field): \(reason)"
        case let .file(error):
            return error.description
        case let .catalog(message):
            return "The built-in model catalog is broken (\(message)); reinstall supernode."
        }
    }
}
