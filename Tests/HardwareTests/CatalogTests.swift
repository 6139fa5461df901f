import DataFiles
import Numerics
import Testing
import Units
@testable import Hardware

/// Loaded once per test; the catalog is immutable.
func catalog() throws(HardwareError) -> HardwareCatalog { try HardwareCatalog.builtIn() }

let chipNames = ["a100-sxm-80gb", "ascend-910c", "b200", "gb200", "h100-sxm", "h200-sxm", "h800-sxm", "tpu-v5p"]
let systemNames = [
    "a100-clos-cluster", "cloudmatrix384", "dgx-a100-selene", "dgx-h100-superpod", "gb200-nvl72", "h100-cluster",
    "h100-roce-cluster", "h800-cluster", "hgx-h100", "hgx-h200",
]

@Suite("Hardware catalog")
struct CatalogTests {
    @Test("The catalog holds exactly the presets the README lists")
    func holdsThePresets() throws {
        let catalog = try catalog()
        #expect(catalog.chipNames == chipNames)
        #expect(catalog.systemNames == systemNames)
    }

    @Test("Every chip passes its checks and cites sources for its rates and memory", arguments: chipNames)
    func chipIsValid(name: String) throws {
        let chip = try catalog().chip(name)
        try chip.check()
        #expect(chip.name == name)
        #expect(chip.sources["peak"] != nil)
        #expect(chip.sources["memory"] != nil)
        #expect(chip.sources["power"] != nil, "power has a source, or says why it is absent")
        #expect(chip.peak.bf16 != nil)
        if let power = chip.power { #expect(power.idle < power.tdp) }
    }

    @Test("Every system resolves and its totals are the per-part arithmetic", arguments: systemNames)
    func systemTotals(name: String) throws {
        let system = try catalog().system(name)
        let spec = system.spec
        #expect(system.chips == spec.nodes * spec.node.chips)
        #expect(system.dies == system.chips * system.chip.dies)
        #expect(system.hbmCapacity.bytes.isApproximatelyEqual(to: system.chip.memory.capacity.bytes * Double(system.chips)))
        #expect(system.hbmBandwidth.bytesPerSecond.isApproximatelyEqual(to: system.chip.memory.bandwidth.bytesPerSecond * Double(system.chips)))
        for precision in system.chip.peak.supported {
            #expect(system.peak(precision)!.flopsPerSecond.isApproximatelyEqual(to: system.chip.peak[precision]!.flopsPerSecond * Double(system.chips)))
        }
        #expect(system.scaleUpBandwidthPerChip.bytesPerSecond.isApproximatelyEqual(
            to: spec.scaleUp.link.bandwidth.bytesPerSecond * Double(spec.scaleUp.portsPerChip)))
        #expect(system.scaleUpLayout.chipLinks == system.chips * spec.scaleUp.portsPerChip)
        #expect(system.racks >= (spec.nodes + spec.facility.nodesPerRack - 1) / spec.facility.nodesPerRack)
        #expect(!spec.sources.isEmpty)
        #expect(spec.sources["composition"] != nil)
    }

    @Test("Every system's power breakdown adds up to its total", arguments: systemNames)
    func powerAddsUp(name: String) throws {
        let system = try catalog().system(name)
        let power = try #require(system.power)
        let parts = power.parts.reduce(0.0) { $0 + $1.power.watts }
        #expect(parts.isApproximatelyEqual(to: power.total.watts, relativeTolerance: 1e-12))
        #expect(power.total.watts.isApproximatelyEqual(to: power.it.watts * system.facility.pue, relativeTolerance: 1e-12))
        #expect(power.accelerators.watts.isApproximatelyEqual(to: system.chip.power!.tdp.watts * Double(system.chips)))
        #expect(power.it.watts.isApproximatelyEqual(to: power.components.watts / system.facility.powerDeliveryEfficiency, relativeTolerance: 1e-12))
        // Every part draws something, and accelerators dominate.
        #expect(power.parts.allSatisfy { $0.power.watts > 0 })
        #expect(power.accelerators == power.parts.map(\.power).max())
    }

    @Test("Under a partial load chips draw idle plus that share of the way to TDP; the rest stays rated, loss and cooling follow", arguments: systemNames)
    func powerUnderLoad(name: String) throws {
        let system = try catalog().system(name)
        let chip = try #require(system.chip.power)
        let full = try #require(system.power)
        #expect(system.power(acceleratorLoad: 1) == full)
        let idle = try #require(system.power(acceleratorLoad: 0))
        #expect(idle.accelerators.watts.isApproximatelyEqual(to: chip.idle.watts * Double(system.chips)))
        let quarter = try #require(system.power(acceleratorLoad: 0.25))
        let expected = (chip.idle.watts + 0.25 * (chip.tdp.watts - chip.idle.watts)) * Double(system.chips)
        #expect(quarter.accelerators.watts.isApproximatelyEqual(to: expected, relativeTolerance: 1e-12))
        #expect(quarter.cpus == full.cpus && quarter.switches == full.switches && quarter.optics == full.optics && quarter.other == full.other)
        #expect(quarter.total.watts.isApproximatelyEqual(to: quarter.components.watts / system.facility.powerDeliveryEfficiency * system.facility.pue,
                                                         relativeTolerance: 1e-12))
        #expect(idle.total < quarter.total && quarter.total < full.total)
        // Loads outside 0...1 are held to it.
        #expect(system.power(acceleratorLoad: 2) == full && system.power(acceleratorLoad: -1) == idle)
    }
}

