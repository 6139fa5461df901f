import Foundation
@testable import Reports
import Hardware
import Testing
@testable import SupernodeCLI

@Suite("supernode predict and validate")
struct PredictTests {
    let decode = ["predict", "--system", "cloudmatrix384", "--model", "deepseek-r1", "--phase", "decode", "--precision", "int8",
                  "--chips", "160", "--ranks-per-chip", "2", "--ep", "320", "--attention", "data", "--microbatches", "2",
                  "--balance", "eplb", "--redundant-experts", "32", "--mtp", "1", "--mtp-acceptance", "0.7",
                  "--batch-per-chip", "96", "--prompt-tokens", "4096", "--output-tokens", "256"]

    /// `decode` with these batches per chip in place of its one.
    func decode(batches: [Int]) -> [String] {
        decode.flatMap { $0 == "96" ? batches.map(String.init) : [$0] }
    }

    @Test("The prediction table matches its golden file and fits 100 columns")
    func golden() throws {
        let outcome = run(decode)
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        #expect(width(outcome.output) <= 100)
        try expectGolden(outcome.output, "predict-cloudmatrix384-decode.txt")
    }

    @Test("JSON records the resolved inputs and agrees with the table")
    func json() throws {
        let outcome = run(decode + ["--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        let inputs = try #require(object["inputs"] as? [String: Any])
        #expect(inputs["system"] as? String == "cloudmatrix384")
        #expect(inputs["calibration"] as? String == "ascend-910c-cann")
        let step = try #require(object["step_ms"] as? Double)
        let tpot = try #require(object["tpot_ms"] as? Double)
        #expect(abs(step / tpot - 1.7) < 1e-3)
        #expect(run(decode + ["--format", "csv"]).output.hasPrefix("operator,block,calls,time_ms"))
        // Energy: the all-in power per chip at the step's load over the tokens a chip makes per second.
        let busy = try #require(object["busy_fraction"] as? Double)
        let exposed = try #require(object["exposed_communication_ms"] as? Double)
        #expect(abs(busy - (1 - exposed / step)) < 1e-5)
        let watts = try #require(object["power_per_chip_w"] as? Double), joules = try #require(object["energy_per_token_j"] as? Double)
        let rate = try #require(object["tokens_per_second_per_chip"] as? Double)
        #expect(abs(joules - watts / rate) < 1e-5 * joules)
        // A step busy nearly throughout draws nearly the full-load all-in power per chip, never more.
        let system = try HardwareCatalog.builtIn().system("cloudmatrix384")
        let full = try #require(system.power).total.watts / Double(system.chips)
        #expect(watts <= full && watts > 0.95 * full)
        // Operators carry their roofline and transfer parts, as the CSV does: a kernel's memory part is at most
        // its time on its stream's share of the chip; a transfer's parts add up to its time.
        let operators = try #require(object["operators"] as? [[String: Any]])
        let projection = try #require(operators.first { $0["name"] as? String == "output projection" })
        let memory = try #require(projection["memory_ms"] as? Double), time = try #require(projection["time_ms"] as? Double)
        #expect(memory > 0 && memory <= time)
        let dispatch = try #require(operators.first { $0["name"] as? String == "dispatch" })
        let parts = ["transfer_ms", "latency_ms", "overhead_ms"].compactMap { dispatch[$0] as? Double }.reduce(0, +)
        #expect(abs(parts - (dispatch["time_ms"] as? Double ?? 0)) < 1e-3)
    }

    @Test("Several batches give one row each, the same figures as one prediction each; refused batches say why")
    func sweep() throws {
        func single(_ batch: Int) throws -> [String: Any] {
            let arguments = decode(batches: [batch]) + ["--format", "json"]
            return try #require(try JSONSerialization.jsonObject(with: Data(run(arguments).output.utf8)) as? [String: Any])
        }
        let arguments = decode(batches: [2, 8, 96, 512])
        let table = run(arguments)
        #expect(table.status == 0, "\(table.errorOutput)")
        #expect(width(table.output) <= 100)
        #expect(table.output.contains("2 micro-batches need at least 2"))
        #expect(table.output.contains("Does not fit in memory"))
        // Of the two batches that run, 96 sequences give the more tokens/s: its row is the one marked best.
        let marked = table.output.split(separator: "\n").filter { $0.hasSuffix("best") }
        #expect(marked.count == 1 && marked.first?.trimmingCharacters(in: .whitespaces).hasPrefix("96 ") == true, "\(marked)")
        let outcome = run(arguments + ["--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        let points = try #require(object["points"] as? [[String: Any]])
        #expect(points.map { $0["batch_per_chip"] as? Int } == [2, 8, 96, 512])
        #expect(points[0]["error"] != nil && points[3]["error"] != nil)
        for (index, batch) in [(1, 8), (2, 96)] {
            let one = try single(batch)
            #expect(points[index]["tokens_per_second_per_chip"] as? Double == one["tokens_per_second_per_chip"] as? Double)
            #expect(points[index]["tpot_ms"] as? Double == one["tpot_ms"] as? Double)
        }
        #expect(run(arguments + ["--format", "csv"]).output.hasPrefix("batch_per_chip,step_ms,tpot_ms,tokens_per_second_per_chip"))
        // Every batch refused: the first reason, status 2.
        let none = run(decode(batches: [1000, 2000]))
        #expect(none.status == 2 && none.errorOutput.contains("Does not fit in memory"))
        // Batches for the other phase's flag are refused.
        #expect(run(decode + ["--tokens-per-chip", "1", "2"]).errorOutput.contains("--tokens-per-chip is for prefill"))
    }

    @Test("A TPOT target picks the best batch among those that keep it, marks the others, and checks one prediction")
    func tpotTarget() throws {
        let batches = decode(batches: [8, 24, 96, 128])
        let all = try #require(try JSONSerialization.jsonObject(with: Data(run(batches + ["--format", "json"]).output.utf8)) as? [String: Any])
        let points = try #require(all["points"] as? [[String: Any]])
        let tpots = points.compactMap { $0["tpot_ms"] as? Double }, rates = points.compactMap { $0["tokens_per_second_per_chip"] as? Double }
        #expect(tpots.count == 4 && rates.count == 4)
        // A limit between two batches' TPOTs: the best is the fastest batch under it, whatever comes after.
        let limit = (tpots[2] + tpots[3]) / 2
        let within = try #require(try JSONSerialization.jsonObject(
            with: Data(run(batches + ["--tpot-ms", "\(limit)", "--format", "json"]).output.utf8)) as? [String: Any])
        let expected = (0..<4).filter { tpots[$0] <= limit }.max { rates[$0] < rates[$1] }.map { [8, 24, 96, 128][$0] }
        #expect(within["best"] as? Int == expected)
        #expect(abs((within["tpot_limit_ms"] as? Double ?? 0) - limit) < 1e-3)
        let table = run(batches + ["--tpot-ms", "\(limit)"]).output
        #expect(table.split(separator: "\n").filter { $0.hasSuffix("over TPOT") }.count == (0..<4).filter { tpots[$0] > limit }.count)
        #expect(table.contains("within TPOT"))
        // Below every batch's TPOT: none is best, and the note says so.
        let none = run(batches + ["--tpot-ms", "\((tpots.min() ?? 1) / 2)"]).output
        #expect(!none.split(separator: "\n").contains { $0.hasSuffix("best") } && none.contains("no batch keeps it"))
        // One prediction: the target kept or missed.
        #expect(run(decode + ["--tpot-ms", "1000"]).output.contains("kept: within 1000 ms"))
        #expect(run(decode + ["--tpot-ms", "1"]).output.contains("missed: over 1 ms"))
        let kept = try #require(try JSONSerialization.jsonObject(with: Data(run(decode + ["--tpot-ms", "1000", "--format", "json"]).output.utf8)) as? [String: Any])
        #expect(kept["tpot_target_kept"] as? Bool == true && kept["tpot_target_ms"] as? Double == 1000)
        // CloudMatrix-Infer's SLO table picks batch 96 within 50 ms and 24 within 30 ms; among the README's batches the
        // model marks the same.
        let readme = decode(batches: [8, 24, 64, 96, 128, 192, 256])
        for (target, batch) in [(50, 96), (30, 24)] {
            let picked = try #require(try JSONSerialization.jsonObject(
                with: Data(run(readme + ["--tpot-ms", "\(target)", "--format", "json"]).output.utf8)) as? [String: Any])
            #expect(picked["best"] as? Int == batch)
        }
        // Prefill has no TPOT; a target must be positive.
        let prefill = ["predict", "--system", "hgx-h100", "--model", "llama-3.1-8b", "--phase", "prefill", "--prompt-tokens", "1024",
                       "--tokens-per-chip", "8192", "--tpot-ms", "50"]
        #expect(run(prefill).status == 2 && run(prefill).errorOutput.contains("--tpot-ms is for decode"))
        #expect(run(decode + ["--tpot-ms", "0"]).errorOutput.contains("--tpot-ms must be a positive number"))
    }

