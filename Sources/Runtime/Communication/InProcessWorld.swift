import Foundation

/// The shared state of ranks running as threads in one process: a barrier, slots where ranks publish
/// what the others read, mailboxes for point-to-point messages, and the first failure.
final class InProcessWorld: @unchecked Sendable {
    let size: Int
    let timeout: TimeInterval
    private let condition = NSCondition()
    private var arrived = 0
    private var generation = 0
    private var failure: CommunicatorError?
    private var slots: [(any Sendable)?]
    private var mailboxes: [MailKey: [[Float]]] = [:]

    struct MailKey: Hashable { let from: Int, to: Int, tag: Int }

    init(size: Int, timeout: TimeInterval) {
        self.size = size
        self.timeout = timeout
        slots = Array(repeating: nil, count: size)
    }

    /// Marks the world failed; every rank waiting in it, or arriving later, throws this error.
    func fail(_ error: CommunicatorError) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until every rank has arrived.
    func barrier(_ operation: String) throws(CommunicatorError) {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        let mine = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
            return
        }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while generation == mine {
            if let failure { throw failure }
            if !condition.wait(until: deadline) {
                if generation != mine { break }
                let error = CommunicatorError.timeout(operation: operation, seconds: timeout)
                if failure == nil { failure = error }
                condition.broadcast()
                throw error
            }
        }
        if let failure { throw failure }
    }

    /// Every rank publishes a value; every rank gets all of them in rank order.
    func exchange<T: Sendable>(_ value: T, rank: Int, operation: String) throws(CommunicatorError) -> [T] {
        let values = try publishAndRead(value, rank: rank, operation: operation)
        try barrier(operation)
        return values
    }

    /// Publishes a value and reads everyone's, with one barrier between: the values stay readable until the
    /// caller's next barrier.
    func publishAndRead<T: Sendable>(_ value: T, rank: Int, operation: String) throws(CommunicatorError) -> [T] {
        condition.lock()
        slots[rank] = value
        condition.unlock()
        try barrier(operation)
        condition.lock()
        let values = slots.map { $0 as! T }
        condition.unlock()
        return values
    }

    func post(_ data: [Float], key: MailKey) throws(CommunicatorError) {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        mailboxes[key, default: []].append(data)
        condition.broadcast()
    }

    func take(_ key: MailKey) throws(CommunicatorError) -> [Float] {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            if let failure { throw failure }
            if var queue = mailboxes[key], !queue.isEmpty {
                let first = queue.removeFirst()
                mailboxes[key] = queue
                return first
            }
            if !condition.wait(until: deadline) {
                let error = CommunicatorError.timeout(operation: "receive from rank \(key.from)", seconds: timeout)
                if failure == nil { failure = error }
                condition.broadcast()
                throw error
            }
        }
    }
}

/// A raw pointer that may cross threads: the ranks of one process read each other's buffers between
/// barriers, and only then.
struct SharedPointer: @unchecked Sendable {
    let address: UnsafeMutablePointer<Float>
    let count: Int
}
