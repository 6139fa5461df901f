import Foundation
import Testing
@testable import SupernodeCLI

@Suite("supernode compare")
struct CompareTests {
    @Test("The table matches its golden file")
    func goldenTable() throws {
        let outcome = run("compare", "gb200-nvl72", "cloudmatrix384")
        #expect(outcome.status == 0)
        #expect(outcome.errorOutput.isEmpty)
        try expectGolden(outcome.output, "compare-gb200-nvl72-cloudmatrix384.txt")
    }

    @Test("The JSON matches its golden file")
    func goldenJSON() throws {
        let outcome = run("compare", "gb200-nvl72", "cloudmatrix384", "--format", "json")
        #expect(outcome.status == 0)
        try expectGolden(outcome.output, "compare-gb200-nvl72-cloudmatrix384.json")
    }

    func figures(_ arguments: String...) throws -> [String: [String: Double]] {
        let outcome = run(arguments + ["--format", "json"])
        #expect(outcome.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        let systems = try #require(object["systems"] as? [[String: Any]])
        var result: [String: [String: Double]] = [:]
        for system in systems {
            let name = try #require(system["name"] as? String)
            result[name] = try #require(system["figures"] as? [String: Double])
            for (key, ratio) in try #require(system["ratios_to_baseline"] as? [String: Double]) {
                result[name]!["ratio:" + key] = ratio
            }
        }
        return result
    }

    @Test("The JSON carries the CloudMatrix384 and NVL72 figures")
    func jsonFigures() throws {
        let all = try figures("compare", "cloudmatrix384", "gb200-nvl72")
        let cm = try #require(all["cloudmatrix384"])
        #expect(cm["chips"] == 384)
        #expect(cm["dies"] == 768)
        #expect(abs(cm["hbm_capacity_tb"]! - 49.2) < 0.05)
        #expect(abs(cm["hbm_bandwidth_tb_per_s"]! - 1229) < 0.5)
        #expect(abs(cm["bf16_peta"]! - 288.8) < 0.05)
        #expect(cm["optical_transceivers"] == 6912)
        #expect(abs(cm["power_total_kw"]! - 559) / 559 <= 0.10)
        let nvl = try #require(all["gb200-nvl72"])
        #expect(nvl["bf16_peta"] == 180)
        #expect((13.4...13.8).contains((nvl["hbm_capacity_tb"]! * 10).rounded() / 10))
        #expect(nvl["hbm_bandwidth_tb_per_s"] == 576)
        #expect(abs(nvl["power_total_kw"]! - 145) / 145 <= 0.10)
        // Ratios are against the first system.
        #expect(cm["ratio:chips"] == 1)
        #expect(abs(nvl["ratio:chips"]! - 72.0 / 384) < 1e-6)
    }

    @Test("Ratios: every figure of a system over the same figure of the first")
    func ratios() throws {
        let all = try figures("compare", "hgx-h100", "hgx-h200", "h100-cluster:nodes=4")
        let base = try #require(all["hgx-h100"])
        for name in ["hgx-h200", "h100-cluster"] {
            let system = try #require(all[name])
            for (key, value) in system where !key.hasPrefix("ratio:") {
                guard let baseValue = base[key], baseValue != 0 else { continue }
                let ratio = try #require(system["ratio:" + key])
                #expect(abs(ratio - value / baseValue) <= 1e-5 * max(1, abs(ratio)), "\(name) \(key)")
            }
        }
        #expect(all["h100-cluster"]!["ratio:chips"] == 4)
        #expect(abs(all["hgx-h200"]!["ratio:hbm_capacity_tb"]! - 141.0 / 80) < 1e-5)
    }

    @Test("CSV has one row per system and figure")
    func csv() throws {
        let outcome = run("compare", "gb200-nvl72", "cloudmatrix384", "--format", "csv")
        let lines = outcome.output.split(separator: "\n")
        #expect(lines.first == "system,section,metric,unit,value,ratio_to_baseline")
        #expect(lines.contains { $0.hasPrefix("cloudmatrix384,Network,optical_transceivers,,6912,24") })
        #expect(lines.count == 1 + 2 * (lines.count - 1) / 2)
    }

    @Test("Tables fit a 100-column terminal however many systems", arguments: [2, 3, 4, 6, 10])
    func fitsTerminal(count: Int) {
        let names = ["gb200-nvl72", "cloudmatrix384", "hgx-h100", "hgx-h200", "h100-cluster", "h800-cluster",
                     "dgx-h100-superpod", "dgx-a100-selene", "a100-clos-cluster", "h100-roce-cluster"]
        let outcome = run(["compare"] + Array(names.prefix(count)))
        #expect(outcome.status == 0)
        #expect(width(outcome.output) <= 100)
        // Every system appears.
        for name in names.prefix(count) { #expect(outcome.output.contains(name)) }
    }

    @Test("Same input, same output")
    func deterministic() {
        #expect(run("compare", "gb200-nvl72", "cloudmatrix384", "--format", "json") == run("compare", "gb200-nvl72", "cloudmatrix384", "--format", "json"))
    }
}

