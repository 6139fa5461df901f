import DataFiles
import Units

/// The counted form of a ``Fabric`` inside one system: switches, links and transceivers per tier.
public struct FabricLayout: Sendable, Hashable {
    /// Independent domains (a cluster of 8-GPU servers has one NVLink domain per server).
    public let domains: Int
    public let chipsPerDomain: Int
    public let tiers: [TierLayout]
    /// Links from chips into the fabric, in the whole system.
    public let chipLinks: Int
    /// Optical modules in the whole system.
    public let transceivers: Double
    /// Power of those modules.
    public let opticsPower: Power

    /// Switches in the whole system.
    public var switches: Int { tiers.reduce(0) { $0 + $1.switchesPerDomain } * domains }
}

/// One tier of a ``FabricLayout``.
public struct TierLayout: Sendable, Hashable {
    public let name: String
    public let switchModel: SwitchSpec
    /// Switches at this tier in one domain (all planes).
    public let switchesPerDomain: Int
    /// Links arriving from below in one domain (all planes).
    public let linksInPerDomain: Int
    /// Links leaving for the tier above in one domain (all planes); 0 at the top.
    public let uplinksPerDomain: Int
    /// Whether the switch count was derived from the links rather than given.
    public let isDerived: Bool
}

extension Fabric {
    /// Counts this fabric's switches, links and transceivers for a system of `systemChips` chips, and
    /// checks that the tiers add up: enough switch ports for the links, link speeds within port speeds, and,
    /// where switch counts are derived, no more chip ports per plane than a folded Clos of these radices
    /// can reach.
    ///
    /// Switch counts not given are derived per plane as ceil(links in / downlink ports per switch), where a
    /// switch of radix R with oversubscription o has floor(R·o/(1+o)) downlink ports (R at the top tier).
    /// A non-top tier sends ceil(links in / o) uplinks.
    /// - Throws: ``DescriptionIssue`` naming the field that does not add up, with the numbers.
    public func layout(systemChips: Int) throws(DescriptionIssue) -> FabricLayout {
        try Check.positive(portsPerChip, ["ports_per_chip"])
        try Check.positive(link.bandwidth, ["link", "bandwidth"])
        try checkMedium(link, ["link"])
        let chipsPerDomain = domainChips ?? systemChips
        try Check.positive(chipsPerDomain, ["domain_chips"])
        guard systemChips % chipsPerDomain == 0 else {
            throw DescriptionIssue(["domain_chips"], "a domain of \(chipsPerDomain) chips does not divide the system's \(systemChips) chips; use domains of \(Divisors.alternatives(Divisors.nearest(Divisors.of(systemChips), to: chipsPerDomain))) chips")
        }
        let domains = systemChips / chipsPerDomain
        let planes = planeCount
        try Check.positive(planes, ["planes"])
        let linksIn = chipsPerDomain * portsPerChip

        guard !tiers.isEmpty else {
            let isExternal = external ?? false
            guard latency != nil else {
                throw DescriptionIssue(["latency"], "a fabric without tiers needs its chip-to-chip 'latency', such as '2 us'")
            }
            if !isExternal && linksIn % 2 != 0 {
                throw DescriptionIssue(["ports_per_chip"], "direct chip-to-chip links pair up ports, but \(chipsPerDomain) chips x \(portsPerChip) ports is odd")
            }
            let links = isExternal ? linksIn : linksIn / 2
            return FabricLayout(
                domains: domains, chipsPerDomain: chipsPerDomain, tiers: [], chipLinks: linksIn * domains,
                transceivers: Double(links * domains) * link.transceiversPerLink,
                opticsPower: Self.modulePower(link) * (Double(links * domains) * link.transceiversPerLink))
        }

        guard linksIn % planes == 0 else {
            throw DescriptionIssue(["planes"], "\(linksIn) chip ports per domain do not spread evenly over \(planes) planes")
        }
        var perPlane = linksIn / planes
        var transceivers = Double(linksIn) * link.transceiversPerLink
        var opticsPower = Self.modulePower(link) * transceivers
        var layouts: [TierLayout] = []
        // A folded Clos reaches at most (downlink ports of each lower tier) x (radix of the top) ports per plane.
        var reach = 1
        var incomingBandwidth = link.bandwidth
        for (index, tier) in tiers.enumerated() {
            let path = ["tiers", String(index)]
            let radix = tier.switchModel.radix
            try Check.positive(radix, path + ["switch", "radix"])
            try Check.positive(tier.switchModel.portBandwidth, path + ["switch", "port_bandwidth"])
            try Check.nonNegative(tier.switchModel.power, path + ["switch", "power"])
            try Check.positive(tier.latency, path + ["latency"])
            guard incomingBandwidth <= tier.switchModel.portBandwidth * 1.000_001 else {
                throw DescriptionIssue(path + ["switch", "port_bandwidth"],
                    "links of \(incomingBandwidth.formatted()) arrive at ports of only \(tier.switchModel.portBandwidth.formatted())")
            }
            let isTop = index == tiers.count - 1
            let ratio = tier.oversubscription ?? 1
            try Check.positive(ratio, path + ["oversubscription"])
            let downPorts = isTop ? radix : Int((Double(radix) * ratio / (1 + ratio)).rounded(.down))
            let upPorts = radix - downPorts
            guard downPorts >= 1, isTop || upPorts >= 1 else {
                throw DescriptionIssue(path + ["switch", "radix"], "a switch of radix \(radix) cannot split into downlinks and uplinks at oversubscription \(ratio)")
            }
            let switchesPerPlane: Int
            if let given = tier.switches {
                try Check.positive(given, path + ["switches"])
                guard given % planes == 0 else {
                    throw DescriptionIssue(path + ["switches"], "\(given) switches do not divide evenly over \(planes) planes")
                }
                switchesPerPlane = given / planes
            } else {
                switchesPerPlane = (perPlane + downPorts - 1) / downPorts
            }
            let uplinks = isTop ? 0 : Int((Double(perPlane) / ratio).rounded(.up))
            let portsNeeded = perPlane + uplinks
            guard portsNeeded <= switchesPerPlane * radix else {
                throw DescriptionIssue(path + ["switches"],
                    "\(perPlane * planes) links arrive at tier '\(tier.name)'\(isTop ? "" : " and \(uplinks * planes) leave it"), needing \(portsNeeded * planes) ports, but \(switchesPerPlane * planes) switches of radix \(radix) have only \(switchesPerPlane * planes * radix); more chips than the switch ports can reach")
            }
            if !isTop {
                guard let uplink = tier.uplink else {
                    throw DescriptionIssue(path + ["uplink"], "tier '\(tier.name)' is not the top tier, so it needs an 'uplink' link to the next tier")
                }
                try Check.positive(uplink.bandwidth, path + ["uplink", "bandwidth"])
                try checkMedium(uplink, path + ["uplink"])
                guard uplink.bandwidth <= tier.switchModel.portBandwidth * 1.000_001 else {
                    throw DescriptionIssue(path + ["uplink", "bandwidth"],
                        "uplinks of \(uplink.bandwidth.formatted()) leave ports of only \(tier.switchModel.portBandwidth.formatted())")
                }
                let modules = Double(uplinks * planes) * uplink.transceiversPerLink
                transceivers += modules
                opticsPower += Self.modulePower(uplink) * modules
                incomingBandwidth = uplink.bandwidth
            } else if tier.uplink != nil {
                throw DescriptionIssue(path + ["uplink"], "the top tier '\(tier.name)' has no tier above it; remove its uplink")
            }
            layouts.append(TierLayout(
                name: tier.name, switchModel: tier.switchModel, switchesPerDomain: switchesPerPlane * planes,
                linksInPerDomain: perPlane * planes, uplinksPerDomain: uplinks * planes, isDerived: tier.switches == nil))
            reach *= downPorts
            perPlane = uplinks
        }
        // Given counts are checked port by port above; derived counts assume a textbook folded Clos.
        guard tiers.allSatisfy({ $0.switches != nil }) || linksIn / planes <= reach else {
            throw DescriptionIssue(["tiers"],
                "a \(tiers.count)-tier fabric of these switches reaches at most \(reach) chip ports per plane, but \(linksIn / planes) arrive (\(linksIn) ports over \(planes) plane\(planes == 1 ? "" : "s")); more chips than the switch ports can reach. Add a tier, add planes or use switches of a larger radix")
        }
        return FabricLayout(
            domains: domains, chipsPerDomain: chipsPerDomain, tiers: layouts, chipLinks: linksIn * domains,
            transceivers: transceivers * Double(domains), opticsPower: opticsPower * Double(domains))
    }

    static func modulePower(_ link: Link) -> Power {
        link.medium == .optical ? (link.transceiver?.power ?? .zero) : .zero
    }

    private func checkMedium(_ link: Link, _ path: [String]) throws(DescriptionIssue) {
        switch link.medium {
        case .optical:
            guard link.transceiver != nil else {
                throw DescriptionIssue(path + ["transceiver"], "an optical link needs its 'transceiver' (name and power per module)")
            }
            if let count = link.transceivers, !(count > 0) {
                throw DescriptionIssue(path + ["transceivers"], "an optical link needs a positive number of modules per link, got \(count)")
            }
        case .copper:
            if let count = link.transceivers, count != 0 {
                throw DescriptionIssue(path + ["transceivers"], "a copper link has no optical modules; remove 'transceivers' or make the medium optical")
            }
        }
        if let transceiver = link.transceiver { try Check.nonNegative(transceiver.power, path + ["transceiver", "power"]) }
    }
}
