import DataFiles
import Foundation
import Numerics
import Testing
import Units
@testable import Hardware

/// A small system description built in code, to change one field at a time.
func smallSystem() -> SystemDescription {
    let port = Bandwidth(100, "GB/s")
    let module = Transceiver(name: "test module", power: Power(watts: 10))
    let leaf = SwitchSpec(name: "leaf", radix: 8, portBandwidth: port, power: Power(watts: 100))
    let spine = SwitchSpec(name: "spine", radix: 8, portBandwidth: port, power: Power(watts: 200))
    return SystemDescription(
        name: "small", summary: "test system", chip: .named("h100-sxm"), nodes: 4, resizable: true,
        node: NodeSpec(chips: 4, cpus: CPUGroup(model: "cpu", count: 1, power: Power(watts: 100)), otherPower: Power(watts: 50)),
        scaleUp: Fabric(name: "up", portsPerChip: 2, link: Link(bandwidth: port, medium: .copper), domainChips: 4,
                        tiers: [Tier(name: "sw", switchModel: leaf, switches: 1, latency: TimeSpan(seconds: 1e-6))]),
        scaleOut: Fabric(name: "out", portsPerChip: 1,
                         link: Link(bandwidth: port, medium: .optical, transceivers: 2, transceiver: module),
                         tiers: [
                            Tier(name: "leaf", switchModel: leaf,
                                 uplink: Link(bandwidth: port, medium: .optical, transceivers: 2, transceiver: module),
                                 latency: TimeSpan(seconds: 2e-6)),
                            Tier(name: "spine", switchModel: spine, latency: TimeSpan(seconds: 3e-6)),
                         ]),
        facility: Facility(nodesPerRack: 2, extraRacks: 1, rackFootprint: Area(squareMeters: 1), pue: 1.5, powerDeliveryEfficiency: 0.8),
        sources: ["composition": "test"])
}

@Suite("Fabric layout")
struct FabricTests {
    let h100 = try! HardwareCatalog.builtIn().chip("h100-sxm")

    @Test("Counts by hand: 16 chips, 8-port switches, 2 tiers")
    func countsByHand() throws {
        let system = try System(spec: smallSystem(), chip: h100)
        // Scale-up: 4 domains of 4 chips, 8 links per domain into one 8-port switch.
        #expect(system.scaleUpLayout.domains == 4)
        #expect(system.scaleUpLayout.switches == 4)
        // Scale-out: 16 links; a non-blocking leaf of radix 8 has 4 down, 4 up -> 4 leaves, 16 uplinks;
        // spines take 8 each -> 2 spines. Modules: (16 + 16) links x 2.
        let out = try #require(system.scaleOutLayout)
        #expect(out.tiers.map(\.switchesPerDomain) == [4, 2])
        #expect(out.tiers.map(\.uplinksPerDomain) == [16, 0])
        #expect(out.transceivers == 64)
        #expect(system.racks == 3)
        #expect(system.floorArea.squareMeters == 3)
        // Power: 16 x 700 + 4 x 100 CPUs + (4 x 100 + 4 x 100 + 2 x 200) switches + 64 x 10 optics + 4 x 50 other.
        let power = try #require(system.power)
        let components = 16 * 700.0 + 400 + 1200 + 640 + 200
        #expect(power.components.watts.isApproximatelyEqual(to: components))
        #expect(power.it.watts.isApproximatelyEqual(to: components / 0.8))
        #expect(power.total.watts.isApproximatelyEqual(to: components / 0.8 * 1.5))
        #expect(power.cooling.watts.isApproximatelyEqual(to: components / 0.8 * 0.5))
    }

    @Test("Oversubscription leaves fewer uplinks and fewer spines")
    func oversubscription() throws {
        var spec = smallSystem()
        spec.scaleOut!.tiers[0].oversubscription = 3
        let out = try #require(try System(spec: spec, chip: h100).scaleOutLayout)
        // Radix 8 at 3:1 -> 6 down, 2 up: 3 leaves, ceil(16/3) = 6 uplinks, 1 spine.
        #expect(out.tiers.map(\.switchesPerDomain) == [3, 1])
        #expect(out.tiers[0].uplinksPerDomain == 6)
    }