@Suite("CloudMatrix384 and GB200 NVL72")
struct SupernodeFigureTests {
    @Test("CloudMatrix384 totals from the catalog's inputs")
    func cloudMatrixTotals() throws {
        let system = try catalog().system("cloudmatrix384")
        #expect(system.chips == 384)
        #expect(system.dies == 768)
        #expect(system.hbmCapacity.terabytes.isApproximatelyEqual(to: 49.152))
        #expect(system.hbmBandwidth.terabytesPerSecond.isApproximatelyEqual(to: 1228.8))
        #expect(system.peak(.bf16)!.petaflops.isApproximatelyEqual(to: 384 * 752 / 1000))
        #expect(system.peak(.fp8) == nil, "the 910C has no FP8")
        #expect(system.scaleUpBandwidthPerChip.gigabytesPerSecond.isApproximatelyEqual(to: 392))
        #expect(system.racks == 16)
    }

    @Test("CloudMatrix384's 6,912 transceivers and its switch counts come out of the topology")
    func cloudMatrixOptics() throws {
        let system = try catalog().system("cloudmatrix384")
        let up = system.scaleUpLayout
        #expect(up.tiers.map(\.switchesPerDomain) == [336, 112])
        #expect(up.transceivers == 5376)
        let out = try #require(system.scaleOutLayout)
        #expect(out.tiers.map(\.switchesPerDomain) == [12, 6])
        #expect(out.transceivers == 1536)
        #expect(system.transceivers == 6912)
    }

    @Test("GB200 NVL72 totals")
    func nvl72Totals() throws {
        let system = try catalog().system("gb200-nvl72")
        #expect(system.chips == 72)
        #expect(system.peak(.bf16)!.petaflops.isApproximatelyEqual(to: 180))
        #expect((13.4...13.8).contains((system.hbmCapacity.terabytes * 10).rounded() / 10))
        #expect(system.hbmBandwidth.terabytesPerSecond.isApproximatelyEqual(to: 576))
        #expect(system.scaleUpLayout.transceivers == 0, "NVLink inside the rack is copper")
        #expect((system.scaleUpBandwidthPerChip * system.chips).terabytesPerSecond.isApproximatelyEqual(to: 64.8))
    }

    /// Analyst all-in figures (SemiAnalysis, April 2025): 559 kW and 145 kW. The bottom-up model must land
    /// within 10% of both with the same assumptions for both systems.
    @Test("Bottom-up power lands within 10% of the analyst figures", arguments: [("cloudmatrix384", 559.0), ("gb200-nvl72", 145.0)])
    func powerMatchesAnalysts(name: String, published: Double) throws {
        let power = try #require(try catalog().system(name).power)
        let error = abs(power.total.kilowatts - published) / published
        #expect(error <= 0.10, "\(name): \(power.total.kilowatts) kW vs \(published) kW")
    }

    @Test("Both systems share facility assumptions (no per-system correction)")
    func sameAssumptions() throws {
        let cm = try catalog().system("cloudmatrix384")
        let nvl = try catalog().system("gb200-nvl72")
        #expect(cm.facility.pue == nvl.facility.pue)
        #expect(cm.facility.powerDeliveryEfficiency == nvl.facility.powerDeliveryEfficiency)
    }
}

