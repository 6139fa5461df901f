import Hardware
import Units
import Workload

/// A deployment checked against a model and a system, with every derived degree and share.
public struct Layout: Sendable, Hashable {
    public let ranks: Int
    public let ranksPerChip: Int
    /// Ranks in one attention group, and how attention is split in it.
    public let attentionKind: AttentionLayout.Kind
    public let attentionDegree: Int
    /// Ranks that split attention heads (1 for data-parallel attention).
    public let headParallel: Int
    /// Tensor-parallel degree of the dense FFN weights.
    public let ffnParallel: Int
    public let expertParallel: Int
    /// Routed expert slots (routed plus redundant) per expert rank.
    public let slotsPerRank: Int
    /// Ranks of the expert group that hold routed slots, and those that hold shared-expert replicas.
    public let routedRanks: Int
    public let sharedRanks: Int
    public let microbatches: Int

    /// Checks `deployment` against `model` and `system`.
    /// - Throws: ``CostModelError/layout(_:)`` naming the numbers that do not divide.
    public init(deployment: Deployment, model: ModelArchitecture, system: System) throws(CostModelError) {
        let chip = system.chip
        // The deployment's own ranges, as a deployment file is checked where it is read.
        do { try deployment.check() } catch { throw .layout("\(error.keyPath.joined(separator: ".")) \(error.message)") }
        guard deployment.chips <= system.chips else {
            throw .layout("the deployment uses \(deployment.chips) chips but \(system.name) has \(system.chips)\(system.isResizable ? "; size it with \(system.name):chips=\(deployment.chips)" : "")")
        }
        let perChip = deployment.ranksPerChip ?? 1
        guard perChip >= 1, chip.dies % perChip == 0 else {
            throw .layout("ranks_per_chip \(perChip) does not divide the \(chip.dies) dies of \(chip.name); use \(Divisors.alternatives(Divisors.of(chip.dies)))")
        }
        ranksPerChip = perChip
        ranks = deployment.chips * perChip
        let rankCount = ranks  // for closures, before every property is set
        let heads = model.attention.heads

        if let attention = deployment.attention {
            guard attention.degree >= 1, ranks % attention.degree == 0 else {
                throw .layout("attention degree \(attention.degree) does not divide \(ranks) ranks (\(deployment.chips) chips x \(perChip) ranks per chip); use \(Divisors.alternatives(Divisors.nearest(Divisors.of(ranks), to: attention.degree)))")
            }
            attentionKind = attention.kind
            attentionDegree = attention.degree
        } else {
            attentionKind = (deployment.tensorParallel ?? 1) > 1 ? .tensor : .data
            attentionDegree = deployment.tensorParallel ?? ranks
        }
        switch attentionKind {
        case .data:
            headParallel = 1
            ffnParallel = deployment.tensorParallel ?? 1
        case .tensor:
            headParallel = attentionDegree
            ffnParallel = attentionDegree
        case .spTpSp:
            headParallel = attentionDegree
            ffnParallel = 1
        }
        guard heads % headParallel == 0 else {
            let fits = Divisors.of(heads).filter { rankCount % $0 == 0 }
            throw .layout("tensor parallelism \(headParallel) does not divide \(model.name)'s \(heads) attention heads; use \(Divisors.alternatives(Divisors.nearest(fits, to: headParallel))) (dividing both the heads and the \(ranks) ranks)")
        }
        guard ffnParallel >= 1, ranks % ffnParallel == 0, model.ffn.intermediateSize % ffnParallel == 0 else {
            let fits = Divisors.of(ranks).filter { model.ffn.intermediateSize % $0 == 0 }
            throw .layout("tensor parallelism \(ffnParallel) does not divide \(ranks) ranks and the FFN width \(model.ffn.intermediateSize); use \(Divisors.alternatives(Divisors.nearest(fits, to: ffnParallel)))")
        }

        if let moe = model.moe {
            let ep = deployment.expertParallel ?? ranks
            let routedSlots = moe.routedExperts + (deployment.redundantExperts ?? 0)
            guard ep >= 1, ranks % ep == 0 else {
                // Degrees that also suit the experts: dividing the routed slots, or beyond them with shared-expert ranks.
                let fits = Divisors.of(ranks).filter { routedSlots % $0 == 0 || ($0 > routedSlots && moe.sharedExperts > 0) }
                throw .layout("expert parallelism \(ep) does not divide \(ranks) ranks (\(deployment.chips) chips x \(perChip) ranks per chip); use \(Divisors.alternatives(Divisors.nearest(fits, to: ep)))")
            }
            if ep > routedSlots {
                // One slot per rank; the ranks beyond the routed slots host shared-expert replicas.
                guard moe.sharedExperts > 0 else {
                    throw .layout("expert parallelism \(ep) exceeds the \(routedSlots) routed and redundant experts, and \(model.name) has no shared expert to place on the other ranks; give every rank a slot with redundant_experts \(ep - moe.routedExperts) (--redundant-experts), or use expert parallelism \(Divisors.alternatives(Divisors.nearest(Divisors.of(ranks).filter { routedSlots % $0 == 0 }, to: ep)))")
                }
                routedRanks = routedSlots
                sharedRanks = ep - routedSlots
                slotsPerRank = 1
            } else {
                guard routedSlots % ep == 0 else {
                    // The nearest redundant counts either way that make the slots divide, and the degrees that divide them.
                    let redundant = deployment.redundantExperts ?? 0
                    let counts = [redundant - routedSlots % ep, redundant + ep - routedSlots % ep].filter { $0 >= 0 }
                    let perRank = counts.map { (moe.routedExperts + $0) / ep }
                    let fits = Divisors.of(ranks).filter { routedSlots % $0 == 0 }
                    let degrees = Divisors.nearest(fits, to: ep).filter { $0 > 1 }
                    throw .layout("expert parallelism \(ep) does not divide \(moe.routedExperts) routed + \(redundant) redundant experts = \(routedSlots); use redundant_experts \(Divisors.alternatives(counts)) (--redundant-experts), for \(Divisors.alternatives(perRank)) slots per rank\(degrees.isEmpty ? "" : ", or expert parallelism \(Divisors.alternatives(degrees))")")
                }
                routedRanks = ep
                sharedRanks = 0
                slotsPerRank = routedSlots / ep
            }
            expertParallel = ep
        } else {
            expertParallel = 1
            routedRanks = 0
            sharedRanks = 0
            slotsPerRank = 0
        }
        microbatches = deployment.microbatchCount
        if let load = deployment.expertLoad, model.moe != nil, load > Double(expertParallel) {
            throw .layout("expert_load \(NumberText.shortest(load)) is more than the \(expertParallel) expert ranks: even every copy on one rank is \(expertParallel) times the mean")
        }
    }
}
