import CostModel
import Foundation
import Hardware
import Runtime
import Units
import Workload

/// This machine as the cost model sees it: one core is one "chip" (one rank), the cores share memory
/// through a direct fabric, and a calibration profile holds what the runtime's kernels reach.
public struct MachineCalibration: Sendable {
    public let measurements: MachineMeasurements
    public let chip: Chip
    public let system: SystemDescription
    public let profile: CalibrationProfile

    public static let chipName = "this-machine-core"
    public static let systemName = "this-machine"

    /// Builds the descriptions from measurements.
    ///
    /// Peak FP32 is the best GEMM rate measured on one core (so the fitted efficiency of other shapes is
    /// relative to it); memory bandwidth is twice the bytes one core copies per second while all copy (read
    /// plus write); the fabric's link bandwidth is what one rank sends per second in a large all-to-all-v.
    public init(_ measurements: MachineMeasurements) {
        self.measurements = measurements
        let m = measurements
        let rates = m.gemms.map { 2 * Double($0.m * $0.k * $0.n) / $0.seconds }
        let peak = rates.max() ?? 1e9
        let bandwidth = 2 * m.copyBytesPerSecondPerThread
        let samples = m.gemms.map { CalibrationFit.Sample(m: $0.m, k: $0.k, n: $0.n, seconds: $0.seconds) }
        let fit = CalibrationFit.fitGEMMs(samples, peak: peak, bandwidth: bandwidth, bytesPerElement: 4, maximumMemory: 1.5)
        // Elementwise kernels: the rate of the mix run one after another (all bytes over all seconds), as a
        // step runs them; one kernel's rate alone (a cache-resident add, an exp-bound SwiGLU) misleads.
        let elementwiseSeconds = m.elementwise.reduce(0) { $0 + $1.seconds }
        let memoryEfficiency = elementwiseSeconds > 0
            ? min(1, m.elementwise.reduce(0) { $0 + $1.bytes } / elementwiseSeconds / bandwidth) : fit.memory
        // Attention: the compute efficiency from the shapes with several queries (a prefill), the memory
        // efficiency from the single-query ones (a decode step, a pass over the cache).
        let prefillAttention = m.attention.filter { $0.queries > 1 }.map { $0.flops / $0.seconds / peak }
        let decodeAttention = m.attention.filter { $0.queries == 1 }.map { $0.bytes / $0.seconds / bandwidth }
        let attentionEfficiency = min(1, max(0.001, prefillAttention.isEmpty ? fit.compute : prefillAttention.median))
        let attentionMemoryEfficiency = min(1, max(0.001, decodeAttention.isEmpty ? memoryEfficiency : decodeAttention.median))
        let cores = max(m.cores, 1)
        let smallAllReduce = m.collectives.filter { $0.operation == "all_reduce" }.min { $0.bytesPerRank < $1.bytesPerRank }
        let smallExchange = m.collectives.filter { $0.operation == "all_to_all_v" }.min { $0.bytesPerRank < $1.bytesPerRank }
        let largeExchange = m.collectives.filter { $0.operation == "all_to_all_v" }.max { $0.bytesPerRank < $1.bytesPerRank }
        let latency = TimeSpan(seconds: 1e-6)
        let sendRate = largeExchange.map { Double($0.bytesPerRank) * Double(cores - 1) / Double(cores) / $0.seconds } ?? bandwidth
        let ports = max(cores - 1, 1)

        chip = Chip(
            name: Self.chipName, vendor: "measured", summary: "one core of \(m.processor) running one runtime rank (FP32 through OpenBLAS)",
            dies: 1, peak: PeakRates(fp32: FLOPRate(flopsPerSecond: peak)),
            memory: HBM(capacity: Bytes(m.memoryBytes / Double(cores)), bandwidth: Bandwidth(bytesPerSecond: bandwidth)),
            power: nil,
            sources: [
                "peak": "supernode calibrate: the best single-thread OpenBLAS SGEMM rate over \(m.gemms.count) shapes",
                "memory": "supernode calibrate: memory / cores; bandwidth = 2 x the bytes one core copies per second while \(cores) copy",
                "power": "not measured",
            ])
        let link = Link(bandwidth: Bandwidth(bytesPerSecond: max(sendRate / Double(ports), 1)), medium: .copper)
        system = SystemDescription(
            name: Self.systemName, summary: "this machine: \(cores) cores as ranks over shared memory (measured by supernode calibrate)",
            chip: .inline(chip), nodes: 1, resizable: false, node: NodeSpec(chips: cores),
            scaleUp: Fabric(name: "shared memory", portsPerChip: ports, link: link, tiers: [], latency: latency),
            scaleOut: nil,
            facility: Facility(nodesPerRack: 1, rackFootprint: Area(squareMeters: 0.5), pue: 1, powerDeliveryEfficiency: 1),
            sources: [
                "composition": "supernode calibrate on this machine",
                "scale_up": "link bandwidth: what one rank sends per second in a large in-process all-to-all-v, over \(ports) peer link\(ports == 1 ? "" : "s")",
            ])
        func overhead(_ seconds: Double?) -> TimeSpan { TimeSpan(seconds: max(0, (seconds ?? 0) - latency.seconds)) }
        profile = CalibrationProfile(
            name: "this-machine-swift", chips: [Self.chipName], stack: "supernode runtime: Swift kernels, OpenBLAS SGEMM (1 thread per rank), in-process communicator",
            gemm: ["fp32": fit.compute], memoryEfficiency: memoryEfficiency,
            gemmMemoryEfficiency: fit.memory,
            attention: AttentionEfficiency(computeEfficiency: attentionEfficiency, memoryEfficiency: attentionMemoryEfficiency),
            kernelOverhead: fit.overhead,
            network: NetworkEfficiency(
                scaleUpEfficiency: 1, scaleOutEfficiency: 1, prefillDispatch: .perExpert, decodeDispatch: .perExpert,
                collectiveOverhead: overhead(smallAllReduce?.seconds), dispatchOverhead: overhead(smallExchange?.seconds),
                combineOverhead: overhead(smallExchange?.seconds), computeShare: 0),
            sources: [
                "gemm": "least-squares fit to \(m.gemms.count) single-thread SGEMMs against the best one (RMS \(NumberText.fixed(fit.error * 100, decimals: 1))%); each weight comes back after a step's worth of weights, as in a run",
                "memory_efficiency": "the runtime's elementwise kernels (rmsnorm, swiglu, add) run in turn: all their bytes over all their seconds, over the memory bandwidth",
                "attention": "compute: median FLOP rate of the runtime's attention kernel with several queries over the SGEMM peak; memory: median bytes per second with one query (keys and values cycled like a step's caches) over the memory bandwidth",
                "kernel_overhead": "the same SGEMM fit",
                "network": "fixed costs: a small in-process all-reduce and all-to-all-v, less 1 us of latency; bandwidth is in the link itself",
            ])
    }

