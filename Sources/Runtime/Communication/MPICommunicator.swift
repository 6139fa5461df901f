#if MPI
import Foundation
internal import MPIShim

/// The Open MPI backend: the same operations through MPI's own collectives, so the same program runs across
/// hosts with `mpirun -H host1,host2 ...`. Every operation starts non-blocking and is polled against a
/// deadline, so a missing peer turns into ``CommunicatorError/timeout(operation:seconds:)`` instead of a hang.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    public var backend: String { "mpi" }
    let comm: supernode_comm
    let timeout: TimeInterval

    init(comm: supernode_comm, timeout: TimeInterval) throws(CommunicatorError) {
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check(supernode_mpi_rank(comm, &rank), "MPI_Comm_rank")
        try Self.check(supernode_mpi_size(comm, &size), "MPI_Comm_size")
        self.comm = comm
        self.rank = Int(rank)
        self.size = Int(size)
        self.timeout = timeout
    }

    /// The world communicator of this MPI job; initialises MPI on first use.
    public static func world(timeout: TimeInterval = 60) throws(CommunicatorError) -> MPICommunicator {
        try check(supernode_mpi_init(), "MPI_Init_thread")
        return try MPICommunicator(comm: supernode_mpi_world(), timeout: timeout)
    }

    /// Ends MPI for this process; call once, after the last operation.
    public static func finalize() {
        if supernode_mpi_initialized() != 0 { _ = supernode_mpi_finalize() }
    }

    /// Whether this process was started by mpirun (Open MPI sets OMPI_COMM_WORLD_SIZE).
    public static var isLaunchedByMPI: Bool { ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil }

    /// Turns an MPI return code into a thrown error naming the call.
    static func check(_ code: Int32, _ call: String) throws(CommunicatorError) {
        guard code != 0 else { return }
        var text = [CChar](repeating: 0, count: 256)
        supernode_mpi_error_string(code, &text, 256)
        let bytes = text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        throw .backend("\(call) failed: \(String(decoding: bytes, as: UTF8.self))")
    }

    /// Polls a request until it completes or the deadline passes.
    func wait(_ request: inout supernode_request?, _ operation: String) throws(CommunicatorError) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var done: Int32 = 0
        var spins = 0
        while true {
            try Self.check(supernode_mpi_test(&request, &done), operation)
            if done != 0 { return }
            if Date() > deadline {
                supernode_mpi_request_free(&request)
                throw .timeout(operation: operation, seconds: timeout)
            }
            spins += 1
            if spins > 1000 { usleep(20) }
        }
    }

    func agree(_ count: Int, _ operation: String) throws(CommunicatorError) {
        var mine = [Int32](repeating: Int32(count), count: size)
        var all = [Int32](repeating: 0, count: size)
        var request: supernode_request?
        try Self.check(supernode_mpi_ialltoall_int(&mine, 1, &all, comm, &request), "MPI_Ialltoall")
        try wait(&request, operation)
        guard all.allSatisfy({ $0 == Int32(count) }) else {
            throw .sizeMismatch("\(operation): ranks pass \(all.map(String.init).joined(separator: ", ")) elements")
        }
    }

    public func barrier() throws(CommunicatorError) {
        var request: supernode_request?
        try Self.check(supernode_mpi_ibarrier(comm, &request), "MPI_Ibarrier")
        try wait(&request, "barrier")
    }

    public func allReduce(_ buffer: inout [Float]) throws(CommunicatorError) {
        try agree(buffer.count, "all-reduce")
        guard size > 1, !buffer.isEmpty else { return }
        var request: supernode_request?
        let count = Int32(buffer.count)
        try buffer.withUnsafeMutableBufferPointer { (pointer) throws(CommunicatorError) in
            try Self.check(supernode_mpi_iallreduce_sum(pointer.baseAddress, pointer.baseAddress, count, comm, &request), "MPI_Iallreduce")
            try wait(&request, "all-reduce")
        }
    }

    public func reduceScatter(_ buffer: [Float]) throws(CommunicatorError) -> [Float] {
        guard buffer.count % size == 0 else { throw .invalid("reduce-scatter: \(buffer.count) elements do not split into \(size) equal blocks") }
        try agree(buffer.count, "reduce-scatter")
        var out = [Float](repeating: 0, count: buffer.count / size)
        var request: supernode_request?
        try Self.check(supernode_mpi_ireduce_scatter_block_sum(buffer, &out, Int32(out.count), comm, &request), "MPI_Ireduce_scatter_block")
        try wait(&request, "reduce-scatter")
        return out
    }

    public func allGather(_ block: [Float]) throws(CommunicatorError) -> [Float] {
        try agree(block.count, "all-gather")
        var out = [Float](repeating: 0, count: block.count * size)
        var request: supernode_request?
        try Self.check(supernode_mpi_iallgather(block, Int32(block.count), &out, comm, &request), "MPI_Iallgather")
        try wait(&request, "all-gather")
        return out
    }

    public func allToAll(_ buffer: [Float]) throws(CommunicatorError) -> [Float] {
        guard buffer.count % size == 0 else { throw .invalid("all-to-all: \(buffer.count) elements do not split into \(size) equal blocks") }
        try agree(buffer.count, "all-to-all")
        var out = [Float](repeating: 0, count: buffer.count)
        var request: supernode_request?
        try Self.check(supernode_mpi_ialltoall(buffer, Int32(buffer.count / size), &out, comm, &request), "MPI_Ialltoall")
        try wait(&request, "all-to-all")
        return out
    }

    public func allToAllV(_ blocks: [[Float]]) throws(CommunicatorError) -> [[Float]] {
        guard blocks.count == size else { throw .invalid("all-to-all-v: \(blocks.count) blocks for \(size) ranks") }
        var sendCounts = blocks.map { Int32($0.count) }
        var receiveCounts = [Int32](repeating: 0, count: size)
        var request: supernode_request?
        try Self.check(supernode_mpi_ialltoall_int(&sendCounts, 1, &receiveCounts, comm, &request), "MPI_Ialltoall")
        try wait(&request, "all-to-all-v counts")
        let sendOffsets = Self.offsets(sendCounts), receiveOffsets = Self.offsets(receiveCounts)
        let send = blocks.flatMap { $0 }
        var receive = [Float](repeating: 0, count: Int(receiveCounts.reduce(0, +)))
        try Self.check(supernode_mpi_ialltoallv(send, sendCounts, sendOffsets, &receive, receiveCounts, receiveOffsets, comm, &request), "MPI_Ialltoallv")
        try wait(&request, "all-to-all-v")
        return (0..<size).map { Array(receive[Int(receiveOffsets[$0])..<Int(receiveOffsets[$0] + receiveCounts[$0])]) }
    }

    static func offsets(_ counts: [Int32]) -> [Int32] {
        var running: Int32 = 0
        return counts.map { count in defer { running += count }; return running }
    }

    public func broadcast(_ buffer: inout [Float], root: Int) throws(CommunicatorError) {
        guard (0..<size).contains(root) else { throw .invalid("broadcast root \(root) is not a rank of \(size)") }
        try agree(buffer.count, "broadcast")
        var request: supernode_request?
        let count = Int32(buffer.count)
        try buffer.withUnsafeMutableBufferPointer { (pointer) throws(CommunicatorError) in
            try Self.check(supernode_mpi_ibcast(pointer.baseAddress, count, Int32(root), comm, &request), "MPI_Ibcast")
            try wait(&request, "broadcast")
        }
    }

    public func send(_ data: [Float], to peer: Int, tag: Int) throws(CommunicatorError) {
        guard (0..<size).contains(peer), peer != rank else { throw .invalid("send to rank \(peer) of \(size)") }
        var header: [Float] = [Float(data.count)]
        var request: supernode_request?
        try Self.check(supernode_mpi_isend(&header, 1, Int32(peer), Int32(tag * 2), comm, &request), "MPI_Isend")
        try wait(&request, "send to rank \(peer)")
        try Self.check(supernode_mpi_isend(data, Int32(data.count), Int32(peer), Int32(tag * 2 + 1), comm, &request), "MPI_Isend")
        try wait(&request, "send to rank \(peer)")
    }

    public func receive(from peer: Int, tag: Int) throws(CommunicatorError) -> [Float] {
        guard (0..<size).contains(peer), peer != rank else { throw .invalid("receive from rank \(peer) of \(size)") }
        var header: [Float] = [0]
        var request: supernode_request?
        try Self.check(supernode_mpi_irecv(&header, 1, Int32(peer), Int32(tag * 2), comm, &request), "MPI_Irecv")
        try wait(&request, "receive from rank \(peer)")
        var data = [Float](repeating: 0, count: Int(header[0]))
        try Self.check(supernode_mpi_irecv(&data, Int32(data.count), Int32(peer), Int32(tag * 2 + 1), comm, &request), "MPI_Irecv")
        try wait(&request, "receive from rank \(peer)")
        return data
    }

    public func split(color: Int, key: Int) throws(CommunicatorError) -> any Communicator {
        var sub: supernode_comm?
        try Self.check(supernode_mpi_split(comm, Int32(color), Int32(key), &sub), "MPI_Comm_split")
        guard let sub else { throw .backend("MPI_Comm_split returned no communicator") }
        return try MPICommunicator(comm: sub, timeout: timeout)
    }
}
#endif
