/// Checks every operation of a communicator against a naive reference computed from the same deterministic
/// data. Used by the tests on the in-process backend and by `supernode selftest` under mpirun.
public enum CommunicatorConformance {
    /// Rank r's element i: r·1000 + i (exact in Float32 for these sizes).
    static func data(rank: Int, count: Int) -> [Float] { (0..<count).map { Float(rank * 1000 + $0) } }

    /// Runs every check on `comm` (all ranks call it); returns what failed, empty when everything agreed.
    public static func run(_ comm: any Communicator) throws(CommunicatorError) -> [String] {
        var failures: [String] = []
        let ranks = comm.size, me = comm.rank
        func expect(_ condition: Bool, _ what: @autoclosure () -> String) {
            if !condition { failures.append("rank \(me): \(what())") }
        }
        for count in [1, 7, 1000, 4099] {
            var buffer = data(rank: me, count: count)
            try comm.allReduce(&buffer)
            let expected: [Float] = (0..<count).map { i in (0..<ranks).reduce(Float(0)) { $0 + Float($1 * 1000 + i) } }
            expect(buffer == expected, "all-reduce of \(count) elements")
        }
        let block = 3
        let mine = data(rank: me, count: block * ranks)
        let reduced = try comm.reduceScatter(mine)
        let reducedExpected: [Float] = (0..<block).map { i in (0..<ranks).reduce(Float(0)) { $0 + Float($1 * 1000 + me * block + i) } }
        expect(reduced == reducedExpected, "reduce-scatter")
        let gathered = try comm.allGather(Array(mine.prefix(block)))
        expect(gathered == (0..<ranks).flatMap { data(rank: $0, count: block) }, "all-gather")
        let exchanged = try comm.allToAll(mine)
        let exchangedExpected: [Float] = (0..<ranks).flatMap { peer -> [Float] in (0..<block).map { Float(peer * 1000 + me * block + $0) } }
        expect(exchanged == exchangedExpected, "all-to-all")
        let blocks = (0..<ranks).map { peer in (0..<((me + peer) % 3)).map { Float(me * 100 + peer * 10 + $0) } }
        let received = try comm.allToAllV(blocks)
        for peer in 0..<ranks {
            expect(received[peer] == (0..<((peer + me) % 3)).map { Float(peer * 100 + me * 10 + $0) }, "all-to-all-v from rank \(peer)")
        }
        var broadcast = data(rank: me, count: 5)
        try comm.broadcast(&broadcast, root: ranks - 1)
        expect(broadcast == data(rank: ranks - 1, count: 5), "broadcast")
        if ranks > 1 {
            let next = (me + 1) % ranks, previous = (me + ranks - 1) % ranks
            // Even ranks send first and odd ranks receive first, so blocking backends cannot deadlock.
            if me % 2 == 0 {
                try comm.send([Float(me), 1], to: next, tag: 7)
                let got = try comm.receive(from: previous, tag: 7)
                expect(got == [Float(previous), 1], "receive from rank \(previous)")
            } else {
                let got = try comm.receive(from: previous, tag: 7)
                try comm.send([Float(me), 1], to: next, tag: 7)
                expect(got == [Float(previous), 1], "receive from rank \(previous)")
            }
        }
        let sub = try comm.split(color: me % 2, key: -me)
        var value: [Float] = [Float(me)]
        try sub.allReduce(&value)
        let members = (0..<ranks).filter { $0 % 2 == me % 2 }
        expect(value == [Float(members.reduce(0, +))], "all-reduce in a split communicator")
        expect(sub.rank == members.sorted(by: >).firstIndex(of: me), "split order by key")
        try comm.barrier()
        return failures
    }
}
