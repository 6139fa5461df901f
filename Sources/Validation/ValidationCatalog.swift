import DataFiles
import Foundation

/// Reading validation files, and the public cases shipped with supernode.
public enum ValidationCatalog {
    /// The shipped `public-cases.yaml`.
    public static func publicCases() throws(DataFileError) -> ValidationFile {
        guard let url = Bundle.module.url(forResource: "Cases", withExtension: nil)?.appendingPathComponent("public-cases.yaml") else {
            throw DataFileError(file: "<catalog>/public-cases.yaml", line: nil, keyPath: "", message: "missing from the Validation resources; reinstall supernode")
        }
        return try DataFile.load(ValidationFile.self, path: url.path)
    }

    /// A validation file in the `supernode-validation/1` format.
    public static func load(path: String) throws(DataFileError) -> ValidationFile {
        try DataFile.load(ValidationFile.self, path: path)
    }
}
