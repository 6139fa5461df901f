import DataFiles
import Units

/// A system ready to be costed: its description with the chip resolved, sized and checked, and its
/// fabrics counted.
public struct System: Sendable, Hashable {
    public let spec: SystemDescription
    public let chip: Chip
    public let scaleUpLayout: FabricLayout
    public let scaleOutLayout: FabricLayout?

    /// Resolves and checks a description.
    /// - Throws: ``DescriptionIssue`` naming the field that is wrong.
    public init(spec: SystemDescription, chip: Chip) throws(DescriptionIssue) {
        try Check.name(spec.name, field: "name")
        do { try chip.check() } catch { throw error.prefixed("chip") }
        try Check.positive(spec.nodes, ["nodes"])
        try Check.positive(spec.node.chips, ["node", "chips"])
        if let cpus = spec.node.cpus {
            try Check.positive(cpus.count, ["node", "cpus", "count"])
            try Check.nonNegative(cpus.power, ["node", "cpus", "power"])
        }
        if let other = spec.node.otherPower { try Check.nonNegative(other, ["node", "other_power"]) }
        let facility = spec.facility
        try Check.positive(facility.nodesPerRack, ["facility", "nodes_per_rack"])
        try Check.positive(facility.rackFootprint, ["facility", "rack_footprint"])
        if let extra = facility.extraRacks, extra < 0 {
            throw DescriptionIssue(["facility", "extra_racks"], "must not be negative, got \(extra)")
        }
        guard facility.pue >= 1, facility.pue < 5 else {
            throw DescriptionIssue(["facility", "pue"], "a PUE is facility power over IT power, at least 1 (typical 1.1-1.6), got \(facility.pue)")
        }
        guard facility.powerDeliveryEfficiency > 0, facility.powerDeliveryEfficiency <= 1 else {
            throw DescriptionIssue(["facility", "power_delivery_efficiency"], "must be a fraction in (0, 1], such as 0.95, got \(facility.powerDeliveryEfficiency)")
        }
        let chips = spec.nodes * spec.node.chips
        let scaleUp: FabricLayout
        do { scaleUp = try spec.scaleUp.layout(systemChips: chips) } catch { throw error.prefixed("scale_up") }
        if let domain = spec.scaleUp.domainChips, domain % spec.node.chips != 0, spec.node.chips % domain != 0 {
            throw DescriptionIssue(["scale_up", "domain_chips"], "a scale-up domain of \(domain) chips neither fills whole nodes of \(spec.node.chips) chips nor divides one")
        }
        var scaleOut: FabricLayout?
        if let fabric = spec.scaleOut {
            do { scaleOut = try fabric.layout(systemChips: chips) } catch { throw error.prefixed("scale_out") }
        } else if scaleUp.domains > 1 {
            throw DescriptionIssue(["scale_out"], "\(scaleUp.domains) scale-up domains of \(scaleUp.chipsPerDomain) chips need a scale-out fabric to join them")
        }
        self.spec = spec
        self.chip = chip
        self.scaleUpLayout = scaleUp
        self.scaleOutLayout = scaleOut
    }

    public var name: String { spec.name }
    /// The name with its size when it was resized ("h100-cluster:nodes=12").
    public var nodes: Int { spec.nodes }
    public var node: NodeSpec { spec.node }
    public var facility: Facility { spec.facility }
    public var chips: Int { spec.nodes * spec.node.chips }
    public var dies: Int { chips * chip.dies }
    public var isResizable: Bool { spec.resizable ?? false }

    /// The same system with `nodes` nodes.
    /// - Throws: ``HardwareError/badSize(_:reason:)`` for a fixed system or a count the fabrics cannot take.
    public func resized(nodes: Int) throws(HardwareError) -> System {
        guard nodes != spec.nodes else { return self }
        guard isResizable else {
            throw .badSize("\(name):nodes=\(nodes)", reason: "\(name) is a fixed system of \(spec.nodes) node\(spec.nodes == 1 ? "" : "s"); only cluster systems take a size")
        }
        guard nodes > 0 else { throw .badSize("\(name):nodes=\(nodes)", reason: "the node count must be positive") }
        var spec = self.spec
        spec.nodes = nodes
        do {
            return try System(spec: spec, chip: chip)
        } catch {
            throw .badSize("\(name):nodes=\(nodes)", reason: error.description)
        }
    }
}
