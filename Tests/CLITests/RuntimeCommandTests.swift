import Foundation
import Testing
@testable import SupernodeCLI

@Suite("supernode run, bench and selftest")
struct RuntimeCommandTests {
    @Test("run on threads: every layout on 1, 2, 3 and 4 ranks matches one rank", arguments: ["tp", "ep", "dp-ep"], [1, 2, 3, 4])
    func runInProcess(layout: String, ranks: Int) throws {
        let outcome = run(["run", "--ranks", "\(ranks)", "--layout", layout, "--layers", "1", "--hidden", "48", "--heads", "12",
                           "--kv-heads", "12", "--head-dim", "4", "--experts", "12", "--expert-ffn", "20", "--sequences", "5",
                           "--prompt", "6", "--decode-steps", "2", "--format", "json"])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        #expect((object["max_difference"] as? Double ?? 1) < 1e-3)
        #expect(object["ranks"] as? Int == ranks)
    }

    @Test("run refuses layouts that do not divide, with the numbers and what would (status 2)")
    func runBadLayout() {
        let outcome = run(["run", "--ranks", "5", "--layout", "ep"])
        #expect(outcome.status == 2)
        // 12 KV heads of 24: 4 and 6 ranks divide them; 10 and 15 KV heads are multiples of 5 but do not divide 24 heads.
        #expect(outcome.errorOutput.contains("ep over 5 ranks needs them to divide the 12 KV heads; use 4 or 6 ranks\n"), "\(outcome.errorOutput)")
        #expect(run(["run", "--ranks", "5", "--layout", "dp-ep"]).errorOutput.contains("divide the 12 experts; use 4 or 6 ranks, or 10 or 15 experts"))
        #expect(run(["run", "--ranks", "4", "--layout", "dp-ep", "--sequences", "2"]).errorOutput.contains("at least 4 sequences, got 2; use 4 or more"))
        #expect(run(["run", "--heads", "10", "--kv-heads", "4"]).status == 2)
    }

    @Test("run refuses a model too large for this machine's memory before allocating it (status 2, the numbers)")
    func runTooLarge() {
        let outcome = run(["run", "--layers", "100000", "--hidden", "4096"])
        #expect(outcome.status == 2)
        #expect(outcome.output.isEmpty)
        #expect(outcome.errorOutput.contains("but this machine has"), "\(outcome.errorOutput)")
        #expect(outcome.errorOutput.contains("use a smaller --hidden"))
    }