@Suite("Clusters and sizes")
struct ClusterTests {
    @Test("A cluster takes a size in nodes or chips")
    func resizes() throws {
        let catalog = try catalog()
        let twelve = try catalog.system("h100-cluster:nodes=12")
        #expect(twelve.chips == 96)
        #expect(try catalog.system("h100-cluster:chips=96").chips == 96)
        #expect(try catalog.system("h100-cluster:gpus=2048").nodes == 256)
        // Derived switch counts follow the size: 8 rails of 12 ports -> 1 leaf and 1 spine per rail.
        let out = try #require(twelve.scaleOutLayout)
        #expect(out.tiers.map(\.switchesPerDomain) == [8, 8])
        #expect(twelve.scaleUpLayout.domains == 12)
    }

    @Test("The DGX H100 SuperPOD derives the reference design's 32 leaves and 16 spines")
    func superPOD() throws {
        let system = try catalog().system("dgx-h100-superpod")
        #expect(system.chips == 1016)
        #expect(try #require(system.scaleOutLayout).tiers.map(\.switchesPerDomain) == [32, 16])
    }

    @Test("Fixed systems refuse a size", arguments: ["cloudmatrix384:nodes=24", "gb200-nvl72:chips=144", "hgx-h100:nodes=2"])
    func fixedSystems(reference: String) throws {
        let catalog = try catalog()
        #expect(throws: HardwareError.self) { try catalog.system(reference) }
    }

    @Test("Bad sizes are refused with the reason", arguments: [
        "h100-cluster:nodes=0", "h100-cluster:nodes=abc", "h100-cluster:racks=3", "h100-cluster:chips=12", "h100-cluster:nodes",
    ])
    func badSizes(reference: String) throws {
        let catalog = try catalog()
        do {
            _ = try catalog.system(reference)
            Issue.record("\(reference) was accepted")
        } catch {
            guard case .badSize = error else { Issue.record("unexpected \(error)"); return }
        }
    }

    @Test("A 2-tier fabric that cannot reach the chips is refused, naming the tiers")
    func tooLargeForTwoTiers() throws {
        let catalog = try catalog()
        // 8 rails x 2,048 ports is the 2-tier limit with 64-port switches.
        #expect(try catalog.system("h100-cluster:nodes=2048").chips == 16384)
        do {
            _ = try catalog.system("h100-cluster:nodes=2049")
            Issue.record("a fabric beyond its reach was accepted")
        } catch {
            #expect(error.description.contains("more chips than the switch ports can reach"))
        }
    }

    @Test("A catalog of only the named systems reads their files and resolves them as the whole catalog does", arguments: systemNames)
    func onlyTheNamedSystems(name: String) throws {
        let partial = try HardwareCatalog.builtIn(only: [name])
        // Each file holds the entry of its own name, so one file is all a lookup needs.
        #expect(partial.systemNames == [name])
        #expect(try partial.system(name) == (try catalog().system(name)))
    }

    @Test("A catalog of only some names loads everything when one is not a catalog file, so lookups name every system",
          arguments: [["h200x"], ["cloudmatrix384", "h200x"], ["./cloudmatrix384.yaml"], [""], ["../chips/b200"]])
    func onlyFallsBack(references: [String]) throws {
        let partial = try HardwareCatalog.builtIn(only: references)
        #expect(partial.systemNames == systemNames)
        #expect(partial.chipNames == chipNames)
        #expect(throws: HardwareError.unknownSystem("h200x", known: systemNames)) { try partial.system("h200x") }
    }

    @Test("A sized reference reads the one system it sizes")
    func onlySized() throws {
        let partial = try HardwareCatalog.builtIn(only: ["h100-cluster:nodes=12"])
        #expect(partial.systemNames == ["h100-cluster"])
        #expect(try partial.system("h100-cluster:nodes=12").chips == 96)
    }

    @Test("Unknown names list the known ones")
    func unknownNames() throws {
        let catalog = try catalog()
        do {
            _ = try catalog.system("h200x")
            Issue.record("unknown system accepted")
        } catch {
            #expect(error == .unknownSystem("h200x", known: systemNames))
            #expect(error.description.contains("Known systems: a100-clos-cluster, cloudmatrix384"))
        }
        #expect(throws: HardwareError.unknownChip("h300", known: chipNames)) { try catalog.chip("h300") }
    }
}
