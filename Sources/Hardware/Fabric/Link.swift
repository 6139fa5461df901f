import DataFiles
import Units

/// A point-to-point link type: chip to switch, switch to switch, or chip to chip.
public struct Link: Sendable, Hashable, Codable {
    /// Bandwidth in one direction.
    public var bandwidth: Bandwidth
    public var medium: Medium
    /// Transceiver modules per link, counting both ends (2 for a module at each end; 1 when one module
    /// carries two links; 0 for copper).
    public var transceivers: Double?
    /// The optical module used, with its power. Required when the medium is optical.
    public var transceiver: Transceiver?

    public init(bandwidth: Bandwidth, medium: Medium, transceivers: Double? = nil, transceiver: Transceiver? = nil) {
        self.bandwidth = bandwidth
        self.medium = medium
        self.transceivers = transceivers
        self.transceiver = transceiver
    }

    /// Modules per link; 0 for copper.
    public var transceiversPerLink: Double { medium == .optical ? (transceivers ?? 2) : 0 }

    /// What carries the signal.
    public enum Medium: String, Sendable, Hashable, Codable, CaseIterable, ListedChoice {
        /// Copper cable, backplane or board trace.
        case copper
        /// Fibre with a transceiver module at each end.
        case optical
    }
}

/// An optical transceiver module.
public struct Transceiver: Sendable, Hashable, Codable {
    public var name: String
    /// Power of one module.
    public var power: Power

    public init(name: String, power: Power) {
        self.name = name
        self.power = power
    }
}

/// A network interface card that a chip's scale-out port goes through.
public struct NIC: Sendable, Hashable, Codable {
    public var name: String
    public var power: Power

    public init(name: String, power: Power) {
        self.name = name
        self.power = power
    }
}
