import Units

/// One kernel of a step: its arithmetic, the bytes it moves through HBM, and what kind of kernel it is
/// (which decides the efficiency it reaches).
public struct Kernel: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A weight GEMM (or grouped GEMM) in the compute precision.
        case gemm
        /// Attention scores and values (prefill or decode), in the attention precision.
        case attention
        /// Norms, activations, rotary embedding, routing, quantisation: bound by memory.
        case elementwise
    }

    public var name: String
    public var kind: Kind
    public var precision: Precision
    /// Floating-point (or integer) operations; a multiply-add counts two.
    public var flops: Double
    /// Bytes read and written in HBM.
    public var bytes: Double
    /// Kernel launches this entry stands for.
    public var launches: Int
    /// A GEMM whose operands carry fine-grained block-wise scales (a block-scaled checkpoint in its own
    /// precision): it runs at the profile's block-scaled efficiency.
    public var blockScaled: Bool
    /// The sequence length of a causal (prefill) attention kernel: its efficiency depends on it where the
    /// profile has a table by length.
    public var causalLength: Double?

    public init(_ name: String, _ kind: Kind, precision: Precision, flops: Double, bytes: Double, launches: Int = 1, blockScaled: Bool = false,
                causalLength: Double? = nil) {
        self.blockScaled = blockScaled
        self.causalLength = causalLength
        self.name = name
        self.kind = kind
        self.precision = precision
        self.flops = flops
        self.bytes = bytes
        self.launches = launches
    }
}

/// How long a kernel takes and what bounds it.
public struct KernelTime: Sendable, Hashable {
    public var compute: TimeSpan
    public var memory: TimeSpan
    public var overhead: TimeSpan
    public var total: TimeSpan { max(compute, memory) + overhead }
    public var isComputeBound: Bool { compute >= memory }

    public static let zero = KernelTime(compute: .zero, memory: .zero, overhead: .zero)

    public static func + (lhs: KernelTime, rhs: KernelTime) -> KernelTime {
        KernelTime(compute: lhs.compute + rhs.compute, memory: lhs.memory + rhs.memory, overhead: lhs.overhead + rhs.overhead)
    }
}

extension RankHardware {
    /// Roofline time of `kernel`: max(FLOPs / (peak x compute efficiency), bytes / (HBM bandwidth x memory
    /// efficiency)) + launches x kernel overhead. GEMMs use the profile's GEMM efficiency for their
    /// precision (its block-scaled one for block-scaled GEMMs), attention its attention efficiencies (prefill's
    /// by sequence length where the profile has them), elementwise kernels the memory efficiency alone.
    /// - Throws: ``CostModelError/precision(_:)`` when the chip lacks the precision,
    ///   ``CostModelError/calibration(_:)`` when the profile has no efficiency for it.
    public func time(_ kernel: Kernel) throws(CostModelError) -> KernelTime {
        let overhead = profile.kernelOverhead * kernel.launches
        let memoryEfficiency: Double
        switch kernel.kind {
        case .attention: memoryEfficiency = profile.attention.memoryEfficiency
        case .gemm: memoryEfficiency = profile.gemmMemoryEfficiency ?? profile.memoryEfficiency
        case .elementwise: memoryEfficiency = profile.memoryEfficiency
        }
        let memory = TimeSpan(seconds: kernel.bytes / (memoryBandwidth.bytesPerSecond * memoryEfficiency))
        guard kernel.flops > 0, kernel.kind != .elementwise else {
            return KernelTime(compute: .zero, memory: memory, overhead: overhead)
        }
        guard let peak = peak(kernel.precision) else {
            throw .precision("\(chip.name) has no \(kernel.precision.rawValue) arithmetic for \(kernel.name); it supports \(chip.peak.supported.map(\.rawValue).joined(separator: ", "))")
        }
        let efficiency: Double
        switch kernel.kind {
        case .gemm:
            guard let gemm = profile.gemmEfficiency(kernel.precision, blockScaled: kernel.blockScaled) else {
                throw .calibration("profile \(profile.name) has no \(kernel.precision.rawValue) GEMM efficiency; it was measured in \(profile.gemm.keys.sorted().joined(separator: ", "))")
            }
            efficiency = gemm
        case .attention:
            efficiency = kernel.causalLength.flatMap { profile.attention.prefillEfficiency(length: $0) } ?? profile.attention.computeEfficiency
        case .elementwise:
            efficiency = 1
        }
        return KernelTime(compute: TimeSpan(seconds: kernel.flops / (peak.flopsPerSecond * efficiency)), memory: memory, overhead: overhead)
    }
}
