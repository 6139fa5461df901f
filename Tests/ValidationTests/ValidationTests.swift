import CostModel
import DataFiles
import Foundation
import Numerics
import Hardware
import Testing
import Units
import Workload
@testable import Validation

func validator() throws -> Validator {
    Validator(hardware: try HardwareCatalog.builtIn(), models: try ModelCatalog.builtIn(), calibration: try CalibrationCatalog.builtIn())
}

@Suite("Validation")
struct ValidationTests {
    @Test("The shipped public cases read: 115 cases in five phases")
    func publicCases() throws {
        let file = try ValidationCatalog.publicCases()
        #expect(file.cases.count == 115)
        let phases = Dictionary(grouping: file.cases, by: \.phase).mapValues(\.count)
        #expect(phases[.prefill] == 6)
        #expect(phases[.decode] == 6)
        #expect(phases[.collective] == 4)
        #expect(phases[.serving] == 89)
        #expect(phases[.training] == 10)
    }

    @Test("Every prefill, decode and collective case runs; serving and training are reported, not skipped")
    func runsEverything() throws {
        let report = try validator().run(try ValidationCatalog.publicCases())
        #expect(report.results.count == 115)
        for result in report.results {
            switch result.outcome {
            case let .compared(metrics):
                #expect([.prefill, .decode, .collective].contains(result.item.phase))
                #expect(metrics.count == result.item.expect.count)
                for metric in metrics {
                    let predicted = try #require(metric.predicted, "\(result.item.id) \(metric.metric)")
                    #expect(predicted > 0 && predicted.isFinite)
                }
            case let .failed(reason):
                Issue.record("\(result.item.id) could not run: \(reason)")
            case .unsupported:
                #expect([.serving, .training].contains(result.item.phase))
            case let .calibrationInput(profile):
                let fitted = try CalibrationCatalog.builtIn().profile(named: profile).fittedTo ?? []
                #expect(fitted.contains(result.item.id))
            }
        }
        // The EP8 microbenchmarks fitted the Ascend profile; the EP256 ones stay checks.
        let inputs = report.results.filter { if case .calibrationInput = $0.outcome { return true } else { return false } }.map(\.item.id)
        #expect(Set(inputs) == ["cm384-moe-dispatch-ep8", "cm384-moe-combine-ep8"])
        // The exit status follows the metrics.
        #expect(report.passed == report.metrics.allSatisfy(\.passed))
    }

    @Test("Relative error and agreement by hand")
    func metricArithmetic() {
        let metric = MetricResult(metric: "latency_us", predicted: 110, published: 100, tolerance: 0.15)
        #expect(metric.relativeError! == 0.1)
        #expect(metric.passed)
        #expect(!MetricResult(metric: "latency_us", predicted: 80, published: 100, tolerance: 0.15).passed)
        #expect(!MetricResult(metric: "latency_us", predicted: nil, published: 100, tolerance: 0.15).passed)
    }

    @Test("A user's own file: a collective and a decode case, with an inline model")
    func ownFile() throws {
        let text = """
            format: supernode-validation/1
            cases:
            - id: my-allreduce
              source: my bench
              system: hgx-h100
              phase: collective
              collective: {op: all_reduce, ranks: 8, bytes: 64 MB}
              expect: {latency_us: 500}
              tolerance: 0.5
            - id: my-gpt-decode
              source: my bench
              system: hgx-h100
              phase: decode
              model: {architecture: gpt, hidden_size: 4096, num_hidden_layers: 32, num_attention_heads: 32, vocab_size: 51200}
              precision: {compute: bf16}
              deployment: {chips: 8, tensor_parallel: 8}
              load: {batch_per_chip: 16, context_tokens: 1024}
              expect: {step_ms: 10}
              tolerance: 0.9
            """
        let file = try DataFile.decode(ValidationFile.self, from: text, file: "mine.yaml")
        let report = try validator().run(file)
        #expect(report.results.allSatisfy { !$0.metrics.isEmpty })
    }