@Suite("compare --model")
struct ServingCompareTests {
    func figures(_ arguments: [String]) throws -> [String: [String: Double]] {
        let outcome = run(arguments + ["--format", "json"])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        var result: [String: [String: Double]] = [:]
        for system in try #require(object["systems"] as? [[String: Any]]) {
            result[try #require(system["name"] as? String)] = try #require(system["figures"] as? [String: Double])
        }
        return result
    }

    @Test("Each system serves the model within the TPOT target; per kW is per chip over the all-in power per chip; per rack all chips over all racks")
    func servingFigures() throws {
        let all = try figures(["compare", "gb200-nvl72", "cloudmatrix384", "--model", "deepseek-r1"])
        for name in ["gb200-nvl72", "cloudmatrix384"] {
            let figures = try #require(all[name])
            let tpot = try #require(figures["decode_tpot_ms"])
            #expect(tpot > 0 && tpot <= 50)
            let perChip = try #require(figures["decode_tokens_per_s_per_chip"])
            let batch = try #require(figures["decode_batch_per_chip"])
            // A decode step serves every sequence once, plus what MTP's draft tokens add (1 + 0.7 at most).
            #expect(perChip >= batch / tpot * 1000 * 0.99 && perChip <= batch * 1.7 / tpot * 1000 * 1.01)
            let chips = try #require(figures["chips"]), power = try #require(figures["power_total_kw"])
            let perKilowatt = try #require(figures["decode_tokens_per_s_per_kw"])
            #expect(abs(perKilowatt - perChip / (power / chips)) / perKilowatt < 0.01)
            #expect(try #require(figures["prefill_tokens_per_s_per_chip"]) > perChip)
            // Per rack: every chip serving, over all the racks (NVL72: 72 chips in 1; CloudMatrix384: 384 in 16).
            let racks = try #require(figures["racks"])
            #expect(racks == (name == "gb200-nvl72" ? 1 : 16))
            let perRack = try #require(figures["decode_tokens_per_s_per_rack"])
            #expect(abs(perRack - perChip * chips / racks) / perRack < 0.01)
        }
        // A part-filled rack counts pro rata: one 8-GPU HGX server is a quarter of a 4-server rack.
        let server = try #require(try figures(["compare", "hgx-h100", "--model", "llama-3.1-8b"])["hgx-h100"])
        let serverPerChip = try #require(server["decode_tokens_per_s_per_chip"])
        #expect(abs(try #require(server["decode_tokens_per_s_per_rack"]) - serverPerChip * 8 / 0.25) / serverPerChip < 0.01)
        // A tighter target never allows a bigger batch or more tokens per second.
        let tight = try figures(["compare", "gb200-nvl72", "--model", "deepseek-r1", "--tpot-ms", "20"])["gb200-nvl72"]!
        let loose = all["gb200-nvl72"]!
        #expect(tight["decode_batch_per_chip"]! <= loose["decode_batch_per_chip"]!)
        #expect(tight["decode_tokens_per_s_per_chip"]! <= loose["decode_tokens_per_s_per_chip"]!)
        #expect(tight["decode_tpot_ms"]! <= 20)
    }

