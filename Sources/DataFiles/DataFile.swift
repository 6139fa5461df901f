import Foundation
import Yams

/// Reads description files (YAML or JSON) into `Decodable` values.
///
/// Strict mode, used for the project's own formats, rejects fields the type does not know and lists the
/// ones it does. Lenient mode, used for third-party formats such as Hugging Face `config.json`, ignores
/// unknown fields. Every error names the file, the line and the field.
public enum DataFile {
    /// How to treat fields that the decoded type does not read.
    public enum UnknownFields: Sendable {
        case reject
        case ignore
    }

    /// Decodes `text` as `type`, then runs its ``CheckedDescription/check()`` when it has one.
    ///
    /// - Parameters:
    ///   - file: the name used in error messages.
    /// - Throws: ``DataFileError``.
    public static func decode<T: Decodable>(
        _ type: T.Type, from text: String, file: String, unknownFields: UnknownFields = .reject
    ) throws(DataFileError) -> T {
        let root = try parse(text, file: file)
        return try decode(type, from: root, file: file, unknownFields: unknownFields)
    }

    /// Decodes a node already parsed (for example one case out of a larger file).
    public static func decode<T: Decodable>(
        _ type: T.Type, from root: Node, file: String, unknownFields: UnknownFields = .reject
    ) throws(DataFileError) -> T {
        let ledger = DecodingLedger()
        let value: T
        do {
            value = try T(from: NodeDecoder(node: root, codingPath: [], ledger: ledger))
        } catch let error as DecodingError {
            throw describe(error, root: root, file: file, ledger: ledger)
        } catch let error as DataFileError {
            throw error
        } catch let issue as DescriptionIssue {
            throw DataFileError(file: file, line: line(of: issue.keyPath, in: root), keyPath: KeyPath.render(issue.keyPath), message: issue.message)
        } catch {
            throw DataFileError(file: file, line: nil, keyPath: "", message: "\(error)")
        }
        if unknownFields == .reject {
            for entry in ledger.entries {
                for key in entry.keys where !entry.requested.contains(KeyStyle.camel(fromSnake: key.key))
                    && !entry.requested.contains(key.key) {
                    let known = entry.requested.map { KeyStyle.snake(fromCamel: $0) }.sorted().joined(separator: ", ")
                    throw DataFileError(
                        file: file, line: key.mark?.line, keyPath: KeyPath.render(entry.path + [key.key]),
                        message: "unknown field '\(key.key)'. Known fields here: \(known)")
                }
            }
        }
        if let checked = value as? any CheckedDescription {
            do {
                try checked.check()
            } catch {
                throw DataFileError(
                    file: file, line: line(of: error.keyPath, in: root), keyPath: KeyPath.render(error.keyPath),
                    message: error.message)
            }
        }
        return value
    }

    /// Reads and decodes the file at `path`.
    /// - Throws: ``DataFileError`` when the file cannot be read or decoded.
    public static func load<T: Decodable>(
        _ type: T.Type, path: String, unknownFields: UnknownFields = .reject
    ) throws(DataFileError) -> T {
        try decode(type, from: try read(path), file: path, unknownFields: unknownFields)
    }

    /// The text of the file at `path`.
    public static func read(_ path: String) throws(DataFileError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataFileError(file: path, line: nil, keyPath: "", message: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw DataFileError(file: path, line: nil, keyPath: "", message: "is a directory, not a description file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataFileError(file: path, line: nil, keyPath: "", message: "cannot be read (check its permissions)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataFileError(file: path, line: nil, keyPath: "", message: "is not UTF-8 text")
        }
        return text
    }

    /// Parses YAML (or JSON) text into a node tree.
    public static func parse(_ text: String, file: String) throws(DataFileError) -> Node {
        do {
            guard let root = try Yams.compose(yaml: text, .basic) else {
                throw DataFileError(file: file, line: nil, keyPath: "", message: "the file is empty; expected a mapping of fields")
            }
            return root
        } catch let error as DataFileError {
            throw error
        } catch let error as YamlError {
            switch error {
            case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
                 let .composer(context, problem, mark, _):
                let contextText = context.map { " \($0.text)" } ?? ""
                throw DataFileError(file: file, line: mark.line, keyPath: "", message: "not valid YAML or JSON: \(problem)\(contextText)")
            case let .duplicatedKeysInMapping(duplicates, context):
                throw DataFileError(file: file, line: context.mark.line, keyPath: "", message: "the field \(duplicates.joined(separator: ", ")) appears twice")
            default:
                throw DataFileError(file: file, line: nil, keyPath: "", message: "not valid YAML or JSON: \(error)")
            }
        } catch {
            throw DataFileError(file: file, line: nil, keyPath: "", message: "not valid YAML or JSON: \(error)")
        }
    }

    static func describe(_ error: DecodingError, root: Node, file: String, ledger: DecodingLedger) -> DataFileError {
        switch error {
        case let .keyNotFound(key, context):
            let path = KeyPath.keys(context.codingPath)
            let missing = KeyStyle.snake(fromCamel: key.stringValue)
            var message = "missing field '\(missing)'"
            // A near miss among the keys the file does have is most likely a misspelling of it.
            if let entry = ledger.entries.last(where: { $0.path == path }),
               let nearMiss = entry.keys.first(where: { !entry.requested.contains(KeyStyle.camel(fromSnake: $0.key)) && editDistance($0.key, missing) <= 2 }) {
                message += " (is '\(nearMiss.key)' on line \(nearMiss.mark.map { String($0.line) } ?? "?") a misspelling of it?)"
            }
            return DataFileError(file: file, line: line(of: path, in: root), keyPath: KeyPath.render(path), message: message)
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            let path = KeyPath.keys(context.codingPath)
            return DataFileError(
                file: file, line: line(of: path, in: root), keyPath: KeyPath.render(path),
                message: context.debugDescription)
        @unknown default:
            return DataFileError(file: file, line: nil, keyPath: "", message: "\(error)")
        }
    }

    /// Levenshtein distance between two short keys.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// The line of the deepest node that `path` reaches in `root`.
    public static func line(of path: [String], in root: Node) -> Int? {
        var node = root
        var line = root.mark?.line
        for key in path {
            switch node {
            case let .mapping(mapping):
                guard let next = mapping.first(where: {
                    guard let fileKey = $0.key.scalar?.string else { return false }
                    return fileKey == key || KeyStyle.camel(fromSnake: fileKey) == key
                }) else { return line }
                line = next.key.mark?.line ?? line
                node = next.value
            case let .sequence(sequence):
                guard let index = Int(key), index >= 0, index < sequence.count else { return line }
                node = sequence[sequence.index(sequence.startIndex, offsetBy: index)]
                line = node.mark?.line ?? line
            default:
                return line
            }
        }
        return line
    }
}