    @Test("bench collectives reports nccl-tests figures: busbw = algbw x 2(n-1)/n for all-reduce")
    func benchCollectives() throws {
        let outcome = run(["bench", "collectives", "--ranks", "3", "--op", "all_reduce", "all_gather", "--sizes", "4KiB", "--seconds", "0.01", "--format", "json"])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [[String: Any]])
        #expect(rows.count == 2)
        for row in rows {
            let bytes = try #require(row["bytes"] as? Double), seconds = try #require(row["seconds"] as? Double)
            let bus = try #require(row["bus_bandwidth"] as? Double)
            let factor = row["operation"] as? String == "all_reduce" ? 4.0 / 3 : 2.0 / 3
            #expect(abs(bus - bytes / seconds * factor) / bus < 1e-9)
        }
        #expect(run(["bench", "collectives", "--op", "gossip"]).status == 2)
        let huge = run(["bench", "collectives", "--ranks", "2", "--sizes", "1TiB"])
        #expect(huge.status == 2)
        #expect(huge.errorOutput.contains("but this machine has"), "\(huge.errorOutput)")
        for command in [["bench", "collectives"], ["selftest"], ["run"], ["calibrate", "--quick"]] {
            let many = run(command + ["--ranks", "100000"])
            #expect(many.status == 2)
            #expect(many.errorOutput.contains("at most 1,024 ranks"), "\(command): \(many.errorOutput)")
        }
        #expect(run(["bench", "collectives", "--sizes", "lots"]).status == 2)
    }

    @Test("selftest on threads: a rank that fails releases the others with an error, not a hang")
    func selftestFailure() {
        let start = Date()
        let outcome = run(["selftest", "--ranks", "3", "--fail-rank", "1", "--timeout", "20"])
        #expect(outcome.status == 1)
        #expect(outcome.errorOutput.contains("rank 1 fails on purpose"))
        #expect(Date().timeIntervalSince(start) < 15)
        #expect(run(["selftest", "--ranks", "3"]).status == 0)
    }

    #if MPI

    @Test("MPI under mpirun --oversubscribe: every operation and layout on 1, 2, 3 and 4 ranks agrees", arguments: [1, 2, 3, 4])
    func mpiSelftest(ranks: Int) throws {
        let result = try executeBinary(["selftest", "--backend", "mpi", "--ranks", "\(ranks)"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("every operation and layout agrees"))
    }

    @Test("MPI: a rank that fails ends the job with an error within the timeout, not a hang")
    func mpiFailure() throws {
        let start = Date()
        let result = try executeBinary(["selftest", "--backend", "mpi", "--ranks", "3", "--fail-rank", "2", "--timeout", "5"])
        #expect(result.status != 0)
        #expect(Date().timeIntervalSince(start) < 30)
    }

    @Test("MPI: run reports the same check as threads")
    func mpiRun() throws {
        let result = try executeBinary(["run", "--backend", "mpi", "--ranks", "3", "--layout", "dp-ep", "--layers", "1", "--sequences", "3",
                                  "--prompt", "4", "--decode-steps", "1"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("(mpi)"))
        #expect(result.output.contains("-> match"))
    }
    #endif
}

@Suite("supernode calibrate")
struct CalibrateTests {
    @Test("calibrate writes a system, a profile and a model that predict reads back, and compares predicted with measured")
    func roundTrip() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("supernode-calibrate-\(UUID().uuidString)").path
        let outcome = run(["calibrate", "--quick", "--output", folder, "--format", "json"])
        #expect(outcome.status == 0, "\(outcome.errorOutput)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [[String: Any]])
        #expect(rows.count >= 2)
        for row in rows {
            #expect((row["measured_ms"] as? Double ?? 0) > 0)
            #expect((row["predicted_ms"] as? Double ?? 0) > 0)
        }
        for name in ["system.json", "calibration.json", "measurements.json", "model.json"] {
            #expect(FileManager.default.fileExists(atPath: "\(folder)/\(name)"))
        }
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/.system.json.partial"))
        let predict = run(["predict", "--system", "\(folder)/system.json", "--calibration", "\(folder)/calibration.json", "--model", "\(folder)/model.json",
                           "--phase", "decode", "--precision", "fp32", "--kv-cache", "fp32", "--chips", "1", "--batch-per-chip", "4", "--context", "16"])
        #expect(predict.status == 0, "\(predict.errorOutput)")
        #expect(predict.output.contains("this-machine"))
        #expect(run(["systems", "show", "\(folder)/system.json"]).status == 0)
    }

    @Test("calibrate on more ranks than memory allows is refused before measuring, leaving nothing behind")
    func tooManyRanks() {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("supernode-calibrate-\(UUID().uuidString)").path
        // 1,024 ranks of a 1,024-expert model: about 13 TB.
        let outcome = run(["calibrate", "--ranks", "1024", "--output", folder])
        #expect(outcome.status == 2)
        #expect(outcome.errorOutput.contains("1024 ranks"), "\(outcome.errorOutput)")
        #expect(outcome.errorOutput.contains("but this machine has"))
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

    @Test("calibrate refuses a folder it cannot write, leaving nothing behind")
    func unwritable() throws {
        let file = try temporaryFile("not a folder", name: "blocker")
        let outcome = run(["calibrate", "--quick", "--output", "\(file)/inside"])
        #expect(outcome.status == 2)
        #expect(outcome.errorOutput.contains("cannot write the calibration"))
    }
}
