import Hardware
import Units

/// One rank's share of a system: a chip, or one die of a multi-die chip run die by die, with the stack's
/// calibration and the fabrics it talks over.
public struct RankHardware: Sendable {
    public let system: System
    public let ranksPerChip: Int
    public let profile: CalibrationProfile

    public init(system: System, ranksPerChip: Int, profile: CalibrationProfile) {
        self.system = system
        self.ranksPerChip = ranksPerChip
        self.profile = profile
    }

    public var chip: Chip { system.chip }

    /// Dense peak of one rank in `precision`, or nil when the chip lacks it.
    public func peak(_ precision: Precision) -> FLOPRate? { chip.peak(precision).map { $0 / ranksPerChip } }
    public var memoryBandwidth: Bandwidth { chip.memory.bandwidth / ranksPerChip }
    public var memoryCapacity: Bytes { chip.memory.capacity / ranksPerChip }
    /// Scale-up bandwidth one rank can send, one direction, at the stack's efficiency.
    public var scaleUpBandwidth: Bandwidth {
        system.scaleUpBandwidthPerChip / ranksPerChip * profile.network.scaleUpEfficiency
    }
    /// Scale-out bandwidth one rank can send, one direction, at the stack's efficiency; nil without a scale-out fabric.
    public var scaleOutBandwidth: Bandwidth? {
        system.scaleOutBandwidthPerChip.map { $0 / ranksPerChip * profile.network.scaleOutEfficiency }
    }
}
