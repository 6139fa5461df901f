/// A description file that could not be read, with where and why.
///
/// The message names the file, the line, the field (as a dotted key path) and what was expected, for example
/// `cm.yaml:12: chip.hbm.capacity: '128 GX' is not a unit of an amount of data; known units: B, kB, MB, ...`.
public struct DataFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file's path as the user gave it, or a name such as `<catalog>/systems/x.yaml`.
    public let file: String
    /// The 1-based line of the offending value, when known.
    public let line: Int?
    /// The dotted path of the offending field (`scale_up.tiers[1].switch.radix`); empty for the whole file.
    public let keyPath: String
    /// What is wrong and what to write instead.
    public let message: String

    public init(file: String, line: Int?, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return keyPath.isEmpty ? "\(location): \(message)" : "\(location): \(keyPath): \(message)"
    }
}

/// A problem found when checking a decoded description (a non-positive bandwidth, tiers that do not add
/// up). It names the field by key path so that the file loader can point at the line.
public struct DescriptionIssue: Error, Sendable, Equatable, CustomStringConvertible {
    public let keyPath: [String]
    public let message: String

    public init(_ keyPath: [String], _ message: String) {
        self.keyPath = keyPath
        self.message = message
    }

    /// The same issue seen from a parent field: `["hbm", "capacity"]` becomes `["chip", "hbm", "capacity"]`.
    public func prefixed(_ keys: String...) -> DescriptionIssue {
        DescriptionIssue(keys + keyPath, message)
    }

    public var description: String {
        keyPath.isEmpty ? message : "\(KeyPath.render(keyPath)): \(message)"
    }
}

/// Key path rendering shared by errors: `tiers[1].switch` for ["tiers", "1", "switch"].
public enum KeyPath {
    public static func render(_ keys: [String]) -> String {
        var text = ""
        for key in keys {
            if let index = Int(key) {
                text += "[\(index)]"
            } else {
                let shown = KeyStyle.snake(fromCamel: key)
                text += text.isEmpty ? shown : ".\(shown)"
            }
        }
        return text
    }

    static func keys(_ codingPath: [any CodingKey]) -> [String] {
        codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
    }
}

/// A description type that can check its own values after decoding.
public protocol CheckedDescription {
    /// Throws the first problem found, naming the field by key path.
    func check() throws(DescriptionIssue)
}
