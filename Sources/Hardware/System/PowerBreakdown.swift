import Units

/// Power of a whole system at full load, built bottom-up from its parts.
///
/// Components draw their rated power (chips at TDP, CPUs at TDP, switches and modules at their rated
/// power). Power delivery loss = components x (1 / efficiency - 1); IT power = components + loss;
/// cooling and facility overhead = IT x (PUE - 1); total = IT x PUE.
public struct PowerBreakdown: Sendable, Hashable, Codable {
    public var accelerators: Power
    public var cpus: Power
    /// Scale-up and scale-out switches, without optics.
    public var switches: Power
    /// Optical transceiver modules.
    public var optics: Power
    /// NICs and the rest of each node (host memory, DPUs, storage, fans).
    public var other: Power
    public var deliveryLoss: Power
    public var cooling: Power

    public var components: Power { accelerators + cpus + switches + optics + other }
    public var it: Power { components + deliveryLoss }
    public var total: Power { it + cooling }

    /// The parts in display order with their names.
    public var parts: [(name: String, power: Power)] {
        [("accelerators", accelerators), ("CPUs", cpus), ("switches", switches), ("optics", optics),
         ("NICs and other", other), ("power delivery", deliveryLoss), ("cooling (PUE)", cooling)]
    }
}

extension System {
    /// The full-load power breakdown, or nil when the chip has no published power.
    public var power: PowerBreakdown? { power(acceleratorLoad: 1) }

    /// The power breakdown with the accelerators busy `load` of the time (0 to 1): each chip draws its idle
    /// power plus `load` of the way to its TDP; CPUs, switches, optics and NICs stay at their rated power;
    /// delivery loss and cooling follow the total. Nil when the chip has no published power.
    public func power(acceleratorLoad load: Double) -> PowerBreakdown? {
        guard let chipPower = chip.power else { return nil }
        let busy = min(max(load, 0), 1)
        let accelerators = (chipPower.idle + (chipPower.tdp - chipPower.idle) * busy) * chips
        let cpus = node.cpus.map { $0.power * ($0.count * nodes) } ?? .zero
        let layouts = [scaleUpLayout] + (scaleOutLayout.map { [$0] } ?? [])
        var switches = Power.zero
        for layout in layouts {
            for tier in layout.tiers {
                switches += tier.switchModel.power * (tier.switchesPerDomain * layout.domains)
            }
        }
        let optics = layouts.reduce(Power.zero) { $0 + $1.opticsPower }
        var other = (node.otherPower ?? .zero) * nodes
        for fabric in [spec.scaleUp] + (spec.scaleOut.map { [$0] } ?? []) {
            if let nic = fabric.nic { other += nic.power * (chips * fabric.portsPerChip) }
        }
        let components = accelerators + cpus + switches + optics + other
        let deliveryLoss = components * (1 / facility.powerDeliveryEfficiency - 1)
        let cooling = (components + deliveryLoss) * (facility.pue - 1)
        return PowerBreakdown(
            accelerators: accelerators, cpus: cpus, switches: switches, optics: optics, other: other,
            deliveryLoss: deliveryLoss, cooling: cooling)
    }

    /// Compute racks plus extra (network) racks.
    public var racks: Int {
        (nodes + facility.nodesPerRack - 1) / facility.nodesPerRack + (facility.extraRacks ?? 0)
    }

    /// Footprint of the racks, without aisles.
    public var floorArea: Area { facility.rackFootprint * racks }

    /// Peak of the whole system for `precision`, or nil when the chip lacks it.
    public func peak(_ precision: Precision) -> FLOPRate? { chip.peak(precision).map { $0 * chips } }

    public var hbmCapacity: Bytes { chip.memory.capacity * chips }
    public var hbmBandwidth: Bandwidth { chip.memory.bandwidth * chips }

    /// Scale-up bandwidth one chip can send, one direction.
    public var scaleUpBandwidthPerChip: Bandwidth { spec.scaleUp.bandwidthPerChip }
    public var scaleOutBandwidthPerChip: Bandwidth? { spec.scaleOut?.bandwidthPerChip }

    /// Optical modules in both fabrics.
    public var transceivers: Double { scaleUpLayout.transceivers + (scaleOutLayout?.transceivers ?? 0) }

    /// Switches in both fabrics.
    public var switches: Int { scaleUpLayout.switches + (scaleOutLayout?.switches ?? 0) }
}
