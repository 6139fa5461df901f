import DataFiles
import Foundation

/// The model configs shipped with supernode, plus lookup of user files.
///
/// A reference is a catalog name (`deepseek-v3`), a path to a Hugging Face `config.json` (any name ending
/// in .json, .yaml or .yml), or a folder holding a `config.json` (a downloaded model snapshot).
public struct ModelCatalog: Sendable {
    public let models: [String: ModelArchitecture]

    public init(models: [String: ModelArchitecture]) {
        self.models = models
    }

    /// The catalog shipped as resource files; with `only`, just that model when it is a catalog name with its
    /// file (`models/NAME.json`), so a command about one model does not read them all (anything else loads the
    /// whole catalog, so that a lookup fails naming every known model).
    /// - Throws: ``WorkloadError/catalog(_:)`` when a shipped file is broken (a packaging defect).
    public static func builtIn(only reference: String? = nil) throws(WorkloadError) -> ModelCatalog {
        guard let root = Bundle.module.url(forResource: "Presets", withExtension: nil) else {
            throw .catalog("the Presets folder is missing from the Workload resources")
        }
        let folder = root.appendingPathComponent("models")
        do {
            var names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
            if let reference, names.contains("\(reference).json") { names = ["\(reference).json"] }
            var models: [String: ModelArchitecture] = [:]
            for file in names {
                let name = String(file.dropLast(".json".count))
                let text = try DataFile.read(folder.appendingPathComponent(file).path)
                let config = try DataFile.decode(HFConfig.self, from: text, file: "<catalog>/models/\(file)", unknownFields: .ignore)
                models[name] = try ModelArchitecture(config: config, name: name)
            }
            return ModelCatalog(models: models)
        } catch let error as WorkloadError {
            throw .catalog(error.description)
        } catch {
            throw .catalog("\(error)")
        }
    }

    public var names: [String] { models.keys.sorted() }

    /// A model by catalog name, config file or model folder.
    public func model(_ reference: String) throws(WorkloadError) -> ModelArchitecture {
        if let model = models[reference] { return model }
        guard Self.looksLikeFile(reference) else { throw .unknownModel(reference, known: names) }
        var path = reference
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            path = (path as NSString).appendingPathComponent("config.json")
        }
        let config: HFConfig
        do {
            config = try DataFile.load(HFConfig.self, path: path, unknownFields: .ignore)
        } catch {
            throw .file(error)
        }
        return try ModelArchitecture(config: config, name: path)
    }

    /// A model given inline as a mapping of config fields (as validation cases do).
    public static func model(inline config: HFConfig, name: String) throws(WorkloadError) -> ModelArchitecture {
        try ModelArchitecture(config: config, name: name)
    }

    static func looksLikeFile(_ reference: String) -> Bool {
        reference.contains("/") || reference.hasSuffix(".json") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml")
            || FileManager.default.fileExists(atPath: reference)
    }
}
