import Foundation
import Hardware
import Units
import Workload

/// One reference way to serve a model on a system, and the decode batch that gives the most tokens per second
/// per chip within a TPOT target: what `compare --model` prints for each system.
///
/// Not a planner: one layout rule for every system, so that the differences come from the hardware and its
/// calibration profile, not from a layout chosen for one of them.
/// - Ranks per chip: the stack's devices per chip.
/// - Precision: FP8 where the chip has it and the profile prices it, else INT8 likewise, else BF16; with an
///   expert precision asked for (NVFP4 experts, say), the MoE experts run in it where the chip and profile have it.
/// - MoE models: the routed experts plus one redundant replica per 8 (EPLB; DeepSeek's 32 for 256), or the
///   fewest more that some group divides, over the largest expert-parallel group inside one scale-up domain
///   whose size divides those slots (a whole number of chips), or, where that group's weights would take more
///   than half of each rank's memory, the smallest group across domains that leaves that half; attention
///   data-parallel over the same ranks.
/// - Dense models: the smallest tensor-parallel group (a power of two inside one scale-up domain that divides
///   the attention heads and key/value heads) whose share of the weights takes at most half a rank's memory,
///   leaving the rest for the KV cache.
/// - MTP: one draft token at 70% acceptance where the model has an MTP module (CloudMatrix-Infer's assumption).
/// - Micro-batches: one or two, whichever gives the shorter step.
public enum OperatingPoint {
    /// Redundant expert replicas the reference layout places per routed expert (DeepSeek's and
    /// CloudMatrix-Infer's 32 for 256).
    public static let redundancy = 1.0 / 8
    /// Acceptance of the one MTP draft token (CloudMatrix-Infer's assumption, Zuo et al. section 5.2).
    public static let mtpAcceptance = 0.7
    /// Decode batches per chip tried, in sequences.
    public static let batches = [1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 160, 192, 256, 320, 384, 512, 640, 768, 1024]

    /// A deployment, its precision and a one-line description.
    public struct Layout: Sendable, Hashable {
        public var deployment: Deployment
        public var precision: PrecisionSettings
        public var summary: String
    }

    /// A decode operating point: the layout, the batch per chip and the step at the better micro-batch count.
    public struct Decode: Sendable {
        public var layout: Layout
        public var batchPerChip: Int
        public var prediction: StepPrediction
    }

    /// The reference layout of `model` on `system` (see the type's description).
    /// - Throws: ``CostModelError/layout(_:)`` when no group inside one scale-up domain fits the rule.
    public static func reference(system: System, model: ModelArchitecture, profile: CalibrationProfile,
                                 expertPrecision: Precision? = nil) throws(CostModelError) -> Layout {
        let perChip = profile.devicesPerChip ?? 1
        let domainRanks = system.scaleUpLayout.chipsPerDomain * perChip
        func priced(_ precision: Precision) -> Bool {
            system.chip.peak(precision) != nil && profile.gemmEfficiency(precision, blockScaled: model.blockScaledPrecision == precision) != nil
        }
        let compute: Precision = [Precision.fp8, .int8].first(where: priced) ?? .bf16
        let experts = expertPrecision.flatMap { wanted in model.moe != nil && wanted != compute && priced(wanted) ? wanted : nil }
        // Stored bytes a weight, a weight-only quantised checkpoint's where the model is one.
        let stored = PrecisionSettings(compute: compute, experts: experts).resolved(for: model)
        let denseBytes = stored.storedWeightBytes(computingIn: compute), expertBytes = stored.storedWeightBytes(computingIn: experts ?? compute)
        let mtp = model.mtpLayers > 0 ? MultiTokenPrediction(draftTokens: 1, acceptance: mtpAcceptance) : nil
        var deployment: Deployment
        var summary: String
        if let moe = model.moe {
            // The fewest redundant replicas, from one per 8 experts up, that some group of 2 or more ranks divides.
            func group(_ slots: Int) -> Int? {
                stride(from: min(domainRanks, slots), through: 2, by: -1).first { slots % $0 == 0 && $0 % perChip == 0 }
            }
            let least = Int((Double(moe.routedExperts) * redundancy).rounded(.down))
            guard let redundant = (least...(least + moe.routedExperts)).first(where: { group(moe.routedExperts + $0) != nil }),
                  let domainGroup = group(moe.routedExperts + redundant) else {
                throw .layout("no expert-parallel group of 2 to \(domainRanks) ranks divides \(model.name)'s experts with \(least) or more redundant replicas")
            }
            let slots = moe.routedExperts + redundant
            // Across scale-up domains only when one domain's group would fill more than half of each rank's memory
            // with weights: then the smallest group over the system that leaves that half.
            let rankMemory = system.chip.memory.capacity.bytes / Double(perChip)
            let parameters = model.parameters
            func weights(_ size: Int) -> Double {
                let perSlot = parameters.routedExperts / Double(moe.routedExperts)
                return (parameters.total - parameters.routedExperts) * denseBytes + perSlot * Double(slots / size) * expertBytes
            }
            var ranks = domainGroup
            if weights(ranks) > rankMemory / 2 {
                let wider = stride(from: ranks + 1, through: min(slots, system.chips * perChip), by: 1)
                    .filter { slots % $0 == 0 && $0 % perChip == 0 }
                ranks = wider.first { weights($0) <= rankMemory / 2 } ?? wider.last ?? ranks
            }
            deployment = Deployment(chips: ranks / perChip, ranksPerChip: perChip, expertParallel: ranks,
                                    attention: AttentionLayout(kind: .data, degree: ranks), microbatches: 1, expertBalance: .eplb,
                                    redundantExperts: redundant, mtp: mtp)
            let chips = ranks / perChip, perRank = slots / ranks
            let slotWord = perRank == 1 ? "slot" : "slots"
            summary = "\(chips) chips (\(ranks) ranks), EP\(ranks) with \(perRank) expert \(slotWord) per rank, attention data-parallel, " + compute.rawValue
                + (stored.weights.map { " with \($0.rawValue) weights" } ?? "")
                + (experts.map { ", experts \($0.rawValue)" } ?? "")
        } else {
            let heads = model.attention.heads
            let kvHeads: Int
            if case let .grouped(_, kv, _, _, _, _) = model.attention { kvHeads = kv } else { kvHeads = heads }
            func divides(_ size: Int) -> Bool {
                size <= domainRanks && heads % size == 0 && kvHeads % size == 0 && size % perChip == 0
            }
            let sizes = (0...16).map { 1 << $0 }.filter(divides)
            let weights = model.parameters.total * denseBytes
            let rankMemory = system.chip.memory.capacity.bytes / Double(perChip)
            let tp = sizes.first { weights / Double($0) <= rankMemory / 2 } ?? sizes.last ?? 1
            deployment = Deployment(chips: max(tp / perChip, 1), ranksPerChip: perChip, tensorParallel: tp, microbatches: 1, mtp: mtp)
            let chips = max(tp / perChip, 1)
            summary = "\(chips) \(chips == 1 ? "chip" : "chips"), TP\(tp), \(compute.rawValue)" + (stored.weights.map { " with \($0.rawValue) weights" } ?? "")
        }
        if let mtp { summary += ", MTP \(mtp.draftTokens) at \(Int(mtp.acceptance * 100))%" }
        return Layout(deployment: deployment, precision: PrecisionSettings(compute: compute, experts: experts), summary: summary)
    }

