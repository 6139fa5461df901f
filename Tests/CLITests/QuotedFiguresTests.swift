import Foundation
import Testing
@testable import SupernodeCLI
import Units

/// Figures quoted in prose carry the command that produces them (`<!-- value: ARGS @ PATH [vs N] [DECIMALS[%]] -->TEXT<!-- /value -->`,
/// refreshed by scripts/update-readme.py); a figure the model no longer gives fails here instead of going stale.
@Suite("Figures quoted in the README and docs")
struct QuotedFiguresTests {
    /// The repository's root, two folders above this file's.
    var root: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    @Test("Every figure marked with its command in README.md and docs/ is what the command gives now")
    func quotedFigures() throws {
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        let marker = #/<!-- value: (.*?) @ (\S+?)(?: vs ([\d.]+))?(?: (\d+)(%?))? -->(.*?)<!-- /value -->/#
        var outputs: [String: Any] = [:]
        var checked = 0
        for file in ["README.md"] + docs {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: marker) {
                let command = String(match.1), path = String(match.2), reference = match.3.flatMap { Double($0) }
                let decimals = match.4.flatMap { Int($0) } ?? 0
                let factor = match.5 == "%" ? 100.0 : 1
                if outputs[command] == nil {
                    let outcome = run(command.split(separator: " ").map(String.init))
                    // validate exits 1 when a case is outside its tolerance, with its JSON all the same.
                    #expect(outcome.status == 0 || outcome.status == 1, "\(file): \(command): \(outcome.errorOutput)")
                    outputs[command] = try JSONSerialization.jsonObject(with: Data(outcome.output.utf8))
                }
                var node = outputs[command]
                for key in path.split(separator: ".") {
                    if let list = node as? [Any], let index = Int(key), list.indices.contains(index) {
                        node = list[index]
                    } else {
                        node = (node as? [String: Any])?[String(key)]
                    }
                }
                let number = try #require(node as? Double, "\(file): no number at \(path) in the output of \(command)")
                // `vs N`: the signed change against N.
                let value = (reference.map { number / $0 - 1 } ?? number) * factor
                // Halves round away from zero, as the tables print them and the script writes them.
                let scale = pow(10, Double(decimals))
                let rounded = (value * scale).rounded(.toNearestOrAwayFromZero) / scale
                let expected = (reference != nil && rounded >= 0 ? "+" : "") + NumberText.grouped(rounded, decimals: decimals)
                #expect(String(match.6) == expected, "\(file) quotes \(match.6) for \(path) of '\(command)', which now gives \(expected); run scripts/update-readme.py")
                checked += 1
            }
        }
        // The README's GB200 and per-rack figures and the Blackwell checks in the README and docs/cost-model.md.
        #expect(checked >= 12)
    }
}
