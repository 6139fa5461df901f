import Foundation
import Hardware
import Units
import Workload

/// Predicts one prefill batch or one decode step.
///
/// Each layer of each micro-batch is a chain of compute blocks (attention; experts or dense FFN) and
/// communication (dispatch and combine for MoE layers; all-reduce or all-gather and reduce-scatter for
/// tensor-parallel attention). ``MicrobatchSchedule`` runs the chains of all micro-batches over the compute
/// resource, the network and, for partitioned decode, a second compute stream, so overlap comes out of the
/// schedule. The embedding, the LM head and the MTP
/// module run after the layers. Every kernel is priced by ``RankHardware/time(_:)``, every transfer by
/// ``Collectives`` and ``ExpertExchange``; nothing depends on the system's name.
public enum StepPredictor {
    /// The same step run as one batch: what splitting it into micro-batches gains (or costs).
    ///
    /// Nil when the request has one micro-batch. Splitting hides communication behind compute but runs every
    /// kernel on a smaller batch and streams the weights once per micro-batch (and, where the stack partitions
    /// the chip, on part of it), so small decode batches lose: SGLang measured -27% at 32 sequences per H100
    /// and +25.5% at 256 (LMSYS, 2025-05-05); the tests check the model against those figures.
    public static func singleBatch(_ request: StepRequest, profile: CalibrationProfile) throws(CostModelError) -> StepPrediction? {
        guard request.deployment.microbatchCount > 1 else { return nil }
        var single = request
        single.deployment.microbatches = 1
        return try predict(single, profile: profile)
    }