    @Test("A deployment file reads like a case's deployment mapping")
    func deploymentFile() throws {
        let path = try temporaryFile("""
            chips: 160
            ranks_per_chip: 2
            expert_parallel: 320
            attention: {kind: data, degree: 320}
            microbatches: 2
            expert_balance: eplb
            redundant_experts: 32
            mtp: {draft_tokens: 1, acceptance: 0.7}
            """, name: "decode.yaml")
        let skewed = try temporaryFile("chips: 160\nranks_per_chip: 2\nattention: {kind: data, degree: 320}\nexpert_load: 1.5\n", name: "skewed.yaml")
        let fromSkewed = run(["predict", "--system", "cloudmatrix384", "--model", "deepseek-r1", "--phase", "decode", "--precision", "int8",
                              "--deployment", skewed, "--batch-per-chip", "96", "--prompt-tokens", "4096", "--output-tokens", "256"])
        #expect(fromSkewed.status == 0, "\(fromSkewed.errorOutput)")
        #expect(fromSkewed.output.contains("expert load, busiest / mean              1.500"), "\(fromSkewed.output)")
        let fromFile = run(["predict", "--system", "cloudmatrix384", "--model", "deepseek-r1", "--phase", "decode", "--precision", "int8",
                            "--deployment", path, "--batch-per-chip", "96", "--prompt-tokens", "4096", "--output-tokens", "256", "--format", "json"])
        #expect(fromFile.status == 0, "\(fromFile.errorOutput)")
        #expect(fromFile.output == run(decode + ["--format", "json"]).output)
        // A value out of range is named with its line.
        let bad = try temporaryFile("chips: 160\nranks_per_chip: 2\nmtp: {draft_tokens: 1, acceptance: 1.5}\n", name: "bad.yaml")
        let refused = run(["predict", "--system", "cloudmatrix384", "--model", "deepseek-r1", "--phase", "decode", "--precision", "int8",
                           "--deployment", bad, "--batch-per-chip", "96", "--context", "4096"])
        #expect(refused.status == 2)
        #expect(refused.errorOutput.contains("bad.yaml:3: mtp.acceptance: must be a rate between 0 and 1, got 1.5"), "\(refused.errorOutput)")
    }

