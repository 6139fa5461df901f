import DataFiles
import Foundation
import Units

/// The chips and systems shipped with supernode, plus lookup of user files.
///
/// A reference is a catalog name (`cloudmatrix384`), a path to a `.yaml` or `.json` file, either with a
/// size (`h100-cluster:nodes=12`, `h100-cluster:chips=96`).
public struct HardwareCatalog: Sendable {
    public let chips: [String: Chip]
    public let systems: [String: SystemDescription]

    public init(chips: [String: Chip], systems: [String: SystemDescription]) {
        self.chips = chips
        self.systems = systems
    }

    /// The catalog shipped as resource files.
    ///
    /// With `only`, just the systems those references name and the chips they use, when every one is a
    /// catalog name with its file (`systems/NAME.yaml`, `chips/NAME.yaml`): a command about one system then
    /// reads two files instead of the whole catalog, which is most of a `predict`'s run time. References that
    /// are files, or names the catalog lacks, load the whole catalog, so that a lookup fails naming every
    /// known system.
    /// - Throws: ``HardwareError/catalog(_:)`` when a shipped file is broken (a packaging defect).
    public static func builtIn(only references: [String]? = nil) throws(HardwareError) -> HardwareCatalog {
        guard let root = Bundle.module.url(forResource: "Presets", withExtension: nil) else {
            throw .catalog("the Presets folder is missing from the Hardware resources")
        }
        let chipFolder = root.appendingPathComponent("chips"), systemFolder = root.appendingPathComponent("systems")
        do {
            if let references,
               let systems = try load(SystemDescription.self, named: references.map { (try? splitSize($0))?.0 ?? $0 }, \.name,
                                      from: systemFolder, label: "systems"),
               let chips = try load(Chip.self, named: systems.compactMap { if case let .named(name) = $0.chip { name } else { nil } }, \.name,
                                    from: chipFolder, label: "chips") {
                return HardwareCatalog(chips: index(chips, \Chip.name), systems: index(systems, \SystemDescription.name))
            }
            let chips = try loadAll(Chip.self, from: chipFolder, label: "chips")
            let systems = try loadAll(SystemDescription.self, from: systemFolder, label: "systems")
            return HardwareCatalog(chips: index(chips, \Chip.name), systems: index(systems, \SystemDescription.name))
        } catch let error as DataFileError {
            throw .catalog(error.description)
        } catch {
            throw .catalog("\(error)")
        }
    }

    private static func index<T>(_ items: [T], _ name: Swift.KeyPath<T, String>) -> [String: T] {
        Dictionary(items.map { ($0[keyPath: name], $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func loadAll<T: Decodable>(_ type: T.Type, from folder: URL, label: String) throws -> [T] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".yaml") }
            .sorted()
        return try names.map { name in try decode(type, file: name, from: folder, label: label) }
    }

    /// The entries `names` name, each from its own file; nil when one is not a catalog file name, or its file
    /// holds an entry of another name.
    static func load<T: Decodable>(_ type: T.Type, named names: [String], _ nameOf: Swift.KeyPath<T, String>, from folder: URL,
                                   label: String) throws -> [T]? {
        var entries: [T] = []
        for name in Set(names).sorted() {
            guard !looksLikeFile(name), !name.isEmpty, !name.hasPrefix("."),
                  FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(name).yaml").path) else { return nil }
            let entry = try decode(type, file: "\(name).yaml", from: folder, label: label)
            guard entry[keyPath: nameOf] == name else { return nil }
            entries.append(entry)
        }
        return entries
    }

    private static func decode<T: Decodable>(_ type: T.Type, file: String, from folder: URL, label: String) throws -> T {
        let text = try DataFile.read(folder.appendingPathComponent(file).path)
        return try DataFile.decode(type, from: text, file: "<catalog>/\(label)/\(file)")
    }

    public var chipNames: [String] { chips.keys.sorted() }
    public var systemNames: [String] { systems.keys.sorted() }

    /// A chip by catalog name or file path.
    public func chip(_ reference: String) throws(HardwareError) -> Chip {
        if Self.looksLikeFile(reference) {
            do { return try DataFile.load(Chip.self, path: reference) } catch { throw .file(error) }
        }
        guard let chip = chips[reference] else { throw .unknownChip(reference, known: chipNames) }
        return chip
    }

    /// A system by catalog name or file path, with an optional size.
    public func system(_ reference: String) throws(HardwareError) -> System {
        let (base, size) = try Self.splitSize(reference)
        let spec: SystemDescription
        let file: String?
        if Self.looksLikeFile(base) {
            do { spec = try DataFile.load(SystemDescription.self, path: base) } catch { throw .file(error) }
            file = base
        } else {
            guard let known = systems[base] else { throw .unknownSystem(base, known: systemNames) }
            spec = known
            file = nil
        }
        let chip: Chip
        switch spec.chip {
        case let .named(name):
            guard let known = chips[name] else {
                let issue = DescriptionIssue(["chip"], "unknown chip '\(name)'. Known chips: \(chipNames.joined(separator: ", "))")
                throw failure(issue, spec: spec, file: file)
            }
            chip = known
        case let .inline(inline):
            chip = inline
        }
        let system: System
        do { system = try System(spec: spec, chip: chip) } catch { throw failure(error, spec: spec, file: file) }
        guard let size else { return system }
        switch size {
        case let .nodes(count):
            return try system.resized(nodes: count)
        case let .chips(count):
            guard count % system.node.chips == 0 else {
                throw .badSize(reference, reason: "\(count) chips is not a whole number of \(system.node.chips)-chip nodes")
            }
            return try system.resized(nodes: count / system.node.chips)
        }
    }

    private func failure(_ issue: DescriptionIssue, spec: SystemDescription, file: String?) -> HardwareError {
        guard let file, let text = try? DataFile.read(file), let root = try? DataFile.parse(text, file: file) else {
            return .invalid(spec.name, issue)
        }
        return .file(DataFileError(
            file: file, line: DataFile.line(of: issue.keyPath, in: root), keyPath: KeyPath.render(issue.keyPath),
            message: issue.message))
    }

    enum Size: Equatable { case nodes(Int), chips(Int) }

    static func splitSize(_ reference: String) throws(HardwareError) -> (String, Size?) {
        guard let colon = reference.lastIndex(of: ":"), !reference[reference.index(after: colon)...].contains("/") else {
            return (reference, nil)
        }
        let base = String(reference[..<colon])
        let parameter = reference[reference.index(after: colon)...]
        let parts = parameter.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw .badSize(reference, reason: "write the size as NAME:nodes=N or NAME:chips=N")
        }
        guard let count = Int(parts[1]), count > 0 else {
            throw .badSize(reference, reason: "'\(parts[1])' is not a positive whole number")
        }
        switch parts[0] {
        case "nodes": return (base, .nodes(count))
        case "chips", "gpus", "npus": return (base, .chips(count))
        default: throw .badSize(reference, reason: "unknown size '\(parts[0])'; use nodes=N or chips=N")
        }
    }

    static func looksLikeFile(_ reference: String) -> Bool {
        reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml") || reference.hasSuffix(".json")
    }
}
