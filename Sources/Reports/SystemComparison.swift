import Hardware
import Units

/// One figure of the `compare` report, defined once: its JSON key, its label with unit, and how to compute it.
public struct ComparisonMetric: Sendable {
    public let key: String
    public let section: String
    public let label: String
    public let unit: String
    public let decimals: Int
    public let value: @Sendable (System) -> Double?

    public init(_ key: String, _ section: String, _ label: String, _ unit: String, decimals: Int,
                _ value: @escaping @Sendable (System) -> Double?) {
        self.key = key
        self.section = section
        self.label = label
        self.unit = unit
        self.decimals = decimals
        self.value = value
    }
}

/// Systems side by side, with every figure's ratio to the first system (the baseline).
public struct SystemComparison: Sendable {
    public let systems: [System]
    public let metrics: [ComparisonMetric]
    /// Lines printed under the table beyond the standard one.
    public let notes: [String]
    /// The serving inputs, for the JSON document.
    let servingInputs: ComparisonDocument.ServingInputs?

    /// Systems side by side; with `serving`, also what each reaches serving its model.
    public init(systems: [System], serving: ServingComparison? = nil) {
        precondition(!systems.isEmpty, "a comparison needs at least one system")
        self.systems = systems
        self.metrics = Self.metrics(for: systems) + (serving?.metrics ?? [])
        self.notes = serving?.notes(for: systems) ?? []
        self.servingInputs = serving.map { serving in
            ComparisonDocument.ServingInputs(
                model: serving.model.name, tpotMs: serving.tpots.map(\.milliseconds), contextTokens: serving.context,
                promptTokens: serving.prompt, prefillTokensPerChip: serving.prefillTokensPerChip,
                expertPrecision: serving.expertPrecision?.rawValue, layouts: serving.layouts)
        }
    }

    public var baseline: System { systems[0] }

    /// The metric list. Peak rates appear for every format at least one of the systems supports.
    static func metrics(for systems: [System]) -> [ComparisonMetric] {
        var list: [ComparisonMetric] = [
            ComparisonMetric("chips", "System", "Chips (packages)", "", decimals: 0) { Double($0.chips) },
            ComparisonMetric("dies", "System", "Compute dies", "", decimals: 0) { Double($0.dies) },
            ComparisonMetric("nodes", "System", "Nodes", "", decimals: 0) { Double($0.nodes) },
        ]
        let precisions = Precision.allCases.filter { precision in systems.contains { $0.chip.peak(precision) != nil } }
        for precision in precisions {
            let unit = precision.isInteger ? "POPS" : "PFLOPS"
            list.append(ComparisonMetric("\(precision.rawValue)_peta", "Dense compute", "\(precision.rawValue.uppercased()) dense", unit, decimals: 1) {
                $0.peak(precision)?.petaflops
            })
        }
        list += [
            ComparisonMetric("hbm_capacity_tb", "Memory", "HBM capacity", "TB", decimals: 1) { $0.hbmCapacity.terabytes },
            ComparisonMetric("hbm_bandwidth_tb_per_s", "Memory", "HBM bandwidth", "TB/s", decimals: 0) { $0.hbmBandwidth.terabytesPerSecond },
            ComparisonMetric("scale_up_domain_chips", "Scale-up", "Domain size", "chips", decimals: 0) { Double($0.scaleUpLayout.chipsPerDomain) },
            ComparisonMetric("scale_up_per_chip_gb_per_s", "Scale-up", "Per chip, one direction", "GB/s", decimals: 0) {
                $0.scaleUpBandwidthPerChip.gigabytesPerSecond
            },
            ComparisonMetric("scale_up_total_tb_per_s", "Scale-up", "Total, one direction", "TB/s", decimals: 1) {
                ($0.scaleUpBandwidthPerChip * $0.chips).terabytesPerSecond
            },
            ComparisonMetric("scale_out_per_chip_gb_per_s", "Scale-out", "Per chip, one direction", "GB/s", decimals: 0) {
                $0.scaleOutBandwidthPerChip?.gigabytesPerSecond
            },
            ComparisonMetric("scale_out_total_tb_per_s", "Scale-out", "Total, one direction", "TB/s", decimals: 1) { system in
                system.scaleOutBandwidthPerChip.map { ($0 * system.chips).terabytesPerSecond }
            },
            ComparisonMetric("optical_transceivers", "Network", "Optical transceivers", "", decimals: 0) { $0.transceivers },
            ComparisonMetric("switches", "Network", "Switches (chips or boxes)", "", decimals: 0) { Double($0.switches) },
            ComparisonMetric("power_total_kw", "Power, full load", "All-in (IT x PUE)", "kW", decimals: 1) { $0.power?.total.kilowatts },
        ]
        let parts: [(String, String, @Sendable (PowerBreakdown) -> Power)] = [
            ("accelerators", "Accelerators", { $0.accelerators }),
            ("cpus", "CPUs", { $0.cpus }),
            ("switches", "Switches", { $0.switches }),
            ("optics", "Optics", { $0.optics }),
            ("other", "NICs and other", { $0.other }),
            ("delivery", "Power delivery loss", { $0.deliveryLoss }),
            ("cooling", "Cooling (PUE)", { $0.cooling }),
        ]
        for (key, label, part) in parts {
            list.append(ComparisonMetric("power_\(key)_kw", "Power, full load", "  \(label)", "kW", decimals: 1) {
                $0.power.map { part($0).kilowatts }
            })
        }
        list += [
            ComparisonMetric("racks", "Facility", "Racks", "", decimals: 0) { Double($0.racks) },
            ComparisonMetric("floor_area_m2", "Facility", "Floor area (racks only)", "m2", decimals: 1) { $0.floorArea.squareMeters },
            ComparisonMetric("watts_per_bf16_tflops", "Efficiency", "Power per BF16 TFLOPS", "W", decimals: 2) { system in
                guard let power = system.power?.total, let peak = system.peak(.bf16) else { return nil }
                return power.watts / peak.teraflops
            },
            ComparisonMetric("watts_per_hbm_tb_per_s", "Efficiency", "Power per TB/s of HBM", "W", decimals: 0) { system in
                system.power.map { $0.total.watts / system.hbmBandwidth.terabytesPerSecond }
            },
            ComparisonMetric("watts_per_hbm_tb", "Efficiency", "Power per TB of HBM", "W", decimals: 0) { system in
                system.power.map { $0.total.watts / system.hbmCapacity.terabytes }
            },
        ]
        return list
    }

    /// The value of `metric` for system `index`, and its ratio to the baseline's.
    public func figure(_ metric: ComparisonMetric, system index: Int) -> (value: Double?, ratio: Double?) {
        let value = metric.value(systems[index])
        guard let value, let base = metric.value(baseline), base != 0 else { return (value, nil) }
        return (value, value / base)
    }
}
