import Foundation

/// How the in-process backend runs all-reduce.
public enum AllReduceAlgorithm: String, Sendable, CaseIterable {
    /// Choose by size: direct for up to 4 ranks or under 256 KiB, halving-doubling for power-of-two groups,
    /// ring otherwise.
    case automatic = "auto"
    /// Every rank reduces its own 1/G block straight from all the others' buffers, then copies the other
    /// blocks from their owners: two rounds, whatever G.
    case direct
    /// G − 1 reduce steps and G − 1 gather steps, each rank exchanging one block with its neighbours.
    case ring
    /// Recursive halving then doubling with partner rank XOR 2^i: 2·log₂G rounds (power-of-two groups).
    case halvingDoubling = "halving-doubling"

    func resolved(ranks: Int, bytes: Int) -> AllReduceAlgorithm {
        guard self == .automatic else {
            return self == .halvingDoubling && ranks & (ranks - 1) != 0 ? .ring : self
        }
        if ranks <= 4 || bytes < 256 * 1024 { return .direct }
        return ranks & (ranks - 1) == 0 ? .halvingDoubling : .ring
    }
}

/// N ranks as dedicated threads in one process over shared memory.
public final class InProcessCommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    public var backend: String { "inproc" }
    let world: InProcessWorld
    /// The all-reduce algorithm; `automatic` chooses by size.
    public var algorithm: AllReduceAlgorithm = .automatic
    /// The algorithm the last all-reduce ran with.
    public private(set) var lastAlgorithm: AllReduceAlgorithm = .direct

    init(rank: Int, world: InProcessWorld) {
        self.rank = rank
        self.size = world.size
        self.world = world
    }

    public func barrier() throws(CommunicatorError) { try world.barrier("barrier") }

    /// Checks that every rank passes the same count.
    func agree(_ count: Int, _ operation: String) throws(CommunicatorError) {
        let counts = try world.exchange(count, rank: rank, operation: operation)
        guard counts.allSatisfy({ $0 == count }) else {
            throw .sizeMismatch("\(operation): ranks pass \(counts.map(String.init).joined(separator: ", ")) elements")
        }
    }

    public func allReduce(_ buffer: inout [Float]) throws(CommunicatorError) {
        guard size > 1 else { return }
        let algorithm = self.algorithm.resolved(ranks: size, bytes: buffer.count * 4)
        lastAlgorithm = algorithm
        var failure: CommunicatorError?
        buffer.withUnsafeMutableBufferPointer { pointer in
            do {
                let mine = SharedPointer(address: pointer.baseAddress!, count: pointer.count)
                let all = try world.exchangeWithoutRelease(mine, rank: rank, operation: "all-reduce")
                // The published counts double as the size check.
                guard all.allSatisfy({ $0.count == mine.count }) else {
                    let counts = all.map { String($0.count) }.joined(separator: ", ")
                    try world.barrier("all-reduce")
                    throw CommunicatorError.sizeMismatch("all-reduce: ranks pass \(counts) elements")
                }
                switch algorithm {
                case .direct, .automatic: try directAllReduce(all)
                case .ring: try ringAllReduce(all)
                case .halvingDoubling: try halvingDoublingAllReduce(all)
                }
                // Nobody may return (and free or reuse its buffer) while another still reads it.
                try world.barrier("all-reduce")
            } catch {
                failure = error as? CommunicatorError ?? .invalid("\(error)")
            }
        }
        if let failure { throw failure }
    }


    private func directAllReduce(_ all: [SharedPointer]) throws(CommunicatorError) {
        let count = all[rank].count
        let mine = Partition.block(rank, of: size, count: count)
        let target = all[rank].address
        for peer in 0..<size where peer != rank {
            let source = all[peer].address
            for index in mine { target[index] += source[index] }
        }
        try world.barrier("all-reduce")
        for peer in 0..<size where peer != rank {
            let range = Partition.block(peer, of: size, count: count)
            (target + range.lowerBound).update(from: all[peer].address + range.lowerBound, count: range.count)
        }
    }

    private func ringAllReduce(_ all: [SharedPointer]) throws(CommunicatorError) {
        let count = all[rank].count
        let left = (rank - 1 + size) % size
        let target = all[rank].address, source = all[left].address
        // Reduce-scatter: at step s this rank adds its left neighbour's partial sum of block (rank − s − 1).
        for step in 0..<(size - 1) {
            let range = Partition.block((rank - step - 1 + 2 * size) % size, of: size, count: count)
            for index in range { target[index] += source[index] }
            try world.barrier("all-reduce")
        }
        // Now block (rank + 1) % size is complete here; pass completed blocks around the ring.
        for step in 0..<(size - 1) {
            let range = Partition.block((rank - step + size) % size, of: size, count: count)
            (target + range.lowerBound).update(from: source + range.lowerBound, count: range.count)
            try world.barrier("all-reduce")
        }
    }

    private func halvingDoublingAllReduce(_ all: [SharedPointer]) throws(CommunicatorError) {
        let count = all[rank].count
        var low = 0, high = count
        var distance = size / 2
        var ranges: [(low: Int, high: Int, keptLower: Bool)] = []
        // Recursive halving: keep the half this rank owns, adding the partner's copy of it.
        while distance >= 1 {
            let partner = rank ^ distance
            let middle = (low + high) / 2
            let keepLower = rank & distance == 0
            let (start, end) = keepLower ? (low, middle) : (middle, high)
            try world.barrier("all-reduce")
            let target = all[rank].address, source = all[partner].address
            // Read the partner's half into a scratch copy first: the partner updates its own other half now.
            let scratch = Array(UnsafeBufferPointer(start: source + start, count: end - start))
            for index in start..<end { target[index] += scratch[index - start] }
            ranges.append((low, high, keepLower))
            low = start
            high = end
            distance /= 2
        }
        // Recursive doubling: copy the partner's completed half back, widening each round.
        distance = 1
        for (outerLow, outerHigh, keptLower) in ranges.reversed() {
            try world.barrier("all-reduce")
            let partner = rank ^ distance
            let middle = (outerLow + outerHigh) / 2
            let (start, end) = keptLower ? (middle, outerHigh) : (outerLow, middle)
            (all[rank].address + start).update(from: all[partner].address + start, count: end - start)
            low = outerLow
            high = outerHigh
            distance *= 2
        }
    }

    public func reduceScatter(_ buffer: [Float]) throws(CommunicatorError) -> [Float] {
        guard buffer.count % size == 0 else {
            throw .invalid("reduce-scatter: \(buffer.count) elements do not split into \(size) equal blocks")
        }
        try agree(buffer.count, "reduce-scatter")
        let all = try world.exchange(buffer, rank: rank, operation: "reduce-scatter")
        let block = buffer.count / size
        var out = [Float](repeating: 0, count: block)
        for peer in 0..<size {
            let base = rank * block
            all[peer].withUnsafeBufferPointer { pointer in
                for index in 0..<block { out[index] += pointer[base + index] }
            }
        }
        return out
    }

    public func allGather(_ block: [Float]) throws(CommunicatorError) -> [Float] {
        try agree(block.count, "all-gather")
        return try world.exchange(block, rank: rank, operation: "all-gather").flatMap { $0 }
    }

    public func allToAll(_ buffer: [Float]) throws(CommunicatorError) -> [Float] {
        guard buffer.count % size == 0 else {
            throw .invalid("all-to-all: \(buffer.count) elements do not split into \(size) equal blocks")
        }
        try agree(buffer.count, "all-to-all")
        let all = try world.exchange(buffer, rank: rank, operation: "all-to-all")
        let block = buffer.count / size
        return (0..<size).flatMap { peer in all[peer][(rank * block)..<((rank + 1) * block)] }
    }

    public func allToAllV(_ blocks: [[Float]]) throws(CommunicatorError) -> [[Float]] {
        guard blocks.count == size else { throw .invalid("all-to-all-v: \(blocks.count) blocks for \(size) ranks") }
        let all = try world.exchange(blocks, rank: rank, operation: "all-to-all-v")
        return (0..<size).map { all[$0][rank] }
    }

    public func broadcast(_ buffer: inout [Float], root: Int) throws(CommunicatorError) {
        guard (0..<size).contains(root) else { throw .invalid("broadcast root \(root) is not a rank of \(size)") }
        try agree(buffer.count, "broadcast")
        buffer = try world.exchange(buffer, rank: rank, operation: "broadcast")[root]
    }

    public func send(_ data: [Float], to peer: Int, tag: Int) throws(CommunicatorError) {
        guard (0..<size).contains(peer), peer != rank else { throw .invalid("send to rank \(peer) of \(size)") }
        try world.post(data, key: .init(from: rank, to: peer, tag: tag))
    }

    public func receive(from peer: Int, tag: Int) throws(CommunicatorError) -> [Float] {
        guard (0..<size).contains(peer), peer != rank else { throw .invalid("receive from rank \(peer) of \(size)") }
        return try world.take(.init(from: peer, to: rank, tag: tag))
    }

    public func split(color: Int, key: Int) throws(CommunicatorError) -> any Communicator {
        let entries = try world.exchange([color, key], rank: rank, operation: "split")
        let members = (0..<size).filter { entries[$0][0] == color }.sorted { (entries[$0][1], $0) < (entries[$1][1], $1) }
        // The first member of each colour creates the new world; the others pick it up.
        let leader = members[0]
        let created: InProcessWorld? = rank == leader ? InProcessWorld(size: members.count, timeout: world.timeout) : nil
        let worlds = try world.exchange(WorldBox(world: created), rank: rank, operation: "split")
        guard let shared = worlds[leader].world else { throw .invalid("split: no world for colour \(color)") }
        return InProcessCommunicator(rank: members.firstIndex(of: rank)!, world: shared)
    }
}

struct WorldBox: @unchecked Sendable { let world: InProcessWorld? }

extension InProcessWorld {
    /// Like `exchange`, without the closing barrier: the caller keeps the values valid until its own barrier.
    func exchangeWithoutRelease<T: Sendable>(_ value: T, rank: Int, operation: String) throws(CommunicatorError) -> [T] {
        try publishAndRead(value, rank: rank, operation: operation)
    }
}
