import Units

/// One level of switches in a fabric. Tier 1 takes the chips' ports; each higher tier takes the uplinks
/// of the tier below.
public struct Tier: Sendable, Hashable, Codable {
    /// "L1", "leaf", "spine", "NVSwitch".
    public var name: String
    /// The switch used at this tier.
    public var switchModel: SwitchSpec
    /// Switches at this tier per domain. When absent it is derived: enough switches for the links coming in.
    public var switches: Int?
    /// Downlink to uplink bandwidth ratio (1 = non-blocking). Ignored at the top tier.
    public var oversubscription: Double?
    /// The link from this tier up to the next. Required on every tier but the top one.
    public var uplink: Link?
    /// One-way latency of a small message between two chips whose path turns around at this tier.
    public var latency: TimeSpan

    public init(name: String, switchModel: SwitchSpec, switches: Int? = nil, oversubscription: Double? = nil,
                uplink: Link? = nil, latency: TimeSpan) {
        self.name = name
        self.switchModel = switchModel
        self.switches = switches
        self.oversubscription = oversubscription
        self.uplink = uplink
        self.latency = latency
    }

    enum CodingKeys: String, CodingKey {
        case name
        case switchModel = "switch"
        case switches, oversubscription, uplink, latency
    }
}
