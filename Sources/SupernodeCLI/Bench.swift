import ArgumentParser
import Foundation
import Reports
import Runtime
import Units

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure this machine: collectives.", subcommands: [Collectives.self])

    struct Collectives: RenderingCommand {
        static let configuration = CommandConfiguration(
            commandName: "collectives",
            abstract: "Time collectives per operation and size: time, algorithm and bus bandwidth, as nccl-tests reports them.",
            discussion: "busbw = algbw x 2(n-1)/n for all_reduce, x (n-1)/n for all_gather, reduce_scatter and all_to_all, x 1 for broadcast.")

        @Option(name: .long, help: "Backend: inproc or mpi.") var backend: BackendArgument = .inproc
        @Option(name: .long, help: "Ranks.") var ranks: Int = 2
        @Option(name: .long, parsing: .upToNextOption, help: "Operations (all_reduce all_gather reduce_scatter all_to_all broadcast).")
        var op: [String] = ["all_reduce"]
        @Option(name: .long, parsing: .upToNextOption, help: "Sizes, such as 8B 1KiB 1MiB 64MiB (default: 8 B to 64 MiB by x4).")
        var sizes: [String] = []
        @Option(name: .long, help: "Minimum seconds per size.") var seconds: Double = 0.2
        @Option(name: .long, help: "All-reduce algorithm of the in-process backend: auto, direct, ring, halving-doubling.")
        var algorithm: String = "auto"
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard ranks >= 1 else { throw ValidationError("--ranks must be positive") }
            guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        }

        func parsedOperations() throws -> [CollectiveBenchmark.Operation] {
            try op.map { name in
                guard let operation = CollectiveBenchmark.Operation(rawValue: name) else {
                    throw InputError("unknown operation '\(name)'; known: \(CollectiveBenchmark.Operation.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return operation
            }
        }

        func parsedSizes() throws -> [Int] {
            guard !sizes.isEmpty else { return stride(from: 3, through: 26, by: 2).map { 1 << $0 } }
            return try sizes.map { Int(try parseSize($0).bytes) }
        }

        func render() throws -> String {
            let operations = try parsedOperations(), sizes = try parsedSizes()
            guard let choice = AllReduceAlgorithm(rawValue: algorithm) else {
                throw InputError("unknown algorithm '\(algorithm)'; known: \(AllReduceAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try Ranks.check(ranks)
            // Each rank holds the buffer and the result, and the communicator and the copy test as much again.
            let local = MachineMemory.localRanks(of: ranks)
            try MachineMemory.check(Double(local) * Double(sizes.max() ?? 0) * 4, what: "the benchmark",
                                    why: "\(local) ranks on this machine, each with about 4 buffers of the largest size", fix: "use smaller --sizes or fewer --ranks")
            if let output = try Ranks.relaunchedOutput(backend: backend, ranks: ranks) { return output }
            defer { Ranks.finalize() }
            let seconds = self.seconds
            let showsProgress = isatty(2) != 0
            guard let rows = try Ranks.run(backend: backend, ranks: ranks, timeout: 120, { comm in
                (comm as? InProcessCommunicator)?.algorithm = choice
                var rows: [CollectiveBenchmark.Row] = []
                let total = operations.count * sizes.count
                for operation in operations {
                    for size in sizes {
                        rows.append(try CollectiveBenchmark.measure(operation, bytes: size, on: comm, minimumSeconds: seconds))
                        if showsProgress && comm.rank == 0 {
                            let done = rows.count, width = 30
                            let bar = String(repeating: "#", count: done * width / total) + String(repeating: " ", count: width - done * width / total)
                            FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) \(operation.rawValue) \(Bytes(Double(size)).formatted())   ".utf8))
                        }
                    }
                }
                if showsProgress && comm.rank == 0 { FileHandle.standardError.write(Data("\r\(String(repeating: " ", count: 70))\r".utf8)) }
                return rows
            }) else { return "" }
            var table = CollectiveBenchmarkReport(rows: rows, ranks: ranks, backend: backend.rawValue).table()
            // The machine's own copy rate with as many threads as ranks, measured in this run, for reference.
            let largest = sizes.max() ?? (64 << 20)
            let copy = CollectiveBenchmark.memcpyBandwidth(bytes: max(largest, 1 << 20), threads: ranks)
            table.notes.append("memcpy with \(ranks) thread\(ranks == 1 ? "" : "s") in this run: \(NumberText.fixed(copy / 1e9, decimals: 2)) GB/s copied (all threads together)")
            switch output.format {
            case .table: return table.renderText()
            case .csv: return table.renderCSV()
            case .json: return JSONOutput.render(rows)
            }
        }
    }
}

/// A buffer size as nccl-tests and `--sizes` write it: 8B, 64KiB, 1 MiB, 1GiB (binary units need no space).
/// - Throws: ``InputError`` naming `--sizes` for what is not a positive size.
func parseSize(_ text: String) throws -> Bytes {
    do {
        let bytes = try Bytes.parse(text.replacingOccurrences(of: "KiB", with: " KiB").replacingOccurrences(of: "MiB", with: " MiB")
            .replacingOccurrences(of: "GiB", with: " GiB").replacingOccurrences(of: "KB", with: " kB"))
        guard bytes.bytes >= 1 else { throw InputError("--sizes: size \(text) must be at least 1 byte") }
        return bytes
    } catch let error as QuantityParseError {
        throw InputError("--sizes: \(error.reason)")
    }
}
