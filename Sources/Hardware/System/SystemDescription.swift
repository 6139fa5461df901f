import DataFiles
import Units

/// A system as written in a description file: chips in nodes, a scale-up fabric, an optional scale-out
/// fabric, and the facility. The chip is named from the catalog or given inline. See ``System`` for the
/// resolved form.
public struct SystemDescription: Sendable, Hashable, Codable {
    public var name: String
    public var summary: String
    public var chip: ChipReference
    /// Nodes in the system. Resizable systems take another count as `NAME:nodes=N`.
    public var nodes: Int
    /// Whether `nodes` may be changed (clusters); fixed products (an NVL72 rack, one HGX server) say false.
    public var resizable: Bool?
    public var node: NodeSpec
    public var scaleUp: Fabric
    public var scaleOut: Fabric?
    public var facility: Facility
    /// Where each group of fields comes from, keyed by field group.
    public var sources: [String: String]

    public init(name: String, summary: String, chip: ChipReference, nodes: Int, resizable: Bool? = nil, node: NodeSpec,
                scaleUp: Fabric, scaleOut: Fabric?, facility: Facility, sources: [String: String]) {
        self.name = name
        self.summary = summary
        self.chip = chip
        self.nodes = nodes
        self.resizable = resizable
        self.node = node
        self.scaleUp = scaleUp
        self.scaleOut = scaleOut
        self.facility = facility
        self.sources = sources
    }
}

/// A chip named from the catalog, or described in place.
public enum ChipReference: Sendable, Hashable, Codable {
    case named(String)
    case inline(Chip)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let name = try? container.decode(String.self) {
            self = .named(name)
        } else {
            self = .inline(try container.decode(Chip.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .named(name): try container.encode(name)
        case let .inline(chip): try container.encode(chip)
        }
    }
}