    @Test("Bad layouts and precisions exit 2 with the numbers", arguments: [
        (["--ep", "7"], "expert parallelism 7 does not divide 320 ranks"),
        (["--precision", "fp8"], "ascend-910c has no fp8 arithmetic"),
        (["--precision", "fp12"], "Unknown precision 'fp12'"),
        (["--redundant-experts", "3", "--ep", "32"], "does not divide 256 routed + 3 redundant experts = 259"),
        (["--batch-per-chip", "100000"], "Does not fit in memory"),
        (["--chips", "0"], "--chips must be positive"),
        (["--expert-load", "0.8"], "expert_load must be at least 1 (the busiest expert rank's load over the mean), got 0.8"),
        (["--weights", "int8"], "weights stored in int8 are not narrower than the int8 they compute in"),
        (["--weights", "int3"], "--weights: Unknown precision 'int3'"),
    ])
    func badInput(extra: [String], message: String) {
        // A flag given again replaces its value in `decode`; batch sizes accumulate, so theirs is swapped in place.
        var arguments = decode
        if extra.first == "--batch-per-chip", let index = arguments.firstIndex(of: "--batch-per-chip") {
            arguments[index + 1] = extra[1]
        } else {
            arguments += extra
        }
        let outcome = run(arguments)
        #expect(outcome.status == 2)
        #expect(outcome.output.isEmpty)
        #expect(outcome.errorOutput.contains(message), "\(outcome.errorOutput)")
    }

