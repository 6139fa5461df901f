import Foundation
import Hardware
import Units

/// `systems show`: what a system is made of, how its fabrics count up, and where its power goes.
public struct SystemReport: Sendable {
    public let system: System

    public init(system: System) {
        self.system = system
    }

    public func tables() -> [Table] {
        [overview()] + fabrics() + [power(), sources()]
    }

    func overview() -> Table {
        let chip = system.chip
        var table = Table(
            title: "\(system.name): \(system.spec.summary)",
            columns: [Table.Column("", .left), Table.Column("per chip"), Table.Column("system")])
        table.append(["Chip", chip.name, "\(system.chips) chips, \(system.dies) dies"])
        table.append(["Nodes", "\(system.node.chips) chips per node", "\(system.nodes)" + (system.isResizable ? " (resizable)" : "")])
        if let cpus = system.node.cpus {
            table.append(["Host CPUs", "\(cpus.count) x \(cpus.model) per node", "\(cpus.count * system.nodes)"])
        }
        for precision in chip.peak.supported {
            let unit = precision.isInteger ? "TOPS" : "TFLOPS"
            let systemUnit = precision.isInteger ? "POPS" : "PFLOPS"
            table.append([
                "\(precision.rawValue.uppercased()) dense",
                "\(NumberText.grouped(chip.peak[precision]!.teraflops, decimals: 1)) \(unit)",
                "\(NumberText.grouped(system.peak(precision)!.petaflops, decimals: 1)) \(systemUnit)",
            ])
        }
        table.append(["HBM capacity", chip.memory.capacity.formatted(in: "GB", decimals: 0), system.hbmCapacity.formatted(in: "TB", decimals: 2)])
        table.append(["HBM bandwidth", chip.memory.bandwidth.formatted(in: "TB/s", decimals: 2), system.hbmBandwidth.formatted(in: "TB/s", decimals: 0)])
        for (label, fabric) in fabricsWithLabels() {
            table.append(["\(label): \(fabric.name)", fabric.bandwidthPerChip.formatted(in: "GB/s", decimals: 0),
                          (fabric.bandwidthPerChip * system.chips).formatted(in: "TB/s", decimals: 1)])
        }
        table.append(["Racks / floor area", "", "\(system.racks) / \(system.floorArea.formatted(in: "m2", decimals: 1))"])
        table.notes = ["Bandwidths are one direction; peak rates are dense (no sparsity). Latency below: one way, small message, path turning at that tier."]
        return table
    }

    func fabricsWithLabels() -> [(String, Fabric)] {
        [("Scale-up", system.spec.scaleUp)] + (system.spec.scaleOut.map { [("Scale-out", $0)] } ?? [])
    }

    /// One table per fabric: its tiers with switch counts, links and latency.
    func fabrics() -> [Table] {
        let layouts = [system.scaleUpLayout] + (system.scaleOutLayout.map { [$0] } ?? [])
        return zip(fabricsWithLabels(), layouts).map { labelled, layout in
            let (label, fabric) = labelled
            let domain = layout.domains > 1 ? ", \(layout.domains) domains of \(layout.chipsPerDomain) chips" : ""
            let planes = fabric.planeCount > 1 ? ", \(fabric.planeCount) planes" : ""
            let ports = "\(fabric.portsPerChip) port\(fabric.portsPerChip == 1 ? "" : "s") x \(fabric.link.bandwidth.formatted()) per chip"
            var table = Table(
                title: "\(label): \(fabric.name); \(ports)\(planes)\(domain); \(NumberText.grouped(layout.transceivers)) optical transceivers",
                columns: [Table.Column("tier", .left), Table.Column("switch", .left), Table.Column("radix"),
                          Table.Column("switches"), Table.Column("links in"), Table.Column("uplinks"), Table.Column("latency")])
            if layout.tiers.isEmpty {
                let kind = (fabric.external ?? false) ? "ports to an external network" : "direct chip-to-chip links"
                table.append(["(none)", kind, "", "", NumberText.grouped(Double(layout.chipLinks)), "", fabric.latency?.formatted() ?? "-"])
            }
            for (index, tier) in layout.tiers.enumerated() {
                table.append([
                    tier.name, tier.switchModel.name, "\(tier.switchModel.radix)",
                    NumberText.grouped(Double(tier.switchesPerDomain * layout.domains)) + (tier.isDerived ? "*" : ""),
                    NumberText.grouped(Double(tier.linksInPerDomain * layout.domains)),
                    NumberText.grouped(Double(tier.uplinksPerDomain * layout.domains)),
                    fabric.tiers[index].latency.formatted(),
                ])
            }
            if layout.tiers.contains(where: \.isDerived) {
                table.notes.append("* derived from the links: ceil(links in / downlink ports per switch).")
            }
            return table
        }
    }

