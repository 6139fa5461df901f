import ArgumentParser
import CostModel
import Hardware
import Reports
import Units
import Workload

struct CollectiveCommand: RenderingCommand {
    static let configuration = CommandConfiguration(
        commandName: "collective",
        abstract: "Predict one communication operation on a system: collectives and MoE dispatch and combine, per size.",
        discussion: """
            The cost model's price of one operation over a group of consecutive ranks (chips, then tier-1 switch \
            groups, then scale-up domains, then scale-out), in the columns `bench collectives` measures: time, \
            algorithm and bandwidths as nccl-tests defines them, and the time's parts. Example: supernode collective \
            --system h100-cluster:nodes=16 --op all_reduce --ranks 8 128 --sizes 1MiB 1GiB. Dispatch and combine \
            take tokens per rank and the model's hidden size, experts per token and experts (--model deepseek-r1, or \
            --hidden, --top-k, --experts): supernode collective --system cloudmatrix384 --op moe_dispatch moe_combine \
            --ranks 256 --model deepseek-r1 --dtype int8.
            """)

    @Option(name: .long, help: "System: catalog name, NAME:nodes=N or a file.") var system: String
    @Option(name: .long, parsing: .upToNextOption,
            help: "Operations: all_reduce, all_gather, reduce_scatter, all_to_all, broadcast, point_to_point, moe_dispatch, moe_combine.")
    var op: [String] = ["all_reduce"]
    @Option(name: .long, parsing: .upToNextOption, help: "Ranks in the group; several values give rows each.") var ranks: [Int] = []
    @Option(name: .customLong("ranks-per-chip"), help: "Ranks per chip (default: the stack's devices per chip).") var ranksPerChip: Int?
    @Option(name: .long, parsing: .upToNextOption, help: "Collectives: each rank's buffer, such as 8B 1MiB 1GiB (default: 8 B to 1 GiB by x8).")
    var sizes: [String] = []
    @Option(name: .customLong("tokens-per-rank"), parsing: .upToNextOption, help: "Dispatch and combine: tokens on each rank (default: 128).")
    var tokensPerRank: [Int] = []
    @Option(name: .long, help: "Dispatch and combine: the model whose hidden size, experts per token and experts to use.") var model: String?
    @Option(name: .long, help: "Dispatch and combine: hidden size (overrides --model).") var hidden: Int?
    @Option(name: .customLong("top-k"), help: "Dispatch and combine: experts per token (overrides --model).") var topK: Int?
    @Option(name: .long, help: "Dispatch and combine: routed experts over the group (default: the model's, or one per rank).") var experts: Int?
    @Option(name: .long, help: "Dispatch: the tokens' format (bf16, fp8, int8, fp4); combine returns bf16.") var dtype: String = "bf16"
    @Option(name: .long, help: "Calibration profile: a name or a file (default: the profile for the system's chip).") var calibration: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !ranks.isEmpty else { throw ValidationError("give the group's size with --ranks, such as --ranks 8 64") }
        for (name, values) in [("--ranks", ranks), ("--tokens-per-rank", tokensPerRank), ("--ranks-per-chip", ranksPerChip.map { [$0] } ?? []),
                               ("--hidden", hidden.map { [$0] } ?? []), ("--top-k", topK.map { [$0] } ?? []), ("--experts", experts.map { [$0] } ?? [])] {
            if let bad = values.first(where: { $0 < 1 }) { throw ValidationError("\(name) must be positive, got \(bad)") }
        }
    }

    func render() throws -> String {
        let operations: [CommunicationRequest.Operation] = try op.map { name in
            guard let operation = CommunicationRequest.Operation(rawValue: name) else {
                throw InputError("--op: unknown operation '\(name)'; known: \(CommunicationRequest.Operation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return operation
        }
        let system = try HardwareCatalog.builtIn(only: [self.system]).system(self.system)
        let calibrations = try CalibrationCatalog.builtIn()
        let profile = try calibration.map { try calibrations.profile(reference: $0) } ?? calibrations.profile(for: system.chip)
        let format: Precision
        do { format = try Precision.parse(dtype) } catch { throw InputError("--dtype: \(error)") }
        // Dispatch and combine: the model's shape unless given.
        var shape: (hidden: Int?, topK: Int?, experts: Int?) = (hidden, topK, experts)
        if operations.contains(where: \.isExpertExchange) {
            if let name = model {
                let architecture = try ModelCatalog.builtIn(only: name).model(name)
                guard let moe = architecture.moe else { throw InputError("--model \(name) has no experts to dispatch to; give a mixture-of-experts model or --hidden and --top-k") }
                shape = (hidden ?? architecture.hiddenSize, topK ?? moe.expertsPerToken, experts ?? moe.routedExperts)
            }
            guard shape.hidden != nil, shape.topK != nil else {
                throw InputError("moe_dispatch and moe_combine need the token shape: --model (a mixture-of-experts model) or --hidden and --top-k")
            }
        }
        let sizes = try self.sizes.isEmpty ? stride(from: 3, through: 30, by: 3).map { Bytes(Double(1 << $0)) } : self.sizes.map(parseSize)
        let tokens = tokensPerRank.isEmpty ? [128] : tokensPerRank
        var rows: [CommunicationReport.Row] = []
        for operation in operations {
            for ranks in self.ranks {
                let requests: [CommunicationRequest] = operation.isExpertExchange
                    ? tokens.map { CommunicationRequest(operation: operation, ranks: ranks, ranksPerChip: ranksPerChip, tokensPerRank: $0,
                                                        hidden: shape.hidden, topK: shape.topK, experts: shape.experts, precision: format) }
                    : sizes.map { CommunicationRequest(operation: operation, ranks: ranks, ranksPerChip: ranksPerChip, bytes: $0) }
                for request in requests {
                    rows.append(.init(request: request, prediction: try request.price(on: system, profile: profile)))
                }
            }
        }
        let report = CommunicationReport(system: system, profile: profile.name, rows: rows)
        switch output.format {
        case .table: return report.table().renderText()
        case .csv: return report.csvTable().renderCSV()
        case .json: return JSONOutput.render(report.document)
        }
    }
}