    @Test("Weight-only quantisation: --weights int4 on BF16 compute fits Llama-3.1-70B on one H100, says so in the title and records it in JSON")
    func weightOnly() throws {
        let base = ["predict", "--system", "hgx-h100", "--model", "llama-3.1-70b", "--phase", "decode", "--chips", "1",
                    "--batch-per-chip", "1", "--context", "2048"]
        #expect(run(base).status == 2)
        let outcome = run(base + ["--weights", "int4"])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        #expect(outcome.output.hasPrefix("decode of llama-3.1-70b on hgx-h100 (1 chip, bf16 with int4 weights, calibration h200-pytorch)"))
        let json = run(base + ["--weights", "int4", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let inputs = try #require(object["inputs"] as? [String: Any])
        let precision = try #require(inputs["precision"] as? [String: Any])
        #expect(precision["weights"] as? String == "int4")
        #expect(precision["compute"] as? String == "bf16")
    }

    @Test("--trace writes the step's schedule as a Chrome trace ending at the step time; a path it cannot write is refused, nothing left behind")
    func trace() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("step.json").path
        let outcome = run(decode + ["--trace", path, "--format", "json"])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let step = try #require((try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])?["step_ms"] as? Double)
        let trace = try #require(try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let events = try #require(trace["traceEvents"] as? [[String: Any]])
        let complete = events.filter { $0["ph"] as? String == "X" }
        let end = complete.compactMap { event -> Double? in
            guard let ts = event["ts"] as? Double, let dur = event["dur"] as? Double else { return nil }
            return ts + dur
        }.max() ?? 0
        #expect(abs(end / 1000 - step) < 1e-3 * step)
        // CANN's decode pipeline: the attention stream and the MoE stream, named.
        let threads = Set(events.filter { $0["name"] as? String == "thread_name" }.compactMap { ($0["args"] as? [String: Any])?["name"] as? String })
        #expect(threads.contains("attention stream") && threads.contains("MoE stream (router, experts, dispatch, combine)"))
        #expect(complete.contains { ($0["args"] as? [String: Any])?["layer"] as? Int == 60 })
        // A folder that does not exist: status 2, no file and no temporary left.
        let missing = folder.appendingPathComponent("no/such/step.json").path
        let refused = run(decode + ["--trace", missing])
        #expect(refused.status == 2 && refused.errorOutput.contains("cannot write the trace"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["step.json"])
        // One step only.
        let sweep = decode(batches: [8, 96])
        #expect(run(sweep + ["--trace", path]).errorOutput.contains("--trace writes one step's schedule"))
    }

    @Test("--html draws the sweep's curve: a point per batch that runs, the best one marked, the TPOT target, the table; only for sweeps")
    func html() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("curve.html").path
        let sweep = decode(batches: [2, 8, 24, 96, 128, 100000])
        let outcome = run(sweep + ["--tpot-ms", "50", "--html", path])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let page = try String(contentsOfFile: path, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("<svg") && page.contains("</svg>"))
        // 8, 24, 96 and 128 run (2 leaves a rank one sequence for two micro-batches; 100,000 does not fit).
        #expect(page.components(separatedBy: "<circle").count - 1 == 4)
        #expect(page.contains(">96 (best)</text>"))
        #expect(page.contains("TPOT target 50 ms"))
        #expect(page.contains("Does not fit in memory"))
        // Only for sweeps; an unwritable path is refused.
        #expect(run(decode + ["--html", path]).errorOutput.contains("--html draws the curve over several batches"))
        let refused = run(sweep + ["--html", folder.appendingPathComponent("no/such/curve.html").path])
        #expect(refused.status == 2 && refused.errorOutput.contains("cannot write the chart"))
    }