    func power() -> Table {
        var table = Table(title: "Power at full load, bottom-up",
                          columns: [Table.Column("part", .left), Table.Column("kW"), Table.Column("share"), Table.Column("from", .left)])
        guard let power = system.power else {
            table.append(["(unknown)", "-", "-", "the chip \(system.chip.name) has no published power figure"])
            return table
        }
        let total = power.total
        let chip = system.chip
        var basis: [String: String] = [
            "accelerators": "\(system.chips) x \(chip.power!.tdp.formatted()) TDP",
            "switches": "\(system.switches) switches",
            "optics": "\(NumberText.grouped(system.transceivers)) modules",
            "power delivery": "\(NumberText.fixed(system.facility.powerDeliveryEfficiency * 100, decimals: 0))% efficient",
            "cooling (PUE)": "PUE \(NumberText.shortest(system.facility.pue))",
        ]
        if let cpus = system.node.cpus { basis["CPUs"] = "\(cpus.count * system.nodes) x \(cpus.power.formatted())" }
        if let other = system.node.otherPower { basis["NICs and other"] = "NICs + \(system.nodes) x \(other.formatted()) per node" }
        for part in power.parts {
            table.append([part.name, NumberText.fixed(part.power.kilowatts, decimals: 1),
                          NumberText.fixed(part.power / total * 100, decimals: 1) + "%", basis[part.name] ?? ""])
        }
        table.append(["total", NumberText.fixed(total.kilowatts, decimals: 1), "100.0%", "IT \(NumberText.fixed(power.it.kilowatts, decimals: 1)) kW x PUE"])
        return table
    }

    func sources() -> Table {
        var table = Table(title: "Sources", columns: [Table.Column("field", .left), Table.Column("source", .left, wrap: 80)])
        for (key, text) in system.chip.sources.sorted(by: { $0.key < $1.key }) { table.append(["chip.\(key)", Self.oneLine(text)]) }
        for (key, text) in system.spec.sources.sorted(by: { $0.key < $1.key }) { table.append([key, Self.oneLine(text)]) }
        if let note = system.node.otherPowerNote { table.append(["node.other_power", Self.oneLine(note)]) }
        return table
    }

    public static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    /// The description as resolved (the chip inline) plus the derived figures, for `--format json`.
    public var document: SystemDocument {
        var description = system.spec
        description.chip = .inline(system.chip)
        let power = system.power
        return SystemDocument(
            description: description,
            derived: .init(
                chips: system.chips, dies: system.dies, racks: system.racks,
                floorAreaM2: JSONOutput.rounded(system.floorArea.squareMeters),
                hbmCapacityTb: JSONOutput.rounded(system.hbmCapacity.terabytes),
                hbmBandwidthTbPerS: JSONOutput.rounded(system.hbmBandwidth.terabytesPerSecond),
                peakPeta: Dictionary(uniqueKeysWithValues: system.chip.peak.supported.map { ($0.rawValue, JSONOutput.rounded(system.peak($0)!.petaflops)) }),
                opticalTransceivers: JSONOutput.rounded(system.transceivers),
                switches: system.switches,
                powerKw: power.map { power in
                    Dictionary(uniqueKeysWithValues: power.parts.map { ($0.name, JSONOutput.rounded($0.power.kilowatts)) }
                        + [("it", JSONOutput.rounded(power.it.kilowatts)), ("total", JSONOutput.rounded(power.total.kilowatts))])
                }))
    }

    /// Long-format rows (section, field, value, unit) for `--format csv`.
    public func csvTable() -> Table {
        var table = Table(columns: ["section", "field", "value", "unit"].map { Table.Column($0) })
        let derived = document.derived
        table.append(["system", "chips", "\(derived.chips)", "count"])
        table.append(["system", "dies", "\(derived.dies)", "count"])
        for (key, value) in derived.peakPeta.sorted(by: { $0.key < $1.key }) {
            table.append(["compute", "\(key)_dense", NumberText.shortest(value), Precision(rawValue: key)?.isInteger == true ? "POPS" : "PFLOPS"])
        }
        table.append(["memory", "hbm_capacity", NumberText.shortest(derived.hbmCapacityTb), "TB"])
        table.append(["memory", "hbm_bandwidth", NumberText.shortest(derived.hbmBandwidthTbPerS), "TB/s"])
        table.append(["network", "optical_transceivers", NumberText.shortest(derived.opticalTransceivers), "count"])
        table.append(["network", "switches", "\(derived.switches)", "count"])
        for (key, value) in (derived.powerKw ?? [:]).sorted(by: { $0.key < $1.key }) {
            table.append(["power", key, NumberText.shortest(value), "kW"])
        }
        table.append(["facility", "racks", "\(derived.racks)", "count"])
        table.append(["facility", "floor_area", NumberText.shortest(derived.floorAreaM2), "m2"])
        return table
    }
}

/// The JSON form of `systems show`.
public struct SystemDocument: Sendable, Codable {
    public struct Derived: Sendable, Codable {
        public var chips: Int
        public var dies: Int
        public var racks: Int
        public var floorAreaM2: Double
        public var hbmCapacityTb: Double
        public var hbmBandwidthTbPerS: Double
        /// Precision to dense PFLOPS (POPS for int8).
        public var peakPeta: [String: Double]
        public var opticalTransceivers: Double
        public var switches: Int
        public var powerKw: [String: Double]?
    }

    /// The resolved description; with `derived` removed it reads back as a system file.
    public var description: SystemDescription
    public var derived: Derived
}
