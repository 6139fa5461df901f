import Foundation
import Testing
@testable import SupernodeCLI

/// Runs the CLI in-process.
func run(_ arguments: String...) -> SupernodeMain.Outcome {
    SupernodeMain.execute(arguments)
}

func run(_ arguments: [String]) -> SupernodeMain.Outcome {
    SupernodeMain.execute(arguments)
}

/// Compares `text` with the golden file `name`; with SUPERNODE_UPDATE_GOLDEN=1 in the environment, rewrites it.
func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["SUPERNODE_UPDATE_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    guard let golden = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("no golden file \(name); run the tests with SUPERNODE_UPDATE_GOLDEN=1 to write it", sourceLocation: sourceLocation)
        return
    }
    #expect(text == golden, "output differs from Golden/\(name); if the change is intended, rerun with SUPERNODE_UPDATE_GOLDEN=1 and review the diff", sourceLocation: sourceLocation)
}

/// A new empty temporary folder.
func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("supernode-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// Writes `text` to a new temporary file and returns its path.
func temporaryFile(_ text: String, name: String) throws -> String {
    let folder = try temporaryFolder()
    let path = folder.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The text of a shipped calibration profile, from the source tree.
func shippedProfileText(_ name: String) throws -> String {
    try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/CostModel/Presets/calibration/\(name).yaml"), encoding: .utf8)
}

/// The widest line of `text`.
func width(_ text: String) -> Int {
    text.split(separator: "\n", omittingEmptySubsequences: false).map(\.count).max() ?? 0
}

/// Runs the built `supernode` executable (next to the test bundle) as its own process.
func executeBinary(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
    let folder = try #require(Bundle.main.executableURL).deletingLastPathComponent()
    let binary = [folder, folder.deletingLastPathComponent()].map { $0.appendingPathComponent("supernode") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    let process = Process()
    let executable: URL = try #require(binary, "build the supernode executable first")
    process.executableURL = executable
    process.arguments = arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    let errData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}
