/// Ranks that compute together: the collectives and point-to-point operations distributed layers need.
///
/// Every operation is called by every rank of the communicator (except `send` and `receive`, which pair
/// up). Buffers are Float32. Failures (a rank that threw, a size that differs between ranks, a deadline
/// passed) surface as ``CommunicatorError`` on every rank that is still waiting, within the timeout.
public protocol Communicator: AnyObject, Sendable {
    var rank: Int { get }
    var size: Int { get }
    /// The backend's name ("inproc", "mpi").
    var backend: String { get }

    /// Element-wise sum over all ranks, in place.
    func allReduce(_ buffer: inout [Float]) throws(CommunicatorError)
    /// Splits `buffer` into `size` equal blocks; rank r gets the sum over ranks of block r.
    func reduceScatter(_ buffer: [Float]) throws(CommunicatorError) -> [Float]
    /// Every rank's equal-sized block, in rank order.
    func allGather(_ block: [Float]) throws(CommunicatorError) -> [Float]
    /// Block p of `buffer` (size equal blocks) goes to rank p; returns block r of every rank, in rank order.
    func allToAll(_ buffer: [Float]) throws(CommunicatorError) -> [Float]
    /// `blocks[p]` goes to rank p; returns the block each rank sent to this one, in rank order. Sizes may differ.
    func allToAllV(_ blocks: [[Float]]) throws(CommunicatorError) -> [[Float]]
    /// Copies `root`'s buffer to every rank.
    func broadcast(_ buffer: inout [Float], root: Int) throws(CommunicatorError)
    func send(_ data: [Float], to peer: Int, tag: Int) throws(CommunicatorError)
    func receive(from peer: Int, tag: Int) throws(CommunicatorError) -> [Float]
    func barrier() throws(CommunicatorError)
    /// Ranks with the same `color` form a new communicator, ordered by `key` then old rank.
    func split(color: Int, key: Int) throws(CommunicatorError) -> any Communicator
}

/// What went wrong in a distributed operation.
public enum CommunicatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another rank failed; its message.
    case peerFailed(rank: Int, message: String)
    /// Ranks disagree on a buffer size.
    case sizeMismatch(String)
    /// A peer did not arrive before the deadline.
    case timeout(operation: String, seconds: Double)
    /// A rank number out of range, or a bad argument.
    case invalid(String)
    /// The backend reported an error.
    case backend(String)

    public var description: String {
        switch self {
        case let .peerFailed(rank, message): return "rank \(rank) failed: \(message)"
        case let .sizeMismatch(message): return "ranks disagree on sizes: \(message)"
        case let .timeout(operation, seconds): return "\(operation) timed out after \(seconds) s waiting for other ranks"
        case let .invalid(message): return message
        case let .backend(message): return message
        }
    }
}
