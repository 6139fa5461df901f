import Units

/// A switch: one chip inside a node (a UB L1 switch, an NVSwitch) or one switch box (an InfiniBand leaf).
public struct SwitchSpec: Sendable, Hashable, Codable {
    public var name: String
    /// Ports of `portBandwidth` each.
    public var radix: Int
    /// Bandwidth of one port, one direction.
    public var portBandwidth: Bandwidth
    /// Power of the switch without its optical modules (those are counted with the links).
    public var power: Power

    public init(name: String, radix: Int, portBandwidth: Bandwidth, power: Power) {
        self.name = name
        self.radix = radix
        self.portBandwidth = portBandwidth
        self.power = power
    }
}