    @Test("More bandwidth per port means more bandwidth per chip, never less")
    func monotoneBandwidth() throws {
        var spec = smallSystem()
        let base = try System(spec: spec, chip: h100).scaleUpBandwidthPerChip
        spec.scaleUp.link.bandwidth = Bandwidth(100, "GB/s") * 1.0
        spec.scaleUp.portsPerChip = 3
        spec.scaleUp.tiers[0].switches = 2
        #expect(try System(spec: spec, chip: h100).scaleUpBandwidthPerChip > base)
    }

    @Test("Too few given switches for the links is refused with the numbers")
    func tooFewSwitches() {
        var spec = smallSystem()
        spec.scaleUp.portsPerChip = 3   // 12 links into one 8-port switch
        do {
            _ = try System(spec: spec, chip: h100)
            Issue.record("12 links into 8 ports were accepted")
        } catch {
            #expect(error.keyPath == ["scale_up", "tiers", "0", "switches"])
            #expect(error.message.contains("12 links"))
            #expect(error.message.contains("more chips than the switch ports can reach"))
        }
    }

    @Test("Links faster than the switch ports are refused")
    func linkFasterThanPort() {
        var spec = smallSystem()
        spec.scaleUp.link.bandwidth = Bandwidth(200, "GB/s")
        #expect(throws: DescriptionIssue.self) { try System(spec: spec, chip: h100) }
    }

    @Test("Non-positive figures are refused, naming the field", arguments: [
        ("scale_up.link.bandwidth", ["scale_up", "link", "bandwidth"]),
        ("node.chips", ["node", "chips"]),
        ("nodes", ["nodes"]),
        ("scale_out.tiers.0.switch.radix", ["scale_out", "tiers", "0", "switch", "radix"]),
        ("chip.memory.capacity", ["chip", "memory", "capacity"]),
    ])
    func nonPositive(field: String, path: [String]) {
        var spec = smallSystem()
        var chip = h100
        switch field {
        case "scale_up.link.bandwidth": spec.scaleUp.link.bandwidth = .zero
        case "node.chips": spec.node.chips = 0
        case "nodes": spec.nodes = -1
        case "scale_out.tiers.0.switch.radix": spec.scaleOut!.tiers[0].switchModel.radix = 0
        default: chip.memory.capacity = Bytes(-1)
        }
        do {
            _ = try System(spec: spec, chip: chip)
            Issue.record("\(field) <= 0 was accepted")
        } catch {
            #expect(error.keyPath == path)
        }
    }

    @Test("Several scale-up domains without a scale-out fabric are refused")
    func needsScaleOut() {
        var spec = smallSystem()
        spec.scaleOut = nil
        do {
            _ = try System(spec: spec, chip: h100)
            Issue.record("isolated domains were accepted")
        } catch {
            #expect(error.keyPath == ["scale_out"])
        }
    }

    @Test("An optical link needs its module")
    func opticalNeedsModule() {
        var spec = smallSystem()
        spec.scaleOut!.link.transceiver = nil
        #expect(throws: DescriptionIssue.self) { try System(spec: spec, chip: h100) }
    }