    @Test("The JSON carries the layouts as notes; without --model it has none")
    func jsonNotes() throws {
        let outcome = run("compare", "gb200-nvl72", "cloudmatrix384", "--model", "deepseek-r1", "--format", "json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        let notes = try #require(object["notes"] as? [String])
        #expect(notes.contains { $0.hasPrefix("gb200-nvl72: 72 chips (72 ranks), EP72") })
        let serving = try #require(object["serving"] as? [String: Any])
        #expect(serving["model"] as? String == "deepseek-r1")
        #expect(serving["tpot_ms"] as? [Double] == [50])
        #expect(serving["context_tokens"] as? Int == 4096)
        let layouts = try #require(serving["layouts"] as? [String: String])
        #expect(layouts["cloudmatrix384"]?.hasPrefix("144 chips (288 ranks), EP288") == true)
        let plain = run("compare", "gb200-nvl72", "--format", "json")
        let bare = try #require(try JSONSerialization.jsonObject(with: Data(plain.output.utf8)) as? [String: Any])
        #expect(bare["notes"] == nil && bare["serving"] == nil)
    }

    @Test("Several TPOT targets: one set of decode figures each, keyed by the target; a tighter one never serves more")
    func severalTargets() throws {
        let figures = try figures(["compare", "gb200-nvl72", "--model", "deepseek-r1", "--tpot-ms", "50", "25"])["gb200-nvl72"]!
        let tight = try #require(figures["decode_tokens_per_s_per_chip_tpot_25ms"])
        let loose = try #require(figures["decode_tokens_per_s_per_chip_tpot_50ms"])
        #expect(tight <= loose)
        #expect(try #require(figures["decode_tpot_ms_tpot_25ms"]) <= 25)
        #expect(figures["decode_tokens_per_s_per_chip"] == nil)
    }

    @Test("The table names the layout each system ran")
    func layoutNotes() {
        let outcome = run("compare", "gb200-nvl72", "cloudmatrix384", "--model", "deepseek-r1")
        #expect(outcome.status == 0)
        #expect(outcome.output.contains("Serving deepseek-r1"))
        #expect(outcome.output.contains("gb200-nvl72: 72 chips (72 ranks), EP72 with 4 expert slots per rank"))
        #expect(outcome.output.contains("cloudmatrix384: 144 chips (288 ranks), EP288 with 1 expert slot per rank"))
        #expect(outcome.output.contains("fp8") && outcome.output.contains("int8"))
        #expect(outcome.output.split(separator: "\n").allSatisfy { $0.count <= 100 })
    }

    @Test("A system whose chip has no calibration profile keeps its hardware figures and says why it has no serving ones")
    func uncoveredChip() {
        let outcome = run("compare", "gb200-nvl72", "dgx-a100-selene", "--model", "deepseek-r1")
        #expect(outcome.status == 0)
        #expect(outcome.output.contains("dgx-a100-selene: Calibration: no calibration profile covers"))
    }

    @Test("An AWQ checkpoint's INT4 weights shrink the reference layout: Llama-3.1-70B on one H100 instead of two, and the layout says so")
    func quantisedCheckpoint() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Workload/Presets/models/llama-3.1-70b.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        config["quantization_config"] = ["quant_method": "awq", "bits": 4, "group_size": 128]
        let path = try temporaryFile(String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self), name: "config.json")
        let quantised = run("compare", "hgx-h100", "--model", path)
        #expect(quantised.status == 0, "\(quantised.errorOutput)")
        #expect(quantised.output.contains("hgx-h100: 1 chip, TP1, fp8 with int4 weights"), "\(quantised.output)")
        #expect(run("compare", "hgx-h100", "--model", "llama-3.1-70b").output.contains("hgx-h100: 2 chips, TP2, fp8;"))
    }

    @Test("--calibration gives a profile for a chip the shipped ones do not cover, and that system is served")
    func givenProfile() throws {
        // The Hopper profile's fractions relabelled for the A100 (a test file, not a calibration: no FP8, so BF16).
        let shipped = try shippedProfileText("h200-pytorch")
        let borrowed = try temporaryFile(shipped.replacingOccurrences(of: "name: h200-pytorch", with: "name: a100-borrowed")
            .replacingOccurrences(of: "chips: [h200-sxm, h100-sxm, h800-sxm]", with: "chips: [a100-sxm-80gb]"), name: "a100.yaml")
        let outcome = run("compare", "gb200-nvl72", "dgx-a100-selene", "--model", "llama-3.1-8b", "--calibration", borrowed, "--format", "json")
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        let selene = try #require((object["systems"] as? [[String: Any]])?.first { $0["name"] as? String == "dgx-a100-selene" })
        let decode = try #require((selene["figures"] as? [String: Any])?["decode_tokens_per_s_per_chip"] as? Double)
        #expect(decode > 0)
        let orphan = run("compare", "gb200-nvl72", "--calibration", borrowed)
        #expect(orphan.status == 2 && orphan.errorOutput.contains("--calibration needs --model"))
    }

    @Test("--expert-precision serves the experts in that format where the chip and profile have it, the rule's elsewhere")
    func expertPrecision() throws {
        let base = try figures(["compare", "gb200-nvl72", "cloudmatrix384", "--model", "deepseek-r1"])
        let fp4 = try figures(["compare", "gb200-nvl72", "cloudmatrix384", "--model", "deepseek-r1", "--expert-precision", "fp4"])
        // NVFP4 experts on GB200 halve their weight traffic and double their peak: more tokens per chip at the same TPOT.
        #expect(fp4["gb200-nvl72"]!["decode_tokens_per_s_per_chip"]! > base["gb200-nvl72"]!["decode_tokens_per_s_per_chip"]!)
        #expect(fp4["gb200-nvl72"]!["prefill_tokens_per_s_per_chip"]! > base["gb200-nvl72"]!["prefill_tokens_per_s_per_chip"]!)
        // The 910C has no FP4: CloudMatrix384 keeps INT8 and its figures.
        #expect(fp4["cloudmatrix384"] == base["cloudmatrix384"])
        let outcome = run("compare", "gb200-nvl72", "cloudmatrix384", "--model", "deepseek-r1", "--expert-precision", "fp4", "--format", "json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        let serving = try #require(object["serving"] as? [String: Any])
        #expect(serving["expert_precision"] as? String == "fp4")
        let layouts = try #require(serving["layouts"] as? [String: String])
        #expect(layouts["gb200-nvl72"]?.contains("fp8, experts fp4") == true)
        #expect(layouts["cloudmatrix384"]?.contains("experts") == false)
    }

    @Test("Bad serving options exit with status 2 and name the option")
    func badOptions() {
        let orphan = run("compare", "gb200-nvl72", "--expert-precision", "fp4")
        #expect(orphan.status == 2 && orphan.errorOutput.contains("--expert-precision needs --model"))
        for (arguments, fragment) in [(["--tpot-ms", "0"], "--tpot-ms"), (["--context", "-1"], "--context"), (["--prompt", "0"], "--prompt"),
                                      (["--expert-precision", "fp9"], "--expert-precision")] {
            let outcome = run(["compare", "gb200-nvl72", "--model", "deepseek-r1"] + arguments)
            #expect(outcome.status == 2)
            #expect(outcome.output.isEmpty)
            #expect(outcome.errorOutput.contains(fragment), "\(outcome.errorOutput)")
        }
        let unknown = run("compare", "gb200-nvl72", "--model", "gpt-9")
        #expect(unknown.status == 2)
        #expect(unknown.errorOutput.contains("deepseek-r1"))
    }
}
