import Foundation
import Testing
@testable import SupernodeCLI

let allSystems = ["a100-clos-cluster", "cloudmatrix384", "dgx-a100-selene", "dgx-h100-superpod", "gb200-nvl72", "h100-cluster",
                  "h100-roce-cluster", "h800-cluster", "hgx-h100", "hgx-h200"]
let allModels = ["deepseek-r1", "deepseek-v3", "llama-3.1-405b", "llama-3.1-70b", "llama-3.1-8b", "mixtral-8x22b", "mixtral-8x7b", "qwen3-235b-a22b"]
let allChips = ["a100-sxm-80gb", "ascend-910c", "b200", "gb200", "h100-sxm", "h200-sxm", "h800-sxm", "tpu-v5p"]

@Suite("Catalog commands")
struct CatalogCommandTests {
    @Test("Help matches its golden file")
    func help() throws {
        let outcome = run("--help")
        #expect(outcome.status == 0)
        try expectGolden(outcome.output, "help.txt")
    }

    @Test("Listings name every preset and fit 100 columns", arguments: [["systems"], ["chips"], ["models"]])
    func listings(arguments: [String]) {
        let outcome = run(arguments)
        #expect(outcome.status == 0)
        #expect(width(outcome.output) <= 100)
        let names = arguments[0] == "systems" ? allSystems : arguments[0] == "chips" ? allChips : allModels
        for name in names { #expect(outcome.output.contains(name)) }
    }

    @Test("Every system shows in every format", arguments: allSystems)
    func showSystem(name: String) throws {
        let table = run("systems", "show", name)
        #expect(table.status == 0)
        #expect(width(table.output) <= 100)
        #expect(table.output.contains("Power at full load"))
        let json = run("systems", "show", name, "--format", "json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(object["derived"] != nil)
        #expect(run("systems", "show", name, "--format", "csv").output.hasPrefix("section,field,value,unit\n"))
    }

    @Test("A shown system's JSON description reads back as a system file with the same figures")
    func showRoundTrips() throws {
        let json = run("systems", "show", "cloudmatrix384", "--format", "json").output
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let description = try JSONSerialization.data(withJSONObject: try #require(object["description"]))
        let path = try temporaryFile(String(decoding: description, as: UTF8.self), name: "cm.json")
        let original = run("compare", "cloudmatrix384", "--format", "json").output
        let reread = run("compare", path, "--format", "json").output
        #expect(original == reread)
    }

    @Test("Every model shows in every format", arguments: allModels)
    func showModel(name: String) throws {
        let table = run("models", "show", name)
        #expect(table.status == 0)
        #expect(width(table.output) <= 100)
        let json = run("models", "show", name, "--format", "json", "--context", "1", "1024")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let flops = try #require(object["forward_flops_per_token"] as? [String: Double])
        #expect(Set(flops.keys) == ["1", "1024"])
        #expect(run("models", "show", name, "--format", "csv").status == 0)
    }

    @Test("Every chip shows", arguments: allChips)
    func showChip(name: String) {
        let outcome = run("chips", "show", name)
        #expect(outcome.status == 0)
        #expect(width(outcome.output) <= 100)
        #expect(outcome.output.contains("source: peak"))
    }

    @Test("DeepSeek-V3 shows its KV cache and parameter counts")
    func deepSeekFigures() throws {
        let json = run("models", "show", "deepseek-v3", "--format", "json").output
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let kv = try #require(object["kv_cache_bytes_per_token"] as? [String: Double])
        #expect(kv["bf16"] == 70_272)
        let parameters = try #require(object["parameters"] as? [String: Double])
        #expect(abs(parameters["total"]! - 671e9) / 671e9 < 0.01)
    }
}
