import Foundation
import Hardware
import Units

/// Where the peers of one rank in a group of consecutive ranks sit, and how fast it reaches them.
///
/// Ranks are numbered chip by chip and chips node by node, so a group of G ranks fills chips, then the
/// chips under one tier-1 switch group, then a scale-up domain, before it crosses the scale-out fabric.
/// Peers fall into four classes: the same chip (another die), the same tier-1 switch group, farther in the
/// same scale-up domain, and other domains.
public struct RankGroup: Sendable, Hashable {
    public let size: Int
    public let sameChip: Int
    public let near: Int
    public let far: Int
    public let remote: Int
    /// Scale-up domains the group spans.
    public let domains: Int
    /// Ranks of the group inside one scale-up domain.
    public let ranksPerDomain: Int
    public let nearLatency: TimeSpan
    public let farLatency: TimeSpan
    public let remoteLatency: TimeSpan
    public let scaleUpBandwidth: Bandwidth
    public let scaleOutBandwidth: Bandwidth?
    /// What a rank's share of an all-to-all gets over each fabric, after contention in an oversubscribed first
    /// tier: a tier-1 group with o times more bandwidth down than up carries the traffic leaving it at 1/o of
    /// what its chips inject, so when a fraction f of a rank's traffic on that fabric goes beyond its tier-1
    /// group, every rank's share slows by max(1, f·o). Rings and trees keep their traffic mostly inside tier-1
    /// groups and use ``scaleUpBandwidth`` and ``scaleOutBandwidth``.
    public let allToAllScaleUpBandwidth: Bandwidth
    public let allToAllScaleOutBandwidth: Bandwidth?

    /// The group of `size` consecutive ranks starting at a domain boundary.
    /// - Throws: ``CostModelError/layout(_:)`` when the group spans several scale-up domains and the system
    ///   has no scale-out fabric.
    public init(size: Int, on rank: RankHardware) throws(CostModelError) {
        let system = rank.system
        let perChip = rank.ranksPerChip
        let domainChips = system.scaleUpLayout.chipsPerDomain
        let reach = Self.tierOneReach(system.spec.scaleUp, layout: system.scaleUpLayout)
        let chips = (size + perChip - 1) / perChip
        self.size = size
        sameChip = min(size, perChip) - 1
        near = min(size - 1 - sameChip, (min(chips, reach) - 1) * perChip)
        far = min(size - 1 - sameChip - near, (min(chips, domainChips) - min(chips, reach)) * perChip)
        remote = size - 1 - sameChip - near - far
        domains = (chips + domainChips - 1) / domainChips
        ranksPerDomain = min(size, domainChips * perChip)
        let scaleUpTiers = system.spec.scaleUp.tiers
        nearLatency = scaleUpTiers.first?.latency ?? system.spec.scaleUp.latency ?? .zero
        farLatency = scaleUpTiers.last?.latency ?? nearLatency
        scaleUpBandwidth = rank.scaleUpBandwidth
        scaleOutBandwidth = rank.scaleOutBandwidth
        // Scale-up: the far peers are beyond the rank's tier-1 group (another die of its chip is not on the fabric).
        allToAllScaleUpBandwidth = scaleUpBandwidth / Self.contention(system.spec.scaleUp, beyond: far, of: near + far)
        if let scaleOut = system.spec.scaleOut, let layout = system.scaleOutLayout {
            let outReach = Self.tierOneReach(scaleOut, layout: layout)
            remoteLatency = (chips <= outReach ? scaleOut.tiers.first?.latency : scaleOut.tiers.last?.latency) ?? scaleOut.latency ?? farLatency
            // Scale-out: the remote peers under the rank's leaf group are those of its chips outside its own domain.
            let underLeaf = (min(chips, outReach) - min(chips, domainChips)) * perChip
            let beyond = max(0, remote - underLeaf)
            let slowdown = Self.contention(scaleOut, beyond: beyond, of: remote)
            allToAllScaleOutBandwidth = rank.scaleOutBandwidth.map { $0 / slowdown }
        } else {
            remoteLatency = farLatency
            allToAllScaleOutBandwidth = scaleOutBandwidth
        }
        if remote > 0 && scaleOutBandwidth == nil {
            throw .layout("a group of \(size) ranks spans \(domains) scale-up domains of \(domainChips) chips, but \(system.name) has no scale-out fabric")
        }
    }

    /// Chips that share a tier-1 switch group: downlink ports x planes / ports per chip (the whole domain for
    /// a single-tier or tierless fabric).
    static func tierOneReach(_ fabric: Fabric, layout: FabricLayout) -> Int {
        guard fabric.tiers.count > 1 else { return layout.chipsPerDomain }
        let tier = fabric.tiers[0]
        let ratio = tier.oversubscription ?? 1
        let down = Int((Double(tier.switchModel.radix) * ratio / (1 + ratio)).rounded(.down))
        let chips = down * fabric.planeCount / max(fabric.portsPerChip, 1)
        return max(1, min(chips, layout.chipsPerDomain))
    }

    /// The slowdown of all-to-all traffic on `fabric` when `beyond` of a rank's `peers` there sit past its
    /// tier-1 group: max(1, beyond / peers x the first tier's oversubscription), 1 for a single-tier fabric.
    static func contention(_ fabric: Fabric, beyond: Int, of peers: Int) -> Double {
        guard fabric.tiers.count > 1, peers > 0, beyond > 0, let ratio = fabric.tiers[0].oversubscription else { return 1 }
        return max(1, Double(beyond) / Double(peers) * ratio)
    }

    public var peers: Int { size - 1 }
    public var scaleUpPeers: Int { sameChip + near + far }

    /// The latency to the farthest peer.
    public var maxLatency: TimeSpan {
        if remote > 0 { return remoteLatency }
        if far > 0 { return farLatency }
        if near > 0 || sameChip > 0 { return nearLatency }
        return .zero
    }

    /// The latency to the farthest peer inside the rank's own scale-up domain.
    public var domainLatency: TimeSpan {
        if far > 0 { return farLatency }
        if near > 0 || sameChip > 0 { return nearLatency }
        return .zero
    }

    /// The slowest bandwidth any peer is reached at.
    public var bottleneckBandwidth: Bandwidth {
        if remote > 0, let out = scaleOutBandwidth { return min(out, scaleUpBandwidth) }
        return scaleUpBandwidth
    }
}
