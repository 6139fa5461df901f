import Units

/// A network joining chips: the scale-up domain (UB, NVLink) or the scale-out fabric (RoCE, InfiniBand).
///
/// The chips' ports enter tier 1; tiers stack as a folded Clos (fat tree). A fabric may be split into
/// `planes`: independent copies, with each chip's ports spread evenly over them (CloudMatrix384's seven UB
/// sub-planes, the 18 NVSwitch planes of an NVL72, the eight rails of a rail-optimised fat tree).
/// Without tiers, the ports are direct chip-to-chip links, or, with `external`, lead to a network outside
/// the system (one server's NICs).
public struct Fabric: Sendable, Hashable, Codable {
    /// "UB", "NVLink 5", "InfiniBand NDR".
    public var name: String
    /// Ports each chip has into this fabric.
    public var portsPerChip: Int
    /// The link from a chip's port to tier 1 (or to a peer chip, or outside).
    public var link: Link
    /// Chips in one domain; the tiers are counted per domain and repeated. Absent: the whole system.
    public var domainChips: Int?
    /// Independent parallel copies of the fabric. Default 1.
    public var planes: Int?
    public var tiers: [Tier]
    /// The NIC behind each port, when it is a separate part.
    public var nic: NIC?
    /// Whether the ports of a tierless fabric lead outside the system (to a cluster network not counted here).
    public var external: Bool?
    /// One-way small-message latency of a tierless fabric.
    public var latency: TimeSpan?

    public init(name: String, portsPerChip: Int, link: Link, domainChips: Int? = nil, planes: Int? = nil,
                tiers: [Tier], nic: NIC? = nil, external: Bool? = nil, latency: TimeSpan? = nil) {
        self.name = name
        self.portsPerChip = portsPerChip
        self.link = link
        self.domainChips = domainChips
        self.planes = planes
        self.tiers = tiers
        self.nic = nic
        self.external = external
        self.latency = latency
    }

    /// Bandwidth one chip can send into this fabric, one direction.
    public var bandwidthPerChip: Bandwidth { link.bandwidth * portsPerChip }

    public var planeCount: Int { planes ?? 1 }
}
