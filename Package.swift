// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "supernode",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "supernode", targets: ["supernode"]),
        .library(name: "Supernode", targets: ["Units", "DataFiles", "Hardware", "Workload", "CostModel", "Validation", "Reports"]),
    ],
    traits: [
        .trait(name: "MPI", description: "The Open MPI backend of the runtime (needs libopenmpi-dev); `make test` enables it."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // Physical quantities with SI units and the number formats chips compute in.
        .target(name: "Units"),
        // Strict YAML/JSON decoding of description files: line numbers, unknown keys rejected.
        .target(name: "DataFiles", dependencies: [.product(name: "Yams", package: "Yams")]),
        // Chips, links, switches, nodes, fabrics, systems, and the shipped catalog.
        .target(name: "Hardware", dependencies: ["Units", "DataFiles"], resources: [.copy("Presets")]),
        // Model architectures from Hugging Face config.json, and the shipped model catalog.
        .target(name: "Workload", dependencies: ["Units", "DataFiles"], resources: [.copy("Presets")]),
        // Pure cost functions: kernels on a rank, collectives on a topology, memory; calibration profiles.
        .target(name: "CostModel", dependencies: ["Units", "DataFiles", "Hardware", "Workload"], resources: [.copy("Presets")]),
        // Published results in the supernode-validation/1 format, and running them against the cost model.
        .target(name: "Validation", dependencies: ["Units", "DataFiles", "Hardware", "Workload", "CostModel"], resources: [.copy("Cases")]),
        // OpenBLAS's CBLAS interface (libopenblas-dev).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Open MPI's headers and library (libopenmpi-dev), and C wrappers around its macro handles.
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .target(name: "MPIShim", dependencies: ["CMPI"]),
        // Real execution: tensors over BLAS, communicators over threads or MPI, tensor- and expert-parallel layers.
        // Depends on Units only, never on the simulator.
        .target(name: "Runtime", dependencies: [
            "Units", "CBLAS",
            .target(name: "MPIShim", condition: .when(traits: ["MPI"])),
        ]),
        // This machine measured into a hardware description and a calibration profile, and predictions of the
        // runtime's own runs: the loop between the runtime and the cost model.
        .target(name: "Calibrate", dependencies: ["Units", "Hardware", "Workload", "CostModel", "Runtime"]),
        // Tables, CSV and JSON rendering of results.
        .target(name: "Reports", dependencies: ["Units", "Hardware", "Workload", "CostModel", "Validation", "Runtime"]),
        // The command-line interface as a library, so tests can run commands in-process.
        .target(name: "SupernodeCLI", dependencies: [
            "Units", "DataFiles", "Hardware", "Workload", "CostModel", "Validation", "Reports", "Runtime", "Calibrate",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "supernode", dependencies: ["SupernodeCLI"]),
        // `make bench`: predictions per second of the cost model.
        .executableTarget(name: "supernode-bench", dependencies: ["CostModel", "Hardware", "Workload", "Units", "Runtime"]),
        .testTarget(name: "UnitsTests", dependencies: ["Units", .product(name: "Numerics", package: "swift-numerics")]),
        .testTarget(name: "DataFilesTests", dependencies: ["DataFiles"]),
        .testTarget(name: "HardwareTests", dependencies: ["Hardware", "Units", "DataFiles", .product(name: "Numerics", package: "swift-numerics")]),
        .testTarget(name: "WorkloadTests", dependencies: ["Workload", "Units", "DataFiles", .product(name: "Numerics", package: "swift-numerics")]),
        .testTarget(name: "CostModelTests", dependencies: ["CostModel", "Hardware", "Workload", "Units", .product(name: "Numerics", package: "swift-numerics")]),
        .testTarget(name: "ValidationTests", dependencies: ["Validation", "CostModel", "Hardware", "Workload", "Units", .product(name: "Numerics", package: "swift-numerics")]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Units", .product(name: "Numerics", package: "swift-numerics")]),
        .testTarget(name: "CLITests", dependencies: ["SupernodeCLI", "supernode", "Hardware", "Reports", "Units"], exclude: ["Golden"]),
    ]
)
