import ArgumentParser
import Foundation
import Runtime
import Units

enum BackendArgument: String, ExpressibleByArgument, CaseIterable {
    case inproc, mpi
}

/// Ranks for a command: threads in this process, or the processes of an MPI job. A command asked for MPI
/// outside mpirun starts mpirun itself with the same arguments and passes its output through.
enum Ranks {
    /// The most ranks one machine runs: each is a thread (in-process) or a process (MPI) here.
    static let limit = 1024

    /// Refuses more than ``limit`` ranks on this machine.
    static func check(_ ranks: Int) throws(InputError) {
        let local = MachineMemory.localRanks(of: ranks)
        guard local <= limit else {
            throw InputError("--ranks \(ranks): at most \(NumberText.grouped(Double(limit), decimals: 0)) ranks run on one machine (a thread or a process each), here \(local); use fewer")
        }
    }

    /// Runs `body` on every rank and returns rank 0's result (nil on the other MPI ranks).
    static func run<T: Sendable>(backend: BackendArgument, ranks: Int, timeout: TimeInterval,
                                 _ body: @escaping @Sendable (any Communicator) throws -> T) throws -> T? {
        switch backend {
        case .inproc:
            return try InProcessCluster.run(ranks: ranks, timeout: timeout) { comm in try body(comm) }[0]
        case .mpi:
            #if MPI
            let comm = try MPICommunicator.world(timeout: timeout)
            guard comm.size == ranks else {
                throw InputError("mpirun started \(comm.size) ranks but --ranks says \(ranks); pass the same count to both")
            }
            let result = try body(comm)
            return comm.rank == 0 ? result : nil
            #else
            throw InputError("this build has no MPI backend; build it with `swift build --traits MPI` (make test does)")
            #endif
        }
    }

    /// Whether this process must start mpirun itself (MPI asked for, but not launched by mpirun).
    static func needsLaunch(_ backend: BackendArgument) -> Bool {
        backend == .mpi && ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] == nil
    }

    /// When this process must start mpirun itself (``needsLaunch(_:)``), runs the command under it and returns
    /// rank 0's output, or throws its error output and exit status; nil when the ranks run here.
    static func relaunchedOutput(backend: BackendArgument, ranks: Int) throws -> String? {
        guard needsLaunch(backend) else { return nil }
        let result = try relaunch(ranks: ranks)
        guard result.status == 0 else { throw RunFailure(message: result.error + result.output, status: result.status) }
        return result.output
    }

    /// Starts `mpirun -np ranks` on this executable with the same arguments.
    static func relaunch(ranks: Int) throws -> (output: String, error: String, status: Int32) {
        guard URL(fileURLWithPath: CommandLine.arguments[0]).lastPathComponent == "supernode" else {
            throw InputError("--backend mpi outside mpirun works from the supernode executable; or start it with mpirun -np N supernode ...")
        }
        guard let mpirun = findExecutable("mpirun") else {
            throw InputError("--backend mpi needs mpirun, which is not installed; install Open MPI (apt-get install openmpi-bin libopenmpi-dev)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        var arguments = ["-np", "\(ranks)", "--oversubscribe"]
        if getuid() == 0 { arguments.append("--allow-run-as-root") }
        arguments += ["--mca", "btl", "self,vader,tcp", CommandLine.arguments[0]] + CommandLine.arguments.dropFirst()
        process.arguments = arguments
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self), process.terminationStatus)
    }

    static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func finalize() {
        #if MPI
        MPICommunicator.finalize()
        #endif
    }
}

/// The memory of this machine, against what a command needs.
enum MachineMemory {
    /// Ranks of a job of `ranks` that run on this machine: mpirun's local count when it started this process
    /// (ranks spread over hosts), all of them otherwise (threads, or mpirun started here on this machine).
    static func localRanks(of ranks: Int) -> Int {
        ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) }.map { min($0, ranks) } ?? ranks
    }

    /// Refuses work that needs more than this machine's memory, before anything is allocated: the alternative
    /// is the kernel's out-of-memory kill, with no message.
    static func check(_ needed: Double, what: String, why: String, fix: String) throws(InputError) {
        let available = Double(ProcessInfo.processInfo.physicalMemory)
        guard needed > available else { return }
        throw InputError("\(what) needs about \(Bytes(needed).formatted(in: "GB", decimals: 1)) (\(why)) but this machine has \(Bytes(available).formatted(in: "GB", decimals: 1)); \(fix)")
    }
}
