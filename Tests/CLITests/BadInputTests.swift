import Foundation
import Testing
@testable import SupernodeCLI

@Suite("Bad input")
struct BadInputTests {
    /// A bad input ends with status 2, nothing on standard output, and a message naming the problem.
    func expectRefused(_ arguments: [String], mentioning fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let outcome = run(arguments)
        #expect(outcome.status == 2, sourceLocation: sourceLocation)
        #expect(outcome.output.isEmpty, "nothing is written half-way", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(outcome.errorOutput.contains(fragment), "\(outcome.errorOutput)", sourceLocation: sourceLocation)
        }
    }

    let system = """
        name: my-node
        summary: one 8-chip server
        chip: h100-sxm
        nodes: 1
        node: {chips: 8}
        scale_up:
          name: NVLink
          ports_per_chip: 18
          link: {bandwidth: 25 GB/s, medium: copper}
          tiers:
            - name: NVSwitch
              switch: {name: nvswitch, radix: 64, port_bandwidth: 25 GB/s, power: 100 W}
              switches: 4
              latency: 1 us
        facility: {nodes_per_rack: 4, rack_footprint: 0.72 m2, pue: 1.2, power_delivery_efficiency: 0.95}
        sources: {composition: test}
        """

    @Test("The test file itself is valid")
    func baseIsValid() throws {
        let path = try temporaryFile(system, name: "node.yaml")
        #expect(run("systems", "show", path).status == 0)
    }

    @Test("Unknown system, chip and model names list the known ones")
    func unknownNames() {
        expectRefused(["compare", "h200x", "gb200-nvl72"], mentioning: ["Unknown system 'h200x'", "Known systems: a100-clos-cluster", "cloudmatrix384"])
        expectRefused(["systems", "show", "nvl72"], mentioning: ["Unknown system 'nvl72'"])
        expectRefused(["chips", "show", "h300"], mentioning: ["Unknown chip 'h300'", "Known chips: a100-sxm-80gb"])
        expectRefused(["models", "show", "llama-5"], mentioning: ["Unknown model 'llama-5'", "Known models: deepseek-r1"])
    }

    @Test("A file that does not parse names the file, the line and what was expected")
    func unparsable() throws {
        let path = try temporaryFile(system.replacingOccurrences(of: "node: {chips: 8}", with: "node: {chips: 8"), name: "broken.yaml")
        expectRefused(["systems", "show", path], mentioning: [path + ":", "not valid YAML or JSON"])
        let json = try temporaryFile("{\"hidden_size\": 64,,}", name: "config.json")
        expectRefused(["models", "show", json], mentioning: [json + ":1", "not valid YAML or JSON"])
    }

    @Test("Missing and unknown fields are named with the known ones")
    func fields() throws {
        let unknown = try temporaryFile(system.replacingOccurrences(of: "nodes: 1", with: "nodes: 1\nracks: 1"), name: "unknown.yaml")
        expectRefused(["systems", "show", unknown], mentioning: ["unknown.yaml:5: racks: unknown field 'racks'", "Known fields here: chip, facility, name, node, nodes"])
        let misspelt = try temporaryFile(system.replacingOccurrences(of: "nodes: 1", with: "nodez: 1"), name: "misspelt.yaml")
        expectRefused(["systems", "show", misspelt], mentioning: ["missing field 'nodes'", "is 'nodez' on line 4 a misspelling of it?"])
        let missing = try temporaryFile(system.replacingOccurrences(of: "      latency: 1 us\n", with: ""), name: "missing.yaml")
        expectRefused(["systems", "show", missing], mentioning: ["missing field 'latency'"])
        let model = try temporaryFile(#"{"model_type": "llama", "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 10, "intermediate_size": 8}"#, name: "config.json")
        expectRefused(["models", "show", model], mentioning: ["missing field 'hidden_size'"])
    }

    @Test("Non-positive bandwidths, capacities and counts are refused", arguments: [
        ("bandwidth: 25 GB/s, medium", "bandwidth: 0 GB/s, medium", "scale_up.link.bandwidth: must be positive"),
        ("node: {chips: 8}", "node: {chips: 0}", "node.chips: must be a positive count"),
        ("radix: 64", "radix: -1", "radix: must be a positive count"),
        ("chip: h100-sxm", "chip: {name: c, vendor: v, summary: s, dies: 1, peak: {bf16: 1 TFLOPS}, memory: {capacity: 0 GB, bandwidth: 1 TB/s}, sources: {}}", "chip.memory.capacity: must be positive"),
    ])
    func nonPositive(find: String, replace: String, message: String) throws {
        let path = try temporaryFile(system.replacingOccurrences(of: find, with: replace), name: "bad.yaml")
        expectRefused(["systems", "show", path], mentioning: [message])
    }

    @Test("Tiers that do not add up are refused with the numbers")
    func tiersDoNotAddUp() throws {
        let path = try temporaryFile(system.replacingOccurrences(of: "switches: 4", with: "switches: 2"), name: "tiers.yaml")
        expectRefused(["systems", "show", path], mentioning: ["144 links arrive", "2 switches of radix 64 have only 128", "more chips than the switch ports can reach"])
        expectRefused(["compare", "h100-cluster:nodes=5000"], mentioning: ["more chips than the switch ports can reach"])
    }

    @Test("Sizes that cannot apply are refused")
    func sizes() {
        expectRefused(["compare", "cloudmatrix384:nodes=96"], mentioning: ["cloudmatrix384 is a fixed system"])
        expectRefused(["compare", "h100-cluster:chips=12"], mentioning: ["not a whole number of 8-chip nodes"])
    }

    @Test("Bad flags and arguments exit with status 2 too")
    func usage() {
        expectRefused(["compare"], mentioning: ["Name at least one system"])
        expectRefused(["compare", "gb200-nvl72", "--format", "xml"], mentioning: ["xml"])
        expectRefused(["compare", "gb200-nvl72", "--frobnicate"], mentioning: ["frobnicate"])
        expectRefused(["models", "show", "llama-3.1-8b", "--context", "0"], mentioning: ["--context"])
        expectRefused(["launch"], mentioning: ["launch"])
    }

    @Test("A prediction without its load names the flags the phase needs")
    func missingLoad() {
        let base = ["predict", "--system", "hgx-h100", "--model", "llama-3.1-8b"]
        expectRefused(base + ["--phase", "decode", "--prompt-tokens", "1024"], mentioning: ["--batch-per-chip"])
        expectRefused(base + ["--phase", "decode", "--batch-per-chip", "32"], mentioning: ["--context", "--prompt-tokens"])
        expectRefused(base + ["--phase", "prefill", "--tokens-per-chip", "8192"], mentioning: ["--prompt-tokens"])
        expectRefused(base + ["--phase", "prefill", "--prompt-tokens", "1024"], mentioning: ["--tokens-per-chip"])
        #expect(run(base + ["--phase", "decode", "--batch-per-chip", "32", "--context", "2048"]).status == 0)
    }

    @Test("A calibration profile whose dispatch cost shrinks as the expert group grows, or with no devices per chip, is refused at its line")
    func negativeExchangeGrowth() throws {
        let profile = """
            name: bad
            chips: [ascend-910c]
            stack: test
            gemm: {int8: 0.8}
            memory_efficiency: 0.8
            attention: {compute_efficiency: 0.6, memory_efficiency: 0.8}
            kernel_overhead: 0 us
            network:
              scale_up_efficiency: 0.8
              scale_out_efficiency: 0.9
              prefill_dispatch: per-expert
              decode_dispatch: per-expert
              collective_overhead: 10 us
              dispatch_overhead: 50 us
              combine_overhead: 20 us
              dispatch_overhead_per_doubling: -5 us
              compute_share: 0
            sources: {}
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("supernode-bad-growth-\(UUID().uuidString).yaml").path
        try profile.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectRefused(["predict", "--system", "cloudmatrix384", "--model", "deepseek-r1", "--phase", "decode", "--precision", "int8",
                       "--chips", "160", "--ep", "320", "--attention", "data", "--batch-per-chip", "8", "--context", "4096",
                       "--calibration", path],
                      mentioning: [":16: network.dispatch_overhead_per_doubling: must not be negative"])
        // A profile that splits a chip into no devices.
        let noDevices = profile.replacingOccurrences(of: "stack: test", with: "stack: test\ndevices_per_chip: 0")
            .replacingOccurrences(of: "dispatch_overhead_per_doubling: -5 us", with: "dispatch_overhead_per_doubling: 5 us")
        try noDevices.write(toFile: path, atomically: true, encoding: .utf8)
        expectRefused(["predict", "--system", "cloudmatrix384", "--model", "deepseek-r1", "--phase", "decode", "--precision", "int8",
                       "--chips", "160", "--ep", "320", "--attention", "data", "--batch-per-chip", "8", "--context", "4096",
                       "--calibration", path],
                      mentioning: [":4: devices_per_chip: must be at least 1, got 0"])
    }

    @Test("A prompt or context longer than the model's context window, or too long to count, is refused")
    func contextWindow() {
        let base = ["predict", "--system", "cloudmatrix384", "--model", "deepseek-r1", "--phase", "decode", "--precision", "int8",
                    "--chips", "160", "--ep", "320", "--attention", "data", "--batch-per-chip", "8", "--output-tokens", "256"]
        expectRefused(base + ["--prompt-tokens", "200000"], mentioning: ["200,256 tokens", "context window is 163,840 tokens"])
        expectRefused(base + ["--prompt-tokens", "\(Int.max)"], mentioning: ["context window is 163,840 tokens"])
        expectRefused(["compare", "gb200-nvl72", "--model", "deepseek-r1", "--context", "200000"],
                      mentioning: ["--context 200,000 tokens is longer than deepseek-r1 takes", "use a shorter --context"])
    }

    @Test("A missing file is named")
    func missingFile() {
        expectRefused(["systems", "show", "no/such/system.yaml"], mentioning: ["no/such/system.yaml: no such file"])
    }
}

@Suite("The supernode executable")
struct ExecutableTests {


    @Test("Bad input: exit status 2, message on standard error, nothing on standard output")
    func exitStatus() throws {
        let result = try executeBinary(["compare", "h200x"])
        #expect(result.status == 2)
        #expect(result.output.isEmpty)
        #expect(result.error.contains("Unknown system 'h200x'"))
    }

    @Test("Success: exit status 0 and the table on standard output")
    func success() throws {
        let result = try executeBinary(["compare", "gb200-nvl72", "cloudmatrix384"])
        #expect(result.status == 0)
        #expect(result.output == run("compare", "gb200-nvl72", "cloudmatrix384").output)
        #expect(try executeBinary(["--version"]).output.hasPrefix(SupernodeVersion.current))
    }
}