    @Test("A plain collective's size may be a bare count of bytes, as nccl-tests prints it; sizes and counts must be positive")
    func collectiveSizes() throws {
        func latency(_ collective: String) throws -> (Double?, String?) {
            let text = """
                format: supernode-validation/1
                cases:
                - id: c
                  source: my bench
                  system: hgx-h100
                  phase: collective
                  collective: \(collective)
                  expect: {latency_us: 500}
                  tolerance: 0.5
                """
            let result = try validator().run(try DataFile.decode(ValidationFile.self, from: text, file: "mine.yaml")).results[0]
            if case let .failed(message) = result.outcome { return (nil, message) }
            return (result.metrics.first?.predicted, nil)
        }
        let bare = try latency("{op: all_reduce, ranks: 8, bytes: 67108864}")
        let quantity = try latency("{op: all_reduce, ranks: 8, bytes: 64 MiB}")
        #expect(bare.0 != nil && bare.0 == quantity.0)
        #expect(try latency("{op: all_reduce, ranks: 8, bytes: -5}").1?.contains("bytes must be positive") == true)
        #expect(try latency("{op: moe_dispatch, expert_parallel: 8, tokens_per_rank: 0, hidden: 7168, top_k: 8}").1?.contains("tokens_per_rank must be a positive count") == true)
        #expect(try latency("{op: moe_dispatch, expert_parallel: 8, tokens_per_rank: 128, hidden: 7168, top_k: 9}").1?.contains("top_k 9 is more than the 8 experts") == true)
    }

    @Test("A user's cases may give weight-only precision and any collective the cost model prices")
    func userCases() throws {
        let text = """
            format: supernode-validation/1
            cases:
            - id: w4
              source: my bench
              system: hgx-h100
              model: llama-3.1-70b
              phase: decode
              precision: {compute: bf16, weights: int4}
              deployment: {chips: 1}
              load: {batch_per_chip: 1, context_tokens: 2048}
              expect: {tpot_ms: 25}
              tolerance: 0.5
            - id: bf16
              source: my bench
              system: hgx-h100
              model: llama-3.1-70b
              phase: decode
              precision: {compute: bf16}
              deployment: {chips: 2, tensor_parallel: 2}
              load: {batch_per_chip: 1, context_tokens: 2048}
              expect: {tpot_ms: 25}
              tolerance: 0.5
            - id: bcast
              source: my bench
              system: hgx-h100
              phase: collective
              collective: {op: broadcast, ranks: 8, bytes: 1 GiB}
              expect: {latency_us: 5000}
              tolerance: 0.5
            """
        let report = try validator().run(try DataFile.decode(ValidationFile.self, from: text, file: "mine.yaml"))
        func predicted(_ id: String) throws -> Double {
            try #require(report.results.first { $0.item.id == id }?.metrics.first?.predicted, "\(id) did not run")
        }
        // INT4 weights on one H100 decode faster than BF16 split over two, whose weights each rank streams half of.
        #expect(try predicted("w4") < (try predicted("bf16")))
        // Broadcast: a tree, the whole buffer once over the rank's link, plus log2(8) latencies and the fixed cost.
        let system = try HardwareCatalog.builtIn().system("hgx-h100")
        let profile = try CalibrationCatalog.builtIn().profile(for: system.chip)
        let direct = try CommunicationRequest(operation: .broadcast, ranks: 8, bytes: Bytes(Double(1 << 30))).price(on: system, profile: profile)
        #expect(try predicted("bcast").isApproximatelyEqual(to: direct.time.total.microseconds, relativeTolerance: 1e-12))
    }

    @Test("Bad files name the problem", arguments: [
        ("format: supernode-validation/2", "expected 'supernode-validation/1'"),
        ("expect: {latency_us: 116}", "unknown metric"),
        ("tolerance: 0.25", "must be a positive relative error"),
        ("phase: collective", "'training-ish' is not one of: prefill, decode, serving, training, collective"),
    ])
    func badFiles(find: String, message: String) throws {
        let base = """
            format: supernode-validation/1
            cases:
            - id: x
              source: s
              system: cloudmatrix384
              phase: collective
              collective: {op: moe_dispatch, expert_parallel: 8, tokens_per_rank: 128, hidden: 7168, top_k: 8, dtype: int8}
              expect: {latency_us: 116}
              tolerance: 0.25
            """
        let replacement: String = switch find {
        case "format: supernode-validation/2": "format: supernode-validation/2"
        case "expect: {latency_us: 116}": "expect: {latency_ms: 116}"
        case "tolerance: 0.25": "tolerance: -1"
        default: "phase: training-ish"
        }
        let original = find.hasPrefix("format") ? "format: supernode-validation/1" : find
        let text = base.replacingOccurrences(of: original, with: replacement)
        do {
            _ = try DataFile.decode(ValidationFile.self, from: text, file: "bad.yaml")
            Issue.record("a bad file was accepted")
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
    }
}
