import Foundation
import Testing
@testable import Runtime

/// Deterministic data for rank r: element i is r·1000 + i (exact in Float for these sizes).
func data(rank: Int, count: Int) -> [Float] { (0..<count).map { Float(rank * 1000 + $0) } }

@Suite("In-process communicator")
struct InProcessCommunicatorTests {
    static let sizes = [1, 2, 3, 4, 5]
    static let counts = [1, 7, 1000, 4099]

    @Test("All-reduce equals the naive sum for every algorithm, odd rank counts and odd lengths",
          arguments: AllReduceAlgorithm.allCases, sizes)
    func allReduce(algorithm: AllReduceAlgorithm, ranks: Int) throws {
        for count in Self.counts {
            let results = try InProcessCluster.run(ranks: ranks, timeout: 10) { comm in
                comm.algorithm = algorithm
                var buffer = data(rank: comm.rank, count: count)
                try comm.allReduce(&buffer)
                return buffer
            }
            let expected = (0..<count).map { i in (0..<ranks).reduce(Float(0)) { $0 + Float($1 * 1000 + i) } }
            for result in results { #expect(result == expected, "\(algorithm) on \(ranks) ranks, \(count) elements") }
        }
    }

    @Test("Reduce-scatter, all-gather, all-to-all and broadcast against the naive reference", arguments: sizes)
    func collectives(ranks: Int) throws {
        let block = 3
        let results = try InProcessCluster.run(ranks: ranks, timeout: 10) { comm -> [[Float]] in
            let mine = data(rank: comm.rank, count: block * comm.size)
            var broadcast = data(rank: comm.rank, count: 4)
            try comm.broadcast(&broadcast, root: comm.size - 1)
            return [try comm.reduceScatter(mine), try comm.allGather(Array(mine.prefix(block))), try comm.allToAll(mine), broadcast]
        }
        for (rank, result) in results.enumerated() {
            let reduced: [Float] = (0..<block).map { i -> Float in (0..<ranks).reduce(Float(0)) { $0 + Float($1 * 1000 + rank * block + i) } }
            #expect(result[0] == reduced)
            #expect(result[1] == (0..<ranks).flatMap { data(rank: $0, count: block) })
            let exchanged: [Float] = (0..<ranks).flatMap { peer -> [Float] in (0..<block).map { Float(peer * 1000 + rank * block + $0) } }
            #expect(result[2] == exchanged)
            #expect(result[3] == data(rank: ranks - 1, count: 4))
        }
    }

    @Test("All-to-all-v delivers blocks of any size, empty ones included", arguments: sizes)
    func allToAllV(ranks: Int) throws {
        let results = try InProcessCluster.run(ranks: ranks, timeout: 10) { comm in
            // Rank r sends (r + p) % 3 elements to rank p.
            let blocks = (0..<comm.size).map { peer in (0..<((comm.rank + peer) % 3)).map { Float(comm.rank * 100 + peer * 10 + $0) } }
            return try comm.allToAllV(blocks)
        }
        for (rank, received) in results.enumerated() {
            #expect(received.count == ranks)
            for peer in 0..<ranks {
                #expect(received[peer] == (0..<((peer + rank) % 3)).map { Float(peer * 100 + rank * 10 + $0) })
            }
        }
    }

    @Test("Send and receive pair up by peer and tag, in order")
    func pointToPoint() throws {
        let results = try InProcessCluster.run(ranks: 3, timeout: 10) { comm -> [Float] in
            let next = (comm.rank + 1) % comm.size, previous = (comm.rank + comm.size - 1) % comm.size
            try comm.send([Float(comm.rank)], to: next, tag: 1)
            try comm.send([Float(comm.rank + 10)], to: next, tag: 2)
            let second = try comm.receive(from: previous, tag: 2)
            let first = try comm.receive(from: previous, tag: 1)
            return first + second
        }
        #expect(results[0] == [2, 12])
        #expect(results[1] == [0, 10])
    }

    @Test("Split by colour makes independent groups ordered by key")
    func split() throws {
        let results = try InProcessCluster.run(ranks: 5, timeout: 10) { comm -> [Float] in
            let sub = try comm.split(color: comm.rank % 2, key: -comm.rank)
            var value: [Float] = [Float(comm.rank)]
            try sub.allReduce(&value)
            return [Float(sub.rank), Float(sub.size), value[0]]
        }
        #expect(results[0] == [2, 3, 6])   // even ranks 0, 2, 4 ordered 4, 2, 0
        #expect(results[4] == [0, 3, 6])
        #expect(results[1] == [1, 2, 4])   // odd ranks 1, 3 ordered 3, 1
    }

    @Test("A rank that throws releases the others with an error, not a hang")
    func failure() {
        struct Boom: Error {}
        let start = Date()
        do {
            _ = try InProcessCluster.run(ranks: 4, timeout: 30) { comm -> Int in
                if comm.rank == 2 { throw Boom() }
                var buffer: [Float] = [1, 2, 3]
                try comm.allReduce(&buffer)
                try comm.barrier()
                return 0
            }
            Issue.record("the failure was swallowed")
        } catch {
            #expect(error is Boom, "the failing rank's own error comes back: \(error)")
        }
        #expect(Date().timeIntervalSince(start) < 10, "the others were released well before the timeout")
    }

    @Test("A rank that never arrives makes the others time out within the bound")
    func timeout() {
        let start = Date()
        do {
            _ = try InProcessCluster.run(ranks: 3, timeout: 0.5) { comm -> Int in
                if comm.rank != 0 { try comm.barrier() }
                return comm.rank
            }
            Issue.record("a missing rank was not noticed")
        } catch let error as CommunicatorError {
            guard case .timeout = error else { Issue.record("expected a timeout, got \(error)"); return }
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test("Ranks that disagree on a size get a size mismatch")
    func mismatch() {
        do {
            _ = try InProcessCluster.run(ranks: 2, timeout: 5) { comm -> Int in
                var buffer = [Float](repeating: 1, count: comm.rank == 0 ? 4 : 5)
                try comm.allReduce(&buffer)
                return 0
            }
            Issue.record("mismatched sizes were accepted")
        } catch let error as CommunicatorError {
            guard case .sizeMismatch = error else { Issue.record("expected a size mismatch, got \(error)"); return }
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
