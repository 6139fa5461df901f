import ArgumentParser
import CostModel
import DataFiles
import Foundation
import Hardware
import Reports
import Units
import Workload

struct Predict: RenderingCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict one prefill batch or one decode step: time, tokens/s per chip, TPOT, breakdown, memory.",
        discussion: """
            Example (CloudMatrix-Infer's decode instance): supernode predict --system cloudmatrix384 --model deepseek-r1 \
            --phase decode --precision int8 --chips 160 --ranks-per-chip 2 --ep 320 --attention data \
            --microbatches 2 --balance eplb --redundant-experts 32 --mtp 1 --mtp-acceptance 0.7 \
            --batch-per-chip 128 --prompt-tokens 1024 --output-tokens 1024
            """)

    @Option(name: .long, help: "System: catalog name, NAME:nodes=N or a file.") var system: String
    @Option(name: .long, help: "Model: catalog name, config.json or a folder holding one.") var model: String
    @Option(name: .long, help: "prefill or decode.") var phase: PhaseArgument
    @Option(name: .long, help: "Compute precision of the weight GEMMs (bf16, fp8, int8, ...).") var precision: String = "bf16"
    @Option(name: .customLong("kv-cache"), help: "KV-cache precision.") var kvCache: String = "bf16"
    @Option(name: .customLong("expert-precision"), help: "Precision of the MoE experts' GEMMs and dispatched tokens, when it differs from --precision (e.g. fp4 experts with fp8 attention).")
    var expertPrecision: String?
    @Option(name: .long, help: "Storage format of the weights when narrower than --precision: weight-only quantisation (int4 with --precision bf16 is W4A16, int8 is W8A16).")
    var weights: String?

    @Option(name: .long, help: "A deployment file (YAML or JSON, the validation format's deployment mapping); flags override it.")
    var deployment: String?
    @Option(name: .long, help: "Chips in the instance (default: the whole system).") var chips: Int?
    @Option(name: .customLong("ranks-per-chip"), help: "Ranks per chip (default: the stack's devices per chip).") var ranksPerChip: Int?
    @Option(name: .customLong("tp"), help: "Tensor-parallel degree.") var tensorParallel: Int?
    @Option(name: .long, help: "Attention layout: data, tensor or sp-tp-sp.") var attention: AttentionKindArgument?
    @Option(name: .customLong("attention-degree"), help: "Ranks per attention group (default: all ranks for data, --tp otherwise).")
    var attentionDegree: Int?
    @Option(name: .customLong("ep"), help: "Expert-parallel degree (default: all ranks).") var expertParallel: Int?
    @Option(name: .long, help: "Micro-batches overlapped.") var microbatches: Int?
    @Option(name: .long, help: "Expert balance: perfect, or eplb (the spread of routing the batch and of the placement).") var balance: BalanceArgument?
    @Option(name: .customLong("expert-load"), help: "Busiest expert rank's routed copies over the mean, when known (replaces --balance).")
    var expertLoad: Double?
    @Option(name: .customLong("redundant-experts"), help: "Redundant expert replicas.") var redundantExperts: Int?
    @Option(name: .long, help: "MTP draft tokens per step.") var mtp: Int?
    @Option(name: .customLong("mtp-acceptance"), help: "Acceptance rate of each draft token.") var mtpAcceptance: Double?

    @Option(name: .customLong("tokens-per-chip"), parsing: .upToNextOption,
            help: "Prefill: tokens per chip in one batch; several values give one row each.") var tokensPerChip: [Int] = []
    @Option(name: .customLong("prompt-tokens"), help: "Prompt length.") var promptTokens: Int?
    @Option(name: .customLong("output-tokens"), help: "Decode: output length (the mean context is prompt + output / 2).") var outputTokens: Int?
    @Option(name: .customLong("batch-per-chip"), parsing: .upToNextOption,
            help: "Decode: sequences per chip; several values give one row each.") var batchPerChip: [Int] = []
    @Option(name: .long, help: "Decode: context length of every sequence.") var context: Int?
    @Option(name: .customLong("tpot-ms"), help: "Decode: a TPOT target in ms; with several batches, best is the one with the most tokens/s per chip within it.")
    var tpotMs: Double?
    @Option(name: .long, help: "Calibration profile: a name or a file (default: the profile for the system's chip).")
    var calibration: String?
    @Option(name: .long, help: "Write the step's schedule on one rank as a Chrome trace to this file (open it in ui.perfetto.dev or chrome://tracing).")
    var trace: String?
    @Option(name: .long, help: "With several batches: write the throughput-latency curve as an HTML page with an SVG chart to this file.")
    var html: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        let batches: [(String, Int?)] = tokensPerChip.map({ ("--tokens-per-chip", $0) }) + batchPerChip.map({ ("--batch-per-chip", $0) })
        for (name, value) in [("--chips", chips), ("--ranks-per-chip", ranksPerChip), ("--tp", tensorParallel), ("--attention-degree", attentionDegree),
                              ("--ep", expertParallel), ("--microbatches", microbatches), ("--prompt-tokens", promptTokens), ("--context", context)] + batches {
            if let value, value <= 0 { throw ValidationError("\(name) must be positive, got \(value)") }
        }
        let (swept, other) = phase == .decode ? ("--batch-per-chip", tokensPerChip) : ("--tokens-per-chip", batchPerChip)
        if other.count > 1 {
            throw ValidationError("\(phase == .decode ? "--tokens-per-chip" : "--batch-per-chip") is for \(phase == .decode ? "prefill" : "decode"); in \(phase.rawValue), give several batches with \(swept)")
        }
        // The load comes from flags only (a deployment file holds the layout): name the flags a phase needs.
        switch phase {
        case .prefill:
            if promptTokens == nil { throw ValidationError("prefill needs --prompt-tokens, the prompt length (e.g. --prompt-tokens 4096)") }
            if tokensPerChip.isEmpty { throw ValidationError("prefill needs --tokens-per-chip, the tokens each chip takes in one batch (e.g. --tokens-per-chip 16384)") }
        case .decode:
            if batchPerChip.isEmpty { throw ValidationError("decode needs --batch-per-chip, the sequences on each chip (e.g. --batch-per-chip 64)") }
            if context == nil && promptTokens == nil {
                throw ValidationError("decode needs the context the sequences attend over: --context N, or --prompt-tokens N (with --output-tokens M, the mean context is N + M/2)")
            }
        }
        if let tpotMs {
            guard phase == .decode else { throw ValidationError("--tpot-ms is for decode: prefill has no time per output token") }
            guard tpotMs > 0, tpotMs.isFinite else { throw ValidationError("--tpot-ms must be a positive number of milliseconds, got \(tpotMs)") }
        }
        if html != nil, batchPerChip.count < 2 && tokensPerChip.count < 2 {
            throw ValidationError("--html draws the curve over several batches; give two or more --batch-per-chip or --tokens-per-chip values")
        }
        if trace != nil, batchPerChip.count > 1 || tokensPerChip.count > 1 {
            throw ValidationError("--trace writes one step's schedule; give one batch (--batch-per-chip or --tokens-per-chip) with it")
        }
        if let mtp, mtp < 0 { throw ValidationError("--mtp must not be negative, got \(mtp)") }
        if let mtpAcceptance, !(0...1).contains(mtpAcceptance) { throw ValidationError("--mtp-acceptance must be between 0 and 1, got \(mtpAcceptance)") }
        if mtpAcceptance != nil && mtp == nil { throw ValidationError("--mtp-acceptance needs --mtp, the draft tokens per step") }
    }

    func request() throws -> (StepRequest, CalibrationProfile) {
        var system = try HardwareCatalog.builtIn(only: [self.system]).system(self.system)
        let model = try ModelCatalog.builtIn(only: self.model).model(self.model)
        var layout = try deployment.map { path throws(DataFileError) in try DataFile.load(Deployment.self, path: path) }
            ?? Deployment(chips: chips ?? system.chips)
        if let chips { layout.chips = chips }
        if let ranksPerChip { layout.ranksPerChip = ranksPerChip }
        if let tensorParallel { layout.tensorParallel = tensorParallel }
        if let attention {
            let kind = AttentionLayout.Kind(rawValue: attention.rawValue)!
            layout.attention = AttentionLayout(kind: kind, degree: attentionDegree ?? (kind == .data ? 0 : (tensorParallel ?? 1)))
        }
        if let expertParallel { layout.expertParallel = expertParallel }
        if let microbatches { layout.microbatches = microbatches }
        if let balance { layout.expertBalance = ExpertBalance(rawValue: balance.rawValue) }
        if let redundantExperts { layout.redundantExperts = redundantExperts }
        if let expertLoad { layout.expertLoad = expertLoad }
        if let mtp { layout.mtp = MultiTokenPrediction(draftTokens: mtp, acceptance: mtpAcceptance ?? 0) }
        if system.isResizable, layout.chips > system.chips {
            system = try system.resized(nodes: (layout.chips + system.node.chips - 1) / system.node.chips)
        }
        let calibrations = try CalibrationCatalog.builtIn()
        let profile: CalibrationProfile
        if let calibration {
            profile = try calibrations.profile(reference: calibration)
        } else {
            profile = try calibrations.profile(for: system.chip)
        }
        let perChip = layout.ranksPerChip ?? profile.devicesPerChip ?? 1
        if let kind = layout.attention?.kind, layout.attention?.degree == 0 {
            layout.attention = AttentionLayout(kind: kind, degree: layout.chips * perChip)
        }
        let precisions = PrecisionSettings(compute: try parsePrecision(precision, flag: "--precision"), kvCache: try parsePrecision(kvCache, flag: "--kv-cache"),
                                           experts: try expertPrecision.map { try parsePrecision($0, flag: "--expert-precision") },
                                           weights: try weights.map { try parsePrecision($0, flag: "--weights") })
        let load = Load(batchPerChip: batchPerChip.first, promptTokens: promptTokens, outputTokens: outputTokens, contextTokens: context,
                        tokensPerChip: tokensPerChip.first)
        let phase = Phase(rawValue: self.phase.rawValue)!
        return (StepRequest(system: system, model: model, phase: phase, precision: precisions, deployment: layout, load: load), profile)
    }

    func parsePrecision(_ text: String, flag: String) throws -> Precision {
        do { return try Precision.parse(text) } catch { throw InputError("\(flag): \(error)") }
    }

    func render() throws -> String {
        let (request, profile) = try request()
        let batches = request.phase == .decode ? batchPerChip : tokensPerChip
        if batches.count > 1 { return try sweep(request, profile: profile, batches: batches) }
        let prediction = try StepPredictor.predict(request, profile: profile, timeline: trace != nil)
        if let trace { try write(StepTrace(request: request, prediction: prediction).render(), to: trace, what: "the trace") }
        let report = PredictionReport(request: request, profile: profile, prediction: prediction,
                                      singleBatch: try StepPredictor.singleBatch(request, profile: profile), tpotLimit: tpotMs.map { TimeSpan($0, "ms") })
        switch output.format {
        case .table: return report.tables().map { $0.renderText(maxCellWidth: 60) }.joined(separator: "\n")
        case .csv: return report.csvTable().renderCSV()
        case .json: return JSONOutput.render(report.document)
        }
    }
}

