import Foundation

/// Runs a body on N ranks, each on its own thread (never on Swift's task pool, whose threads a rank that
/// blocks would starve), and collects their results.
public enum InProcessCluster {
    /// Runs `body` on `ranks` ranks and returns each rank's result in rank order.
    ///
    /// If any rank throws, the others are released from whatever they wait on with
    /// ``CommunicatorError/peerFailed(rank:message:)`` and the first error is rethrown.
    /// - Parameters:
    ///   - timeout: how long a rank waits for the others in one operation before giving up.
    ///   - blasThreads: BLAS threads per rank (1 keeps N ranks on N cores).
    public static func run<T: Sendable>(ranks: Int, timeout: TimeInterval = 60, blasThreads: Int = 1,
                                        _ body: @escaping @Sendable (InProcessCommunicator) throws -> T) throws -> [T] {
        precondition(ranks >= 1, "at least one rank")
        let world = InProcessWorld(size: ranks, timeout: timeout)
        let results = ResultBox<T>(count: ranks)
        let done = DispatchGroup()
        BLAS.setThreads(blasThreads)
        for rank in 0..<ranks {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                let communicator = InProcessCommunicator(rank: rank, world: world)
                do {
                    results.set(rank, .success(try body(communicator)))
                } catch {
                    let message = (error as? CommunicatorError)?.description ?? "\(error)"
                    world.fail(.peerFailed(rank: rank, message: message))
                    results.set(rank, .failure(error))
                }
            }
            thread.stackSize = 16 << 20
            thread.name = "supernode rank \(rank)"
            thread.start()
        }
        done.wait()
        return try results.collect()
    }
}

/// Results written by rank threads, read after they all finish.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Result<T, any Error>?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ rank: Int, _ value: Result<T, any Error>) {
        lock.lock()
        values[rank] = value
        lock.unlock()
    }

    /// The results, or the error of the rank that failed first on its own (not because a peer failed).
    func collect() throws -> [T] {
        lock.lock()
        defer { lock.unlock() }
        let failures = values.compactMap { value -> (any Error)? in
            if case let .failure(error) = value { return error }
            return nil
        }
        if let original = failures.first(where: { !(($0 as? CommunicatorError).map(Self.isEcho) ?? false) }) ?? failures.first {
            throw original
        }
        return values.map { try! $0!.get() }
    }

    static func isEcho(_ error: CommunicatorError) -> Bool {
        if case .peerFailed = error { return true }
        return false
    }
}