    /// - Parameter timeline: also record when each task of the step ran (``StepPrediction/timeline``), for a trace.
    public static func predict(_ request: StepRequest, profile: CalibrationProfile, timeline: Bool = false) throws(CostModelError) -> StepPrediction {
        let profile = profile.forPhase(request.phase)
        var request = request
        if request.deployment.ranksPerChip == nil { request.deployment.ranksPerChip = profile.devicesPerChip ?? 1 }
        request.precision = request.precision.resolved(for: request.model)
        let model = request.model
        let layout = try Layout(deployment: request.deployment, model: model, system: request.system)
        let rank = RankHardware(system: request.system, ranksPerChip: layout.ranksPerChip, profile: profile)
        let compute = request.precision.compute
        for format in [compute, request.precision.expert] where request.system.chip.peak(format) == nil {
            let weightOnly = format == .int4 || format == .int8 ? "; weights stored in \(format.rawValue) and computed in a wider format are weight-only quantisation: give \(format.rawValue) as the weights' format (--weights \(format.rawValue), or precision.weights in a file)" : ""
            throw .precision("\(request.system.chip.name) has no \(format.rawValue) arithmetic; it supports \(request.system.chip.peak.supported.map(\.rawValue).joined(separator: ", "))\(weightOnly)")
        }
        if let weights = request.precision.weights, weights.bytesPerElement >= compute.bytesPerElement {
            throw .precision("weights stored in \(weights.rawValue) are not narrower than the \(compute.rawValue) they compute in; weight-only quantisation stores them narrower (int4 or int8 weights with bf16 or fp16 compute), or leave the weights' format out")
        }

        // Work per rank.
        let perChip = Double(layout.ranksPerChip)
        let draft = request.deployment.mtp?.draftTokens ?? 0
        let sequences: Double, tokens: Double, context: Double, maxContext: Double
        var sequencesPerChip = 0.0
        // One rank's tokens and sequences for a chip's load (prefill: tokens per chip; decode: sequences per chip).
        // A decode batch that does not divide over a chip's ranks leaves one of them a sequence more: the step
        // is that rank's.
        func perRank(_ load: Int) -> (tokens: Double, sequences: Double) {
            switch request.phase {
            case .prefill:
                let tokens = Double(load) / perChip
                return (tokens, tokens / Double(request.load.promptTokens ?? 1))
            case .decode:
                let sequences = (Double(load) / perChip).rounded(.up)
                return (sequences * Double(1 + draft), sequences)
            }
        }
        switch request.phase {
        case .prefill:
            guard let prompt = request.load.promptTokens, prompt > 0 else { throw .load("prefill needs prompt_tokens, a positive count") }
            guard let perChipTokens = request.load.tokensPerChip, perChipTokens > 0 else {
                throw .load("prefill needs tokens_per_chip, the tokens each chip takes in one batch")
            }
            (tokens, sequences) = perRank(perChipTokens)
            context = (Double(prompt) + 1) / 2
            maxContext = Double(prompt)
        case .decode:
            guard let batch = request.load.batchPerChip, batch > 0 else { throw .load("decode needs batch_per_chip, a positive count") }
            for (name, value) in [("prompt_tokens", request.load.promptTokens), ("context_tokens", request.load.contextTokens)] {
                if let value, value <= 0 { throw .load("\(name) must be a positive count, got \(value)") }
            }
            if let output = request.load.outputTokens, output < 0 { throw .load("output_tokens must not be negative, got \(output)") }
            guard let mean = request.load.meanDecodeContext, let longest = request.load.longestDecodeSequence else {
                throw .load("decode needs context_tokens, or prompt_tokens (and output_tokens) to derive the mean context")
            }
            sequencesPerChip = Double(batch)
            (tokens, sequences) = perRank(batch)
            guard layout.microbatches <= Int(sequences) else {
                throw .load("\(layout.microbatches) micro-batches need at least \(layout.microbatches) sequences on each rank; batch_per_chip \(batch) over \(layout.ranksPerChip) ranks per chip gives \(Int(sequences)); use fewer micro-batches or a larger batch")
            }
            context = mean
            maxContext = longest
        }
        let length = NumberText.grouped(maxContext, decimals: 0)
        if let problem = model.beyondContextWindow(maxContext, what: request.phase == .prefill ? "prompts of \(length) tokens are" : "sequences that reach \(length) tokens are") {
            throw .load("\(problem); use shorter prompts or outputs, or a model config with a longer window")
        }
        let microbatches = Double(layout.microbatches)
        let mbTokens = tokens / microbatches, mbSequences = sequences / microbatches

        let work = LayerWork(model: model, phase: request.phase, compute: compute, cache: request.precision.cache,
                             attentionKind: layout.attentionKind, headParallel: layout.headParallel, ffnParallel: layout.ffnParallel,
                             expertBlockRows: Double(profile.expertBlockRows ?? 1), expertPrecision: request.precision.experts,
                             weightPrecision: request.precision.weights)

        // A batch that does not fit is refused before anything is priced.
        let memory = footprint(request: request, layout: layout, rank: rank, work: work, tokens: tokens, sequences: sequences,
                               maxContext: maxContext, mbTokens: mbTokens)
        guard memory.fits else {
            // The fix: the largest load that fits (memory grows with the load), or, where none does, the weights.
            let need = "a rank needs \(memory.total.formatted(in: "GB", decimals: 1)) (weights \(memory.weights.formatted(in: "GB", decimals: 1)), KV cache \(memory.kvCache.formatted(in: "GB", decimals: 1)), activations \(memory.activations.formatted(in: "GB", decimals: 1)), buffers \(memory.communicationBuffers.formatted(in: "GB", decimals: 1))) but has \(memory.capacity.formatted(in: "GB", decimals: 1))"
            let key = request.phase == .decode ? "batch_per_chip" : "tokens_per_chip"
            let given = request.phase == .decode ? request.load.batchPerChip ?? 1 : request.load.tokensPerChip ?? 1
            // Decode: at least a sequence per micro-batch on each rank.
            let smallest = request.phase == .decode ? layout.microbatches * layout.ranksPerChip : 1
            func fits(_ load: Int) -> Bool {
                let share = perRank(load)
                return footprint(request: request, layout: layout, rank: rank, work: work, tokens: share.tokens, sequences: share.sequences,
                                 maxContext: maxContext, mbTokens: share.tokens / microbatches).fits
            }
            guard memory.weights < memory.capacity else {
                let times = memory.weights.bytes / memory.capacity.bytes
                throw .memory("\(need): the weights alone are \(NumberText.fixed(times, decimals: 1)) times a rank's memory; split them over at least \(Int(times.rounded(.up))) times as many ranks (tensor parallelism, or expert parallelism for the experts) or store them narrower")
            }
            guard smallest < given, fits(smallest) else {
                throw .memory("\(need), and \(key) \(smallest) does not fit either; use a shorter context or more ranks")
            }
            var low = smallest, high = given  // fits(low), !fits(high)
            while high - low > 1 {
                let middle = low + (high - low) / 2
                if fits(middle) { low = middle } else { high = middle }
            }
            // A prefill batch in whole prompts, where one fits.
            var prompts = ""
            if request.phase == .prefill, let prompt = request.load.promptTokens, low >= prompt {
                low -= low % prompt
                prompts = ", \(low / prompt) prompts of \(prompt)"
            }
            throw .memory("\(need); the largest \(key) that fits is \(low)\(prompts) (or use more ranks)")
        }

        var ledger = Ledger()
        let blocks = LayerBlocks(work: work, layout: layout, rank: rank, request: request, mbTokens: mbTokens, mbSequences: mbSequences, context: context)
        var facts: [(String, String)] = [
            ("tokens per rank per step", NumberText.grouped(tokens, decimals: 0)),
            ("ranks", "\(layout.ranks) (\(layout.ranksPerChip) per chip)"),
        ]

        // The layers of every micro-batch, scheduled. Alternating (DeepSeek's two-batch overlap): the
        // micro-batches take turns on the whole chip while one's communication runs under the other's
        // compute, the communication kernels holding the profile's compute share. Partitioned (CANN's decode
        // pipeline): the attention path and the MoE path (router, dispatch, experts, combine) run as two
        // concurrent streams, each on its share of the compute units, the share chosen so that the step is
        // shortest, as the stack sets it to balance the two streams.
        let outcome: MicrobatchSchedule.Outcome
        let partitioned = request.phase == .decode && layout.microbatches > 1 && profile.decodeOverlap == .partitioned
        if partitioned {
            var scratch = Ledger()
            let raw = try blocks.price(ledger: &scratch, attentionSlowdown: 0, moeSlowdown: 0)
            let share = bestAttentionShare(raw, model: model, microbatches: layout.microbatches)
            let priced = try blocks.price(ledger: &ledger, attentionSlowdown: 1 - share, moeSlowdown: share)
            facts += priced.facts
            facts.append(("attention / MoE stream share of compute", "\(NumberText.fixed(share, decimals: 2)) / \(NumberText.fixed(1 - share, decimals: 2))"))
            outcome = MicrobatchSchedule.run(Array(repeating: priced.chain(model: model, partitioned: true), count: layout.microbatches), recording: timeline)
        } else {
            let share = layout.microbatches > 1 ? profile.network.computeShare(request.phase) : 0
            let priced = try blocks.price(ledger: &ledger, attentionSlowdown: share, moeSlowdown: share)
            facts += priced.facts
            outcome = MicrobatchSchedule.run(Array(repeating: priced.chain(model: model, partitioned: false), count: layout.microbatches), recording: timeline)
        }

        // After the layers: embedding, final norm, LM head (every token in decode, the last of each prompt in prefill).
        let headRows = request.phase == .decode ? tokens : sequences
        let embedding = Kernel("embedding and final norm", .elementwise, precision: .bf16, flops: 0,
                               bytes: work.projectionRows(tokens) * work.d * 2 * 4, launches: 2)
        var tail = try ledger.price([embedding, work.lmHead("LM head", tokens: headRows), work.sampling("sampling", tokens: headRows)],
                                    on: rank, block: "head", calls: 1)
        // The work after the layers in order, for the timeline.
        var tailTasks = [MicrobatchSchedule.Task("embedding, LM head, sampling", .compute, tail)]
        // A vocabulary-parallel head gathers its logits before sampling; nothing hides the gather.
        var tailCommunication = TimeSpan.zero
        func gatherLogits(_ name: String, rows: Double, calls: Int) throws(CostModelError) {
            guard let bytes = work.logitsGather(tokens: rows) else { return }
            let gather = Collectives.time(.allGather, bytes: Bytes(bytes), group: try RankGroup(size: layout.headParallel, on: rank),
                                          overhead: profile.network.collectiveOverhead)
            ledger.communication(name, gather, calls: calls)
            tail += gather.total * calls
            tailCommunication += gather.total * calls
            tailTasks.append(.init(name, .network, gather.total * calls, communication: true))
        }
        try gatherLogits("logits all-gather", rows: headRows, calls: 1)

        // Multi-token prediction: each draft runs the MTP module (projection, one MoE layer, LM head) on one
        // token per sequence, after the main model; its dispatch and combine are not overlapped.
        if request.phase == .decode, draft > 0, model.mtpLayers > 0 {
            let mtpWork = work.attention(tokens: sequences, sequences: sequences, context: context)
                + [work.gemm("MTP projection", rows: work.projectionRows(sequences), inner: 2 * work.d, outer: work.d)]
                + work.routing(tokens: sequences)
                + [work.lmHead("MTP LM head", tokens: sequences), work.sampling("MTP sampling", tokens: sequences)]
            let module = try ledger.price(mtpWork, on: rank, block: "mtp", calls: draft) * draft
            tail += module
            tailTasks.append(.init("MTP module", .compute, module))
            try gatherLogits("MTP logits all-gather", rows: sequences, calls: draft)
            if let moe = model.moe {
                let expert = try expertBlock(moe: moe, tokens: sequences, layout: layout, work: work, rank: rank, request: request, ledger: &ledger, calls: draft, slowdown: 0, label: "MTP ")
                tail += (expert.time + expert.dispatch.total + expert.combine.total) * draft
                tailCommunication += (expert.dispatch.total + expert.combine.total) * draft
                tailTasks += [.init("MTP dispatch", .network, expert.dispatch.total * draft, communication: true),
                              .init("MTP experts", .compute, expert.time * draft),
                              .init("MTP combine", .network, expert.combine.total * draft, communication: true)]
            }
        }

        let stepTime = outcome.makespan + tail
        // Time in which no compute ran, and compute counted twice because two streams ran it at once.
        let exposed = outcome.exposed + tailCommunication
        let streamOverlap = partitioned ? outcome.computeBusy - outcome.computeUnion : .zero

        let tokensPerStep = request.phase == .decode ? (request.deployment.mtp?.tokensPerStep ?? 1) : 1
        let throughput: Double
        var tpot: TimeSpan?
        switch request.phase {
        case .prefill:
            throughput = tokens * perChip / stepTime.seconds
        case .decode:
            throughput = sequencesPerChip * tokensPerStep / stepTime.seconds
            tpot = stepTime / tokensPerStep
        }
        // The timeline: the layers as scheduled, then the work after them, one task after another.
        var intervals = outcome.intervals
        if timeline {
            var clock = outcome.makespan
            for task in tailTasks where task.duration > .zero {
                intervals.append(.init(name: task.name, resource: task.resource, microbatch: nil, layer: nil, start: clock,
                                       end: clock + task.duration, isCommunication: task.isCommunication))
                clock += task.duration
            }
        }
        return StepPrediction(
            phase: request.phase, stepTime: stepTime, tokensPerSecondPerChip: throughput, timePerOutputToken: tpot,
            tokensPerStep: tokensPerStep, operators: ledger.operators, exposedCommunication: max(exposed, .zero),
            hiddenCommunication: max(outcome.networkBusy - exposed, .zero), streamOverlap: max(streamOverlap, .zero), memory: memory, facts: facts,
            timeline: intervals)
    }

    /// The attention path's share of the compute units that makes the step shortest, in steps of 0.05. The
    /// step falls while the attention path is the longer stream and rises after, so a ternary search over
    /// 0.05 ... 0.95 finds its lowest point (ties to the smaller share).
    static func bestAttentionShare(_ raw: LayerBlocks.Priced, model: ModelArchitecture, microbatches: Int) -> Double {
        var makespans: [Int: TimeSpan] = [:]
        func makespan(_ step: Int) -> TimeSpan {
            if let known = makespans[step] { return known }
            let chain = raw.chain(model: model, partitioned: true, attentionShare: Double(step) / 20)
            let value = MicrobatchSchedule.run(Array(repeating: chain, count: microbatches)).makespan
            makespans[step] = value
            return value
        }
        var low = 1, high = 19
        while high - low > 2 {
            let first = low + (high - low) / 3, second = high - (high - low) / 3
            if makespan(first) <= makespan(second) { high = second } else { low = first }
        }
        let best = (low...high).min { makespan($0) < makespan($1) || (makespan($0) == makespan($1) && $0 < $1) } ?? low
        return Double(best) / 20
    }
}
