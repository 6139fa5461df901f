import DataFiles
import Foundation
import Hardware

/// The calibration profiles shipped with supernode, and the kernel measurements they were fitted from.
public struct CalibrationCatalog: Sendable {
    public let profiles: [CalibrationProfile]

    public init(profiles: [CalibrationProfile]) {
        self.profiles = profiles
    }

    /// The shipped profiles.
    /// - Throws: ``CostModelError/calibration(_:)`` when a shipped file is broken (a packaging defect).
    public static func builtIn() throws(CostModelError) -> CalibrationCatalog {
        let folder = try presets().appendingPathComponent("calibration")
        do {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
            let profiles = try names.map { name in
                try DataFile.decode(CalibrationProfile.self, from: try DataFile.read(folder.appendingPathComponent(name).path),
                                    file: "<catalog>/calibration/\(name)")
            }
            return CalibrationCatalog(profiles: profiles)
        } catch let error as DataFileError {
            throw .calibration("the built-in calibration catalog is broken (\(error)); reinstall supernode")
        } catch {
            throw .calibration("the built-in calibration catalog cannot be read (\(error))")
        }
    }

    /// The kernel measurements shipped with the catalog (`h200-pytorch-microbench`).
    public static func measurements(_ name: String) throws(CostModelError) -> KernelMeasurements {
        let path = try measurementsPath(name)
        do {
            return try DataFile.load(KernelMeasurements.self, path: path, unknownFields: .ignore)
        } catch {
            throw .calibration("cannot read the shipped measurements \(name): \(error)")
        }
    }

    /// Kernel timings shipped with the catalog in `supernode-kernels/1` format (`h200-kernels`).
    public static func timings(_ name: String) throws(CostModelError) -> KernelTimings {
        let path = try measurementsPath(name)
        do {
            return try DataFile.load(KernelTimings.self, path: path, unknownFields: .ignore)
        } catch {
            throw .calibration("cannot read the shipped kernel timings \(name): \(error)")
        }
    }

    /// Kernel timings from a file in `supernode-kernels/1` format.
    public static func loadTimings(path: String) throws(CostModelError) -> KernelTimings {
        do { return try DataFile.load(KernelTimings.self, path: path, unknownFields: .ignore) } catch { throw .file(error) }
    }

    /// A published GEMM table shipped with the catalog (`deepgemm-h800-fp8`).
    public static func publishedGEMMs(_ name: String) throws(CostModelError) -> PublishedGEMMTable {
        let path = try measurementsPath(name)
        do {
            return try DataFile.load(PublishedGEMMTable.self, path: path)
        } catch {
            throw .calibration("cannot read the shipped GEMM table \(name): \(error)")
        }
    }

    /// A published dispatch and combine latency table shipped with the catalog (`cloudmatrix384-moe-exchange`).
    public static func publishedExchanges(_ name: String) throws(CostModelError) -> PublishedExchangeTable {
        let path = try measurementsPath(name)
        do {
            return try DataFile.load(PublishedExchangeTable.self, path: path)
        } catch {
            throw .calibration("cannot read the shipped exchange table \(name): \(error)")
        }
    }

    /// The path of a shipped measurement set or published table (`measurements/NAME.json`).
    /// - Throws: ``CostModelError/calibration(_:)`` naming the shipped sets when there is none by that name.
    public static func measurementsPath(_ name: String) throws(CostModelError) -> String {
        let folder = try presets().appendingPathComponent("measurements")
        let path = folder.appendingPathComponent("\(name).json").path
        guard FileManager.default.fileExists(atPath: path) else {
            let shipped = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
            throw .calibration("no shipped measurements named '\(name)'; shipped: \(shipped.joined(separator: ", ")), or give a JSON file")
        }
        return path
    }

    /// Kernel measurements from a file in the same format.
    public static func loadMeasurements(path: String) throws(CostModelError) -> KernelMeasurements {
        do { return try DataFile.load(KernelMeasurements.self, path: path, unknownFields: .ignore) } catch { throw .file(error) }
    }

    static func presets() throws(CostModelError) -> URL {
        guard let url = Bundle.module.url(forResource: "Presets", withExtension: nil) else {
            throw .calibration("the Presets folder is missing from the CostModel resources; reinstall supernode")
        }
        return url
    }

    /// The profile for `chip`, by name, or a file path.
    /// - Throws: ``CostModelError/calibration(_:)`` when no profile covers the chip.
    public func profile(for chip: Chip) throws(CostModelError) -> CalibrationProfile {
        guard let profile = profiles.first(where: { $0.chips.contains(chip.name) }) else {
            let covered = profiles.flatMap(\.chips).sorted().joined(separator: ", ")
            throw .calibration("no calibration profile covers \(chip.name); profiles cover \(covered). Give one with --calibration FILE")
        }
        return profile
    }

    /// A profile by name.
    public func profile(named name: String) throws(CostModelError) -> CalibrationProfile {
        guard let profile = profiles.first(where: { $0.name == name }) else {
            throw .calibration("unknown calibration profile '\(name)'. Known profiles: \(profiles.map(\.name).sorted().joined(separator: ", "))")
        }
        return profile
    }

    /// A profile named on the command line: a file when the reference looks like a path (it holds a `/` or ends
    /// in `.yaml` or `.json`), a profile of this catalog otherwise.
    public func profile(reference: String) throws(CostModelError) -> CalibrationProfile {
        reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".json")
            ? try Self.load(path: reference) : try profile(named: reference)
    }

    /// This catalog with the profiles `references` name (catalog names or files) ahead of its own, so that they
    /// are the ones ``profile(for:)`` finds for the chips they cover.
    public func preferring(_ references: [String]) throws(CostModelError) -> CalibrationCatalog {
        let chosen = try references.map { reference throws(CostModelError) in try profile(reference: reference) }
        return CalibrationCatalog(profiles: chosen + profiles)
    }

    /// A profile file.
    public static func load(path: String) throws(CostModelError) -> CalibrationProfile {
        do { return try DataFile.load(CalibrationProfile.self, path: path) } catch { throw .file(error) }
    }
}