    @Test("validate: status 0 only when every supported case agrees, 1 otherwise; a bad file is status 2")
    func validateStatus() throws {
        let all = run(["validate"])
        #expect(all.output.contains("Predicted against published"))
        #expect(all.output.contains("not yet supported: serving"))
        #expect(all.output.contains("89 cases"))
        #expect(all.status == (all.output.contains("PASS: every supported case") ? 0 : 1))
        let agreeing = try temporaryFile("""
            format: supernode-validation/1
            cases:
            - id: combine
              source: Zuo et al.
              system: cloudmatrix384
              phase: collective
              collective: {op: moe_combine, expert_parallel: 8, tokens_per_rank: 128, hidden: 7168, top_k: 8, dtype: bf16}
              expect: {latency_us: 118}
              tolerance: 0.25
            """, name: "one.yaml")
        #expect(run(["validate", "--cases", agreeing]).status == 0)
        let broken = try temporaryFile("format: supernode-validation/1\ncases: [{id: x}]\n", name: "broken.yaml")
        let outcome = run(["validate", "--cases", broken])
        #expect(outcome.status == 2)
        #expect(outcome.errorOutput.contains("missing field"))
        #expect(run(["validate", "--only", "no-such-case"]).status == 2)
    }

    @Test("validate --only runs the chosen cases")
    func only() {
        let outcome = run(["validate", "--only", "cm384-moe", "--format", "csv"])
        let rows = outcome.output.split(separator: "\n").dropFirst()
        #expect(rows.count == 4)
        #expect(rows.allSatisfy { $0.hasPrefix("cm384-moe") })
    }

    @Test("validate --calibration runs the cases with a given profile for the chips it covers, the shipped ones elsewhere")
    func validateWithProfile() throws {
        func predicted(_ arguments: [String]) throws -> [String: Double] {
            let outcome = run(["validate", "--only", "cm384-decode-b96", "deepseek-h800", "--format", "json"] + arguments)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
            var values: [String: Double] = [:]
            for item in try #require(object["cases"] as? [[String: Any]]) {
                let metric = try #require((item["metrics"] as? [[String: Any]])?.first)
                values[try #require(item["id"] as? String)] = metric["predicted"] as? Double
            }
            return values
        }
        // The Ascend profile with a lower HBM efficiency: CloudMatrix384's decode slows, the H800 case does not move.
        let shipped = try shippedProfileText("ascend-910c-cann")
        let slower = try temporaryFile(shipped.replacingOccurrences(of: "\nmemory_efficiency: 0.841", with: "\nmemory_efficiency: 0.5")
            .replacingOccurrences(of: "name: ascend-910c-cann", with: "name: slower-ascend"), name: "slower.yaml")
        let base = try predicted([]), changed = try predicted(["--calibration", slower])
        #expect(try #require(changed["cm384-decode-b96-isl4096"]) < #require(base["cm384-decode-b96-isl4096"]))
        #expect(changed["deepseek-h800-prefill-profile"] == base["deepseek-h800-prefill-profile"])
        // A shipped profile by name changes nothing; an unknown one is refused.
        #expect(try predicted(["--calibration", "ascend-910c-cann"]) == base)
        let unknown = run(["validate", "--calibration", "nosuch"])
        #expect(unknown.status == 2 && unknown.errorOutput.contains("unknown calibration profile 'nosuch'"))
    }