extension Predict {
    /// Writes `text` to `path` through a temporary file beside it, so a failed write leaves nothing half-written.
    func write(_ text: String, to path: String, what: String) throws {
        let target = URL(fileURLWithPath: path)
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).partial")
        do {
            try Data(text.utf8).write(to: temporary)
            _ = try? FileManager.default.removeItem(at: target)
            try FileManager.default.moveItem(at: temporary, to: target)
        } catch {
            _ = try? FileManager.default.removeItem(at: temporary)
            throw InputError("cannot write \(what) to \(path): \(error.localizedDescription); give a file in a folder you can write to")
        }
    }

    /// One prediction per batch. A batch the model refuses shows why in its row; when it refuses every one,
    /// the first reason is the error.
    func sweep(_ request: StepRequest, profile: CalibrationProfile, batches: [Int]) throws -> String {
        let points = batches.map { batch in
            var point = request
            if request.phase == .decode { point.load.batchPerChip = batch } else { point.load.tokensPerChip = batch }
            return PredictionSweepReport.Point(batch: batch, outcome: Result { () throws(CostModelError) in try StepPredictor.predict(point, profile: profile) })
        }
        if case let .failure(error) = points.first?.outcome, points.allSatisfy({ (try? $0.outcome.get()) == nil }) { throw error }
        let report = PredictionSweepReport(request: request, profile: profile, points: points, tpotLimit: tpotMs.map { TimeSpan($0, "ms") })
        if let html { try write(SweepChart(report: report).html(), to: html, what: "the chart") }
        switch output.format {
        case .table: return report.table().renderText()
        case .csv: return report.csvTable().renderCSV()
        case .json: return JSONOutput.render(report.document)
        }
    }
}

enum PhaseArgument: String, ExpressibleByArgument, CaseIterable { case prefill, decode }
enum AttentionKindArgument: String, ExpressibleByArgument, CaseIterable { case data, tensor, spTpSp = "sp-tp-sp" }
enum BalanceArgument: String, ExpressibleByArgument, CaseIterable { case perfect, eplb }