    /// The decode batch per chip among ``batches`` that gives the most tokens per second per chip with a TPOT of
    /// at most `tpot`, every sequence at `context` tokens; nil when none meets the target. Batches that do not
    /// fit in memory end the search.
    /// - Throws: ``CostModelError/memory(_:)`` when not even one sequence per chip fits.
    public static func bestDecode(system: System, model: ModelArchitecture, profile: CalibrationProfile, context: Int,
                                  tpot: TimeSpan, expertPrecision: Precision? = nil) throws(CostModelError) -> Decode? {
        let layout = try reference(system: system, model: model, profile: profile, expertPrecision: expertPrecision)
        var best: Decode?
        for batch in batches {
            var request = StepRequest(system: system, model: model, phase: .decode, precision: layout.precision,
                                      deployment: layout.deployment, load: Load(batchPerChip: batch, contextTokens: context))
            let prediction: StepPrediction
            do {
                prediction = try better(&request, profile: profile)
            } catch let error {
                guard case .memory = error, batch != batches[0] else { throw error }
                break
            }
            guard let time = prediction.timePerOutputToken, time <= tpot else { continue }
            if prediction.tokensPerSecondPerChip > best?.prediction.tokensPerSecondPerChip ?? 0 {
                var chosen = layout
                chosen.deployment = request.deployment
                best = Decode(layout: chosen, batchPerChip: batch, prediction: prediction)
            }
        }
        return best
    }

    /// One prefill batch of `tokensPerChip` tokens in `prompt`-token prompts on the reference layout, at the
    /// better of one and two micro-batches.
    public static func prefill(system: System, model: ModelArchitecture, profile: CalibrationProfile, prompt: Int,
                               tokensPerChip: Int, expertPrecision: Precision? = nil) throws(CostModelError) -> (layout: Layout, prediction: StepPrediction) {
        var layout = try reference(system: system, model: model, profile: profile, expertPrecision: expertPrecision)
        var request = StepRequest(system: system, model: model, phase: .prefill, precision: layout.precision,
                                  deployment: layout.deployment, load: Load(promptTokens: prompt, tokensPerChip: tokensPerChip))
        let prediction = try better(&request, profile: profile)
        layout.deployment = request.deployment
        return (layout, prediction)
    }

    /// The faster of one and two micro-batches; `request` is left with the count chosen.
    static func better(_ request: inout StepRequest, profile: CalibrationProfile) throws(CostModelError) -> StepPrediction {
        request.deployment.microbatches = 1
        let single = try StepPredictor.predict(request, profile: profile)
        var split = request
        split.deployment.microbatches = 2
        guard let two = try? StepPredictor.predict(split, profile: profile), two.stepTime < single.stepTime else { return single }
        request = split
        return two
    }
}