    @Test("validate --explain shows each step case's prediction as predict prints it; only with tables")
    func explain() {
        let outcome = run(["validate", "--only", "h800-prefill", "cm384-moe-dispatch-ep256", "--explain"])
        #expect(outcome.output.contains("== deepseek-h800-prefill-profile\nprefill of deepseek-v3 on h800-cluster"))
        #expect(outcome.output.contains("Where the time goes"))
        // A collective case has no step to explain.
        #expect(!outcome.output.contains("== cm384-moe-dispatch-ep256"))
        let json = run(["validate", "--explain", "--format", "json"])
        #expect(json.status == 2 && json.output.isEmpty && json.errorOutput.contains("--explain prints tables"))
    }

    @Test("calibration list and show fit 100 columns and show every figure", arguments: ["h200-pytorch", "ascend-910c-cann", "blackwell-cuda"])
    func calibrationShow(name: String) {
        let list = run(["calibration"])
        #expect(list.status == 0 && width(list.output) <= 100)
        let show = run(["calibration", "show", name])
        #expect(show.status == 0 && width(show.output) <= 100)
        for label in ["GEMM", "attention compute / memory", "expert GEMM block rows", "decode micro-batches", "compute share of communication"] {
            #expect(show.output.contains(label), "\(label)")
        }
        if name != "h200-pytorch" {
            #expect(show.output.contains("growth per doubling of the expert group"))
        }
    }

