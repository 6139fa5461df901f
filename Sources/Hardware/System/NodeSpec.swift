import Units

/// One server (a CloudMatrix384 node, a DGX H100, an NVL72 compute tray): chips, host CPUs and the rest.
public struct NodeSpec: Sendable, Hashable, Codable {
    /// Accelerator packages in the node.
    public var chips: Int
    public var cpus: CPUGroup?
    /// Power of everything else in the node that is not a chip, CPU, switch, NIC or optical module:
    /// host memory, DPUs, storage, fans, management.
    public var otherPower: Power?
    /// What `other_power` covers and where the figure comes from.
    public var otherPowerNote: String?

    public init(chips: Int, cpus: CPUGroup? = nil, otherPower: Power? = nil, otherPowerNote: String? = nil) {
        self.chips = chips
        self.cpus = cpus
        self.otherPower = otherPower
        self.otherPowerNote = otherPowerNote
    }
}

/// The host CPUs of a node.
public struct CPUGroup: Sendable, Hashable, Codable {
    public var model: String
    public var count: Int
    /// Power of one CPU package (its TDP, with memory where the vendor quotes them together).
    public var power: Power

    public init(model: String, count: Int, power: Power) {
        self.model = model
        self.count = count
        self.power = power
    }
}

/// Where the system stands and what it costs to keep it cool.
public struct Facility: Sendable, Hashable, Codable {
    /// Compute nodes in one rack.
    public var nodesPerRack: Int
    /// Racks beyond the compute racks (network racks, switch racks). Default 0.
    public var extraRacks: Int?
    /// Floor footprint of one rack, without aisles.
    public var rackFootprint: Area
    /// Power usage effectiveness: facility power over IT power (1.2 means 20% more for cooling and losses).
    public var pue: Double
    /// Fraction of the power drawn from the rack feed that reaches the components (power shelves, PSUs).
    public var powerDeliveryEfficiency: Double

    public init(nodesPerRack: Int, extraRacks: Int? = nil, rackFootprint: Area, pue: Double, powerDeliveryEfficiency: Double) {
        self.nodesPerRack = nodesPerRack
        self.extraRacks = extraRacks
        self.rackFootprint = rackFootprint
        self.pue = pue
        self.powerDeliveryEfficiency = powerDeliveryEfficiency
    }
}