    @Test("A domain that does not divide the system is refused, naming domain sizes that do")
    func domainDivides() throws {
        var spec = smallSystem()
        spec.scaleUp.domainChips = 5
        let issue = try #require(throws: DescriptionIssue.self) { try System(spec: spec, chip: h100) }
        let text = "\(issue)"
        let range = try #require(text.range(of: "; use domains of "), "\(text)")
        let sizes = text[range.upperBound...].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        #expect(!sizes.isEmpty)
        // Each divides the system (a size may still need more switch ports than the file gives, a separate check).
        for size in sizes {
            spec.scaleUp.domainChips = size
            do { _ = try System(spec: spec, chip: h100) } catch { #expect(!"\(error)".contains("does not divide"), "\(error)") }
        }
    }
}

@Suite("System files")
struct SystemFileTests {
    func write(_ text: String, name: String = "system.yaml") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("supernode-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let base = """
        name: my-node
        summary: one H200 server with an inline chip
        chip:
          name: my-chip
          vendor: me
          summary: a chip
          dies: 1
          peak: {bf16: 1000 TFLOPS, fp8: 2000 TFLOPS}
          memory: {capacity: 141 GB, bandwidth: 4.8 TB/s}
          power: {tdp: 700 W, idle: 70 W}
          sources: {peak: mine}
        nodes: 1
        node: {chips: 8}
        scale_up:
          name: NVLink
          ports_per_chip: 18
          link: {bandwidth: 25 GB/s, medium: copper}
          tiers:
            - name: NVSwitch
              switch: {name: nvswitch, radix: 64, port_bandwidth: 25 GB/s, power: 100 W}
              switches: 4
              latency: 1 us
        facility: {nodes_per_rack: 4, rack_footprint: 0.72 m2, pue: 1.2, power_delivery_efficiency: 0.95}
        sources: {composition: test}
        """

    @Test("A system file with an inline chip loads through the catalog")
    func loadsFile() throws {
        let path = try write(Self.base)
        let system = try HardwareCatalog.builtIn().system(path)
        #expect(system.chips == 8)
        #expect(system.chip.name == "my-chip")
        #expect(system.peak(.bf16)!.petaflops.isApproximatelyEqual(to: 8))
    }

    @Test("A JSON system file reads through the same types")
    func loadsJSON() throws {
        let system = try HardwareCatalog.builtIn().system("cloudmatrix384")
        var spec = system.spec
        spec.chip = .inline(system.chip)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let text = String(decoding: try encoder.encode(spec), as: UTF8.self)
        let reloaded = try HardwareCatalog.builtIn().system(try write(text, name: "cm.json"))
        #expect(reloaded.transceivers == 6912)
        #expect(reloaded.power == system.power)
    }

    @Test("Errors in a file name the file, the line and the field", arguments: [
        ("radix: 64", "radix: -64", 20, "scale_up.tiers[0].switch.radix", "must be a positive count"),
        ("bandwidth: 4.8 TB/s", "bandwidth: 4.8 TB", 9, "chip.memory.bandwidth", "not a unit of a bandwidth"),
        ("switches: 4", "switchez: 4", 21, "scale_up.tiers[0].switchez", "unknown field 'switchez'"),
        ("nodes: 1\n", "", 1, "", "missing field 'nodes'"),
        ("switches: 4", "switches: 1", 21, "scale_up.tiers[0].switches", "more chips than the switch ports can reach"),
        ("pue: 1.2", "pue: 0.9", 23, "facility.pue", "at least 1"),
    ])
    func fileErrors(find: String, replace: String, line: Int, keyPath: String, message: String) throws {
        let path = try write(Self.base.replacingOccurrences(of: find, with: replace))
        do {
            _ = try HardwareCatalog.builtIn().system(path)
            Issue.record("the broken file was accepted")
        } catch {
            guard case let .file(fileError) = error else { Issue.record("expected a file error, got \(error)"); return }
            #expect(fileError.file == path)
            #expect(fileError.line == line)
            #expect(fileError.keyPath == keyPath)
            #expect(fileError.message.contains(message), "\(fileError.message)")
        }
    }

    @Test("Unknown fields list the known ones")
    func unknownFieldListsKnown() throws {
        let path = try write(Self.base.replacingOccurrences(of: "nodes: 1\n", with: "nodes: 1\nracks: 2\n"))
        do {
            _ = try HardwareCatalog.builtIn().system(path)
            Issue.record("unknown field accepted")
        } catch {
            #expect(error.description.contains("unknown field 'racks'. Known fields here: chip, facility, name, node, nodes, resizable, scale_out, scale_up, sources, summary"))
        }
    }

    @Test("A chip name the catalog lacks is named with the known chips")
    func unknownChipInFile() throws {
        let text = """
            name: x
            summary: x
            chip: h300
            nodes: 1
            node: {chips: 8}
            scale_up: {name: n, ports_per_chip: 1, link: {bandwidth: 1 GB/s, medium: copper}, tiers: [], latency: 1 us}
            facility: {nodes_per_rack: 1, rack_footprint: 1 m2, pue: 1.1, power_delivery_efficiency: 0.9}
            sources: {}
            """
        let path = try write(text)
        do {
            _ = try HardwareCatalog.builtIn().system(path)
            Issue.record("unknown chip accepted")
        } catch {
            #expect(error.description.contains("\(path):3: chip: unknown chip 'h300'. Known chips: a100-sxm-80gb"))
        }
    }
}