    @Test("calibration fit reproduces the shipped profile's figures")
    func calibrationFit() throws {
        let outcome = run(["calibration", "fit", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        let gemm = try #require(object["gemm_efficiency"] as? [String: Double])
        #expect(gemm["bf16"] == 0.77)
        #expect(run(["calibration", "show", "ascend-910c-cann"]).output.contains("MLA 65.4% of compute peak"))
        #expect(run(["calibration", "show", "nope"]).status == 2)
    }

    @Test("calibration fit on the H200 kernel timings gives the eager and graph launch costs and the prefill attention curve")
    func calibrationFitTimings() throws {
        let outcome = run(["calibration", "fit", "h200-kernels", "--format", "json"])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        let eager = try #require(object["eager_overhead_us"] as? Double), graph = try #require(object["graph_overhead_us"] as? Double)
        // A graph replay costs less than an eager launch (CalibrationTests.launchRefit checks the eager figure against the profile).
        #expect(graph > 0 && graph < eager)
        let points = try #require(object["prefill_attention"] as? [[String: Any]])
        #expect(points.count == 12)
        let table = run(["calibration", "fit", "h200-kernels"])
        #expect(table.output.contains("CUDA graph replay") && table.output.contains("MLA causal attention, 16,384 tokens") && width(table.output) <= 100)
        // A profile of the user's that gives decode its graph-replay cost: decode steps take it, prefill does not.
        let graphed = try temporaryFile(try shippedProfileText("h200-pytorch")
            .replacingOccurrences(of: "kernel_overhead: 10 us\n", with: "kernel_overhead: 10 us\ndecode_kernel_overhead: \(graph) us\n")
            .replacingOccurrences(of: "name: h200-pytorch", with: "name: h200-graph"), name: "h200-graph.yaml")
        func seconds(_ phase: [String], _ extra: [String]) throws -> Double {
            let outcome = run(["predict", "--system", "hgx-h100", "--model", "llama-3.1-8b", "--chips", "1", "--format", "json"] + phase + extra)
            #expect(outcome.status == 0, "\(outcome.errorOutput)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
            return try #require(object["step_ms"] as? Double)
        }
        let decode = ["--phase", "decode", "--batch-per-chip", "8", "--context", "2048"]
        let prefill = ["--phase", "prefill", "--tokens-per-chip", "8192", "--prompt-tokens", "1024"]
        #expect(try seconds(decode, ["--calibration", graphed]) < seconds(decode, []))
        #expect(try seconds(prefill, ["--calibration", graphed]) == seconds(prefill, []))
        #expect(run(["calibration", "show", graphed]).output.contains("kernel overhead, decode (graph replay)"))
        // A file of the user's with attention rows only fits those; one with nothing to fit is refused by name.
        let attentionOnly = try temporaryFile("""
            {"format": "supernode-kernels/1", "description": "test", "device": {"name": "H200"}, "sections": {"prefill_attention":
             {"mla_prefill": {"heads": 128, "dqk": 192, "dv": 128, "rows": [{"sequences": 1, "tokens": 4096, "cudnn": {"s": 0.01}}]}}}}
            """, name: "attention.json")
        let partial = run(["calibration", "fit", attentionOnly, "--format", "json"])
        #expect(partial.status == 0, "\(partial.errorOutput)")
        let fitted = try #require(try JSONSerialization.jsonObject(with: Data(partial.output.utf8)) as? [String: Any])
        #expect(fitted["graph_overhead_us"] == nil)
        // 128 heads x 4096^2 x 320 FLOPs in 10 ms, over 989.4 TFLOPS.
        let point = try #require((fitted["prefill_attention"] as? [[String: Any]])?.first)
        #expect(abs((point["efficiency"] as? Double ?? 0) - 128.0 * 4096 * 4096 * 320 / 0.01 / 989.4e12) < 0.0005)
        let empty = try temporaryFile(#"{"format": "supernode-kernels/1", "description": "test", "device": {"name": "H200"}, "sections": {}}"#,
                                      name: "empty.json")
        let refused = run(["calibration", "fit", empty])
        #expect(refused.status == 2 && refused.output.isEmpty && refused.errorOutput.contains("nothing to fit"), "\(refused.errorOutput)")
        let unknown = run(["calibration", "fit", "h100-kernels"])
        #expect(unknown.status == 2 && unknown.errorOutput.contains("h200-kernels"), "\(unknown.errorOutput)")
        let missing = run(["calibration", "fit", "no-such-file.json"])
        #expect(missing.status == 2 && missing.output.isEmpty && missing.errorOutput.contains("no-such-file.json"), "\(missing.errorOutput)")
    }
}

@Suite("supernode collective")
struct CollectiveCommandTests {
    @Test("One row per operation, group size and buffer, with the time's parts adding up and nccl-tests' bandwidths")
    func rows() throws {
        let outcome = run(["collective", "--system", "h100-cluster:nodes=16", "--op", "all_reduce", "all_gather", "--ranks", "8", "128",
                           "--sizes", "1MiB", "1GiB", "--format", "json"])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 8)
        for row in rows {
            let time = try #require(row["time_us"] as? Double), parts = ["latency_us", "transfer_us", "fixed_us"].compactMap { row[$0] as? Double }
            #expect(abs(parts.reduce(0, +) - time) <= 1e-3 * time)
            let bytes = try #require(row["bytes"] as? Double), algbw = try #require(row["algbw_gb_per_s"] as? Double)
            #expect(abs(bytes / (time * 1e-6) / 1e9 - algbw) <= 1e-4 * algbw)
        }
        // Crossing 16 nodes takes longer than staying in one, for the same buffer.
        let big = rows.filter { $0["operation"] as? String == "all_reduce" && $0["bytes"] as? Double == Double(1 << 30) }
        #expect(big.count == 2)
        #expect((big.first { $0["ranks"] as? Int == 128 }?["time_us"] as? Double ?? 0) > (big.first { $0["ranks"] as? Int == 8 }?["time_us"] as? Double ?? .infinity))
        let table = run(["collective", "--system", "h100-cluster:nodes=16", "--ranks", "128", "--sizes", "1GiB"])
        #expect(table.output.contains("all_reduce    128"))
        #expect(table.output.contains("128 ranks in 16 scale-up domains: 7 over scale-up, 120 over scale-out"))
        #expect(width(table.output) <= 100)
    }

    @Test("Dispatch and combine take the model's shape; the CloudMatrix384 EP256 dispatch is the validation case's prediction")
    func dispatch() throws {
        let outcome = run(["collective", "--system", "cloudmatrix384", "--op", "moe_dispatch", "--ranks", "256", "--model", "deepseek-r1",
                           "--dtype", "int8", "--format", "json"])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        let row = try #require((object["rows"] as? [[String: Any]])?.first)
        let validate = run(["validate", "--only", "cm384-moe-dispatch-ep256", "--format", "json"])
        let cases = try #require(try JSONSerialization.jsonObject(with: Data(validate.output.utf8)) as? [String: Any])
        let metric = try #require(((cases["cases"] as? [[String: Any]])?.first?["metrics"] as? [[String: Any]])?.first)
        let predicted = try #require(metric["predicted"] as? Double)
        #expect(abs((row["time_us"] as? Double ?? 0) - predicted) < 1e-6 * predicted)
        #expect(row["tokens_per_rank"] as? Int == 128)
        // The resolved inputs: two dies a chip, DeepSeek's shape, one expert a rank, INT8 tokens.
        #expect(row["ranks_per_chip"] as? Int == 2 && row["hidden"] as? Int == 7168 && row["top_k"] as? Int == 8)
        #expect(row["experts"] as? Int == 256 && row["dtype"] as? String == "int8")
    }

    @Test("Bad input exits 2 naming the flag or the numbers", arguments: [
        (["--system", "hgx-h100"], "--ranks"),
        (["--system", "hgx-h100", "--ranks", "16"], "needs 1 to 8 ranks on hgx-h100"),
        (["--system", "hgx-h100", "--ranks", "8", "--op", "gather"], "--op: unknown operation 'gather'"),
        (["--system", "hgx-h100", "--ranks", "8", "--sizes", "0B"], "--sizes"),
        (["--system", "hgx-h100", "--ranks", "8", "--op", "moe_dispatch"], "--model (a mixture-of-experts model) or --hidden and --top-k"),
        (["--system", "hgx-h100", "--ranks", "8", "--op", "moe_combine", "--model", "llama-3.1-8b"], "has no experts"),
        (["--system", "hgx-h100", "--ranks", "8", "--op", "moe_dispatch", "--hidden", "7168", "--top-k", "9"], "top_k 9 is more than the 8 experts"),
        (["--system", "hgx-h100", "--ranks", "0"], "--ranks must be positive"),
        (["--system", "hgx-h100", "--ranks", "8", "--op", "moe_dispatch", "--model", "deepseek-r1", "--dtype", "fp12"], "--dtype"),
    ])
    func badInput(arguments: [String], message: String) {
        let outcome = run(["collective"] + arguments)
        #expect(outcome.status == 2)
        #expect(outcome.output.isEmpty)
        #expect(outcome.errorOutput.contains(message), "\(outcome.errorOutput)")
    }
}

@Suite("Sweep chart")
struct SweepChartTests {
    @Test("Axes end at 1, 2 or 5 times a power of ten, at least the largest value", arguments: [
        (0.9, 1.0), (1.0, 1.0), (1.2, 2.0), (4.1, 5.0), (57.0, 100.0), (3042.0, 5000.0), (0.031, 0.05),
    ])
    func niceCeiling(value: Double, expected: Double) {
        #expect(abs(SweepChart.niceCeiling(value) - expected) < 1e-12 * expected)
    }

    @Test("Text in the page is escaped")
    func escapes() {
        #expect(SweepChart.escape("a<b & \"c\">") == "a&lt;b &amp; &quot;c&quot;&gt;")
    }
}