    /// The runtime model as a model architecture the cost model reads (Mixtral-style: GQA, routed SwiGLU experts).
    public static func architecture(_ shape: RuntimeModelShape) throws -> ModelArchitecture {
        try ModelArchitecture(config: config(shape), name: "runtime model")
    }

    /// The runtime model as Hugging Face config fields.
    public static func config(_ shape: RuntimeModelShape) -> HFConfig {
        var config = HFConfig()
        config.modelType = "mixtral"
        config.hiddenSize = shape.hidden
        config.numHiddenLayers = shape.layers
        config.numAttentionHeads = shape.heads
        config.numKeyValueHeads = shape.kvHeads
        config.headDim = shape.headDim
        config.intermediateSize = shape.expertFFN
        config.numLocalExperts = shape.experts
        config.numExpertsPerTok = shape.topK
        config.vocabSize = 1
        config.tieWordEmbeddings = true
        config._supernodeSource = "the runtime's small MoE transformer (supernode run), without embedding or LM head"
        return config
    }

    /// The cost model's request for one step of a runtime run.
    /// - Parameter expertLoad: the run's busiest expert rank over the mean; without it, what EPLB's load model gives.
    public func request(for run: RunConfiguration, ranks: Int, phase: Phase, expertLoad: Double? = nil) throws -> StepRequest {
        let system = try System(spec: self.system, chip: chip)
        let kind: AttentionLayout.Kind = run.layout == .dataExpert ? .data : .tensor
        var deployment = Deployment(chips: ranks, ranksPerChip: 1, expertParallel: ranks,
                                    attention: AttentionLayout(kind: kind, degree: ranks), microbatches: 1, expertBalance: .eplb, redundantExperts: 0)
        deployment.expertLoad = expertLoad
        let load: Load
        switch phase {
        case .prefill:
            load = Load(promptTokens: run.prompt, tokensPerChip: run.sequences * run.prompt / ranks)
        case .decode:
            load = Load(batchPerChip: run.sequences / ranks, contextTokens: run.prompt + (run.decodeSteps + 1) / 2)
        }
        return StepRequest(system: system, model: try Self.architecture(run.shape), phase: phase,
                           precision: PrecisionSettings(compute: .fp32, kvCache: .fp32), deployment: deployment, load: load)
    }
}
