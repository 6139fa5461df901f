import DataFiles
import Units

/// One accelerator package (what a vendor sells as one GPU or NPU), possibly of several dies.
///
/// All rates are dense (no structured sparsity) and per package. Decoded from `chips/NAME.yaml`.
public struct Chip: Sendable, Hashable, Codable {
    /// Catalog name, lower-case with dashes ("ascend-910c").
    public var name: String
    public var vendor: String
    /// One line about the chip.
    public var summary: String
    /// Compute dies in the package (2 for Ascend 910C, B200 and GB200).
    public var dies: Int
    /// Dense peak rate per number format; formats the chip lacks are absent.
    public var peak: PeakRates
    public var memory: HBM
    /// Board power; absent when no figure is published.
    public var power: ChipPower?
    /// Where each group of fields comes from, keyed by field group (`peak`, `memory`, `power`, ...).
    public var sources: [String: String]

    public init(name: String, vendor: String, summary: String, dies: Int, peak: PeakRates, memory: HBM,
                power: ChipPower?, sources: [String: String]) {
        self.name = name
        self.vendor = vendor
        self.summary = summary
        self.dies = dies
        self.peak = peak
        self.memory = memory
        self.power = power
        self.sources = sources
    }

    /// The dense peak for `precision`, or nil when the chip has no such arithmetic.
    public func peak(_ precision: Precision) -> FLOPRate? { peak[precision] }
}

/// High-bandwidth memory attached to one package.
public struct HBM: Sendable, Hashable, Codable {
    public var capacity: Bytes
    /// Read plus write bandwidth of all stacks together, as vendors quote it.
    public var bandwidth: Bandwidth

    public init(capacity: Bytes, bandwidth: Bandwidth) {
        self.capacity = capacity
        self.bandwidth = bandwidth
    }
}

/// Power of one package at full load (TDP) and at idle.
public struct ChipPower: Sendable, Hashable, Codable {
    public var tdp: Power
    public var idle: Power

    public init(tdp: Power, idle: Power) {
        self.tdp = tdp
        self.idle = idle
    }
}

/// Dense peak rates of one package per number format.
public struct PeakRates: Sendable, Hashable, Codable {
    public var fp32: FLOPRate?
    public var tf32: FLOPRate?
    public var bf16: FLOPRate?
    public var fp16: FLOPRate?
    public var fp8: FLOPRate?
    public var int8: FLOPRate?
    public var fp4: FLOPRate?
    public var int4: FLOPRate?

    public init(fp32: FLOPRate? = nil, tf32: FLOPRate? = nil, bf16: FLOPRate? = nil, fp16: FLOPRate? = nil,
                fp8: FLOPRate? = nil, int8: FLOPRate? = nil, fp4: FLOPRate? = nil, int4: FLOPRate? = nil) {
        self.fp32 = fp32
        self.tf32 = tf32
        self.bf16 = bf16
        self.fp16 = fp16
        self.fp8 = fp8
        self.int8 = int8
        self.fp4 = fp4
        self.int4 = int4
    }

    public subscript(precision: Precision) -> FLOPRate? {
        get {
            switch precision {
            case .fp32: fp32
            case .tf32: tf32
            case .bf16: bf16
            case .fp16: fp16
            case .fp8: fp8
            case .int8: int8
            case .fp4: fp4
            case .int4: int4
            }
        }
        set {
            switch precision {
            case .fp32: fp32 = newValue
            case .tf32: tf32 = newValue
            case .bf16: bf16 = newValue
            case .fp16: fp16 = newValue
            case .fp8: fp8 = newValue
            case .int8: int8 = newValue
            case .fp4: fp4 = newValue
            case .int4: int4 = newValue
            }
        }
    }

    /// The formats with a rate, in `Precision.allCases` order.
    public var supported: [Precision] { Precision.allCases.filter { self[$0] != nil } }
}
