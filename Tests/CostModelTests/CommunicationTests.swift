import Numerics
import Testing
import Units
@testable import CostModel
@testable import Hardware

@Suite("Communication")
struct CommunicationTests {
    func group(_ system: String, size: Int, perChip: Int = 1) throws -> RankGroup {
        let system = try hardware().system(system)
        return try RankGroup(size: size, on: RankHardware(system: system, ranksPerChip: perChip, profile: roundProfile(chips: [system.chip.name])))
    }

    @Test("Peers are placed chip, tier-1 group, domain, then scale-out")
    func placement() throws {
        // CloudMatrix384 die by die: 16 dies per node share the L1 switches; all 768 share the UB domain.
        let cm = try group("cloudmatrix384", size: 256, perChip: 2)
        #expect(cm.sameChip == 1)
        #expect(cm.near == 14)
        #expect(cm.far == 240)
        #expect(cm.remote == 0)
        let cluster = try group("h100-cluster:nodes=4", size: 32)
        #expect(cluster.near == 7)
        #expect(cluster.remote == 24)
        #expect(cluster.domains == 4)
        #expect(cluster.maxLatency == TimeSpan(2, "us"))
    }

    @Test("Ring all-reduce by hand: 2(G−1)/G·S/B + 2(G−1)·α; small messages take a log-latency algorithm")
    func allReduce() throws {
        let g = try group("hgx-h100", size: 6)
        let bandwidth = 450e9 * 0.5, alpha = 1e-6
        let bytes = Bytes(1e9)
        let time = Collectives.time(.allReduce, bytes: bytes, group: g, overhead: .zero)
        let ring = 2 * 5.0 / 6 * 1e9 / bandwidth + 2 * 5 * alpha
        #expect(time.algorithm == .ring)
        #expect(time.total.seconds.isApproximatelyEqual(to: ring))
        // A small message pays latency. Six ranks: the double binary tree (2·⌈log₂6⌉ = 6 steps, 2·S/B) beats
        // halving-doubling (2·2 steps, plus a fold of S/B and 2 steps) and the ring's 10 steps.
        let small = Collectives.time(.allReduce, bytes: Bytes(1024), group: g, overhead: .zero)
        #expect(small.algorithm == .tree)
        #expect(small.total.seconds.isApproximatelyEqual(to: 2 * 1024 / bandwidth + 6 * alpha))
        // Eight ranks: no fold, so halving-doubling's 6 steps and 2·7/8·S/B beat the tree's 6 steps and 2·S/B.
        let eight = Collectives.time(.allReduce, bytes: Bytes(1024), group: try group("hgx-h100", size: 8), overhead: .zero)
        #expect(eight.algorithm == .halvingDoubling)
    }

    @Test("Across nodes, large buffers take NCCL's rings, one leaving each domain through each rank's port; mid-sized ones on many nodes go hierarchical")
    func acrossDomains() throws {
        let g = try group("h100-cluster:nodes=2", size: 16)
        #expect(g.domains == 2 && g.ranksPerDomain == 8)
        let up = g.scaleUpBandwidth.bytesPerSecond, out = try #require(g.scaleOutBandwidth).bytesPerSecond
        let s = 1e9
        // 8 rings: a rank forwards 7/8 of the ring traffic over scale-up and 1/8 over its own port, at once.
        let perByte = max(7.0 / 8 / up, 1.0 / 8 / out)
        let reduce = Collectives.time(.allReduce, bytes: Bytes(s), group: g, overhead: .zero)
        #expect(reduce.algorithm == .ring)
        #expect(reduce.transfer.seconds.isApproximatelyEqual(to: 2 * 15.0 / 16 * s * perByte))
        #expect(reduce.latency.seconds.isApproximatelyEqual(to: (g.remoteLatency * 30).seconds))
        // A single ring would push 2·15/16 of the buffer through every rank's scale-out port: 8 times slower here.
        #expect(reduce.total.seconds < 2 * 15.0 / 16 * s / out / 4)
        let gather = Collectives.time(.allGather, bytes: Bytes(s), group: g, overhead: .zero)
        #expect(gather.algorithm == .ring)
        #expect(gather.transfer.seconds.isApproximatelyEqual(to: 15.0 / 16 * s * perByte))
        // 16 nodes and 4 MiB: the ring's 254 steps cost more than they save; inside each domain, then each rank's
        // 1/8 share across domains, in log steps.
        let wide = try group("h100-cluster:nodes=16", size: 128)
        let m = 4.0 * 1024 * 1024
        let hierarchical = Collectives.time(.allReduce, bytes: Bytes(m), group: wide, overhead: .zero)
        #expect(hierarchical.algorithm == .hierarchical)
        let pass = 7.0 / 8 * m / up + 15.0 / 16 * (m / 8) / out
        #expect(hierarchical.transfer.seconds.isApproximatelyEqual(to: 2 * pass))
        #expect(hierarchical.latency.seconds.isApproximatelyEqual(to: ((wide.domainLatency * 7 + wide.remoteLatency * 4) * 2).seconds))
        // Inside one domain nothing changes: the scale-up ring or its log-step alternatives.
        let inside = try group("h100-cluster:nodes=2", size: 8)
        let local = Collectives.time(.allReduce, bytes: Bytes(s), group: inside, overhead: .zero)
        #expect(local.algorithm != .hierarchical)
        #expect(local.transfer.seconds.isApproximatelyEqual(to: 2 * 7.0 / 8 * s / up))
    }

    @Test("An oversubscribed leaf tier slows all-to-all traffic that leaves it: max(1, f·o), f the share beyond the leaf group")
    func oversubscribedLeaf() throws {
        let plain = try hardware().system("h100-cluster:nodes=256")
        var spec = plain.spec
        spec.scaleOut?.tiers[0].oversubscription = 3
        let system = try System(spec: spec, chip: plain.chip)
        func group(_ size: Int, on system: System) throws -> RankGroup {
            try RankGroup(size: size, on: RankHardware(system: system, ranksPerChip: 1, profile: roundProfile(chips: [system.chip.name])))
        }
        // 3:1 leaves of 64 ports: 48 down, so a leaf group (one leaf per rail, 8 rails) reaches 48 nodes, 384 GPUs.
        // EP2048: of a rank's 2,040 remote peers, 384 - 8 = 376 sit under its leaves, 1,664 beyond.
        let wide = try group(2048, on: system)
        let out = try #require(wide.scaleOutBandwidth).bytesPerSecond
        let slowdown = 1664.0 / 2040 * 3
        #expect(try #require(wide.allToAllScaleOutBandwidth).bytesPerSecond.isApproximatelyEqual(to: out / slowdown, relativeTolerance: 1e-12))
        #expect(wide.allToAllScaleUpBandwidth == wide.scaleUpBandwidth, "the NVLink domain has one tier")
        let bytes = Bytes(64e6)
        let contended = Collectives.time(.allToAll, bytes: bytes, group: wide, overhead: .zero)
        let free = Collectives.time(.allToAll, bytes: bytes, group: try group(2048, on: plain), overhead: .zero)
        #expect(contended.transfer.seconds.isApproximatelyEqual(to: free.transfer.seconds * slowdown, relativeTolerance: 1e-9))
        // Rings stay inside leaf groups: all-reduce is unchanged.
        #expect(Collectives.time(.allReduce, bytes: bytes, group: wide, overhead: .zero) == Collectives.time(.allReduce, bytes: bytes, group: try group(2048, on: plain), overhead: .zero))
        // A group inside one leaf group sends nothing beyond it.
        let inside = try group(384, on: system)
        #expect(inside.allToAllScaleOutBandwidth == inside.scaleOutBandwidth)
        // Where a quarter leaves, 3:1 uplinks still carry it (0.25 x 3 < 1): EP512, 128 of 504 remote peers beyond.
        let quarter = try group(512, on: system)
        #expect(quarter.allToAllScaleOutBandwidth == quarter.scaleOutBandwidth)
    }

    @Test("Per-node dispatch with node-limited routing by hand: DeepSeek's 4 of 8 groups over 4 nodes of 2 groups each")
    func nodeLimited() throws {
        let g = try group("h800-cluster:nodes=4", size: 32)
        let exchange = ExpertExchange(tokensPerRank: 1, topK: 8, hidden: 7168, group: g, slotsPerRank: 8, deduplication: .perNode,
                                      expertGroups: 8, groupsPerToken: 4, loadRatio: 1)
        // A token's 4 groups, drawn from 8 without replacement, miss a given node (2 groups) with probability
        // C(6,4)/C(8,4) = 15/70, so it reaches 4 x 55/70 nodes, 3 of 4 of them remote: one RDMA copy each.
        let nodes = 4 * (1 - 15.0 / 70)
        #expect(exchange.copiesPerToken.scaleOut.isApproximatelyEqual(to: nodes * 3 / 4, relativeTolerance: 1e-12))
        // Inside the nodes: one copy per distinct rank of the 8 experts (8 slots per rank, 256 slots), leaving the rank.
        var miss = 1.0
        for i in 0..<8 { miss *= Double(256 - 8 - i) / Double(256 - i) }
        #expect(exchange.copiesPerToken.scaleUp.isApproximatelyEqual(to: 32 * (1 - miss) * 31 / 32, relativeTolerance: 1e-12))
    }

    @Test("More bytes never take less time, for every operation, group size and fabric", arguments: ["hgx-h100", "h100-cluster:nodes=4", "cloudmatrix384", "gb200-nvl72"])
    func monotoneInBytes(system: String) throws {
        for size in [2, 3, 8, 16, 32] {
            let perChip = system == "cloudmatrix384" ? 2 : 1
            guard let g = try? group(system, size: size, perChip: perChip) else { continue }
            for operation in CollectiveOperation.allCases {
                var previous = TimeSpan.zero
                for exponent in stride(from: 0, through: 32, by: 2) {
                    let time = Collectives.time(operation, bytes: Bytes(Double(1 << exponent)), group: g, overhead: .zero).total
                    #expect(time >= previous, "\(operation) over \(size) ranks of \(system) at 2^\(exponent) B")
                    previous = time
                }
            }
            var previous = TimeSpan.zero
            for tokens in [1.0, 4, 16, 64, 256, 1024, 4096] {
                let exchange = ExpertExchange(tokensPerRank: tokens, topK: 8, hidden: 7168, group: g, slotsPerRank: 8, deduplication: .perRank, loadRatio: 1)
                let time = exchange.time(bytesPerCopy: 7168, overhead: .zero).total
                #expect(time >= previous, "dispatch of \(tokens) tokens over \(size) ranks of \(system)")
                previous = time
            }
        }
    }

    @Test("One rank or no bytes costs nothing")
    func trivial() throws {
        #expect(Collectives.time(.allGather, bytes: Bytes(1e6), group: try group("hgx-h100", size: 1), overhead: .zero).total == .zero)
        #expect(Collectives.time(.allToAll, bytes: .zero, group: try group("hgx-h100", size: 8), overhead: .zero).total == .zero)
    }

    @Test("Expected distinct ranks matches enumeration on a small case")
    func distinct() {
        // 4 ranks of 2 experts, 2 experts drawn: enumerate all 28 pairs.
        var total = 0.0, count = 0.0
        for a in 0..<8 {
            for b in (a + 1)..<8 {
                total += a / 2 == b / 2 ? 1 : 2
                count += 1
            }
        }
        #expect(ExpertLoad.expectedDistinct(buckets: 4, perBucket: 2, draws: 2).isApproximatelyEqual(to: total / count))
    }

    @Test("Deduplication never sends more copies: per node <= per rank <= per expert")
    func deduplication() throws {
        let g = try group("h100-cluster:nodes=4", size: 32)
        func copies(_ mode: DispatchDeduplication) -> Double {
            let exchange = ExpertExchange(tokensPerRank: 128, topK: 8, hidden: 7168, group: g, slotsPerRank: 9, deduplication: mode,
                                          expertGroups: 8, groupsPerToken: 4, loadRatio: 1)
            return exchange.copiesPerToken.scaleOut
        }
        #expect(copies(.perNode) <= copies(.perRank))
        #expect(copies(.perRank) <= copies(.perExpert))
        #expect(copies(.perExpert).isApproximatelyEqual(to: 8 * 31.0 / 32 * 24 / 31))
    }

    @Test("Dispatch by hand: per-expert INT8 copies over the scale-up fabric")
    func dispatchByHand() throws {
        let g = try group("cloudmatrix384", size: 8, perChip: 2)
        let exchange = ExpertExchange(tokensPerRank: 128, topK: 8, hidden: 7168, group: g, slotsPerRank: 32, deduplication: .perExpert, loadRatio: 1)
        let payload = ExpertExchange.payloadBytes(hidden: 7168, precision: .int8)
        #expect(payload == 7168 + 224)
        // NVFP4: half a byte per element and a one-byte scale per 16; BF16 carries no scale.
        #expect(ExpertExchange.payloadBytes(hidden: 7168, precision: .fp4) == 3584 + 448)
        #expect(ExpertExchange.payloadBytes(hidden: 7168, precision: .bf16) == 14336)
        let time = exchange.time(bytesPerCopy: payload, overhead: TimeSpan(seconds: 1e-5))
        let bytes = 128 * 8 * 7.0 / 8 * payload
        #expect(time.transfer.seconds.isApproximatelyEqual(to: bytes / (196e9 * 0.5)))
        #expect(time.total.seconds.isApproximatelyEqual(to: bytes / (196e9 * 0.5) + 0.5e-6 + 1e-5))
    }

    @Test("One operation on its own: the collective's time with nccl-tests' bandwidths, dispatch as the expert exchange prices it")
    func communicationRequest() throws {
        let system = try hardware().system("hgx-h100")
        let profile = roundProfile(chips: [system.chip.name])
        let ring = try CommunicationRequest(operation: .allReduce, ranks: 6, bytes: Bytes(1e9)).price(on: system, profile: profile)
        let seconds = 2 * 5.0 / 6 * 1e9 / (450e9 * 0.5) + 2 * 5 * 1e-6
        #expect(ring.time.algorithm == .ring)
        #expect(ring.time.total.seconds.isApproximatelyEqual(to: seconds))
        // Every plain collective is the cost model's collective of the same name; dispatch and combine are none.
        for operation in CommunicationRequest.Operation.allCases {
            #expect((operation.collective == nil) == operation.isExpertExchange)
            #expect(operation.collective.map(\.rawValue) ?? operation.rawValue == operation.rawValue)
        }
        #expect(ring.algorithmBandwidth.bytesPerSecond.isApproximatelyEqual(to: 1e9 / seconds))
        #expect(ring.busBandwidth.bytesPerSecond.isApproximatelyEqual(to: 1e9 / seconds * 2 * 5 / 6))
        #expect(try CommunicationRequest(operation: .allGather, ranks: 6, bytes: Bytes(1e9)).price(on: system, profile: profile).busBandwidth
            .bytesPerSecond.isApproximatelyEqual(to: 1e9 / Collectives.time(.allGather, bytes: Bytes(1e9), group: ring.group, overhead: .zero).total.seconds * 5 / 6))
        // Dispatch: the expert exchange's microbenchmark, and the copies a rank sends over its time.
        let cm = try hardware().system("cloudmatrix384")
        let ascend = roundProfile(chips: [cm.chip.name])
        let dispatch = try CommunicationRequest(operation: .moeDispatch, ranks: 8, ranksPerChip: 2, tokensPerRank: 128, hidden: 7168, topK: 8,
                                                precision: .int8).price(on: cm, profile: ascend)
        let direct = try ExpertExchange.benchmark(.dispatch, ranks: 8, tokensPerRank: 128, hidden: 7168, topK: 8, precision: .int8,
                                                  on: RankHardware(system: cm, ranksPerChip: 2, profile: ascend))
        #expect(dispatch.time == direct)
        #expect(dispatch.bytes.bytes == 128 * 8 * (7168 + 224))
        #expect(dispatch.busBandwidth == dispatch.algorithmBandwidth)
        // Combine returns BF16 whatever the dispatch format.
        let combine = try CommunicationRequest(operation: .moeCombine, ranks: 8, ranksPerChip: 2, tokensPerRank: 128, hidden: 7168, topK: 8,
                                               precision: .int8).price(on: cm, profile: ascend)
        #expect(combine.bytes.bytes == 128 * 8 * 14336)
    }

    @Test("An operation the system cannot hold or without its sizes is refused, naming what is wrong", arguments: [
        (CommunicationRequest(operation: .allReduce, ranks: 9, bytes: Bytes(1e6)), "needs 1 to 8 ranks on hgx-h100"),
        (CommunicationRequest(operation: .allReduce, ranks: 0, bytes: Bytes(1e6)), "got 0"),
        (CommunicationRequest(operation: .allReduce, ranks: 8, ranksPerChip: 2, bytes: Bytes(1e6)), "ranks_per_chip 2 does not divide the 1 dies of h100-sxm; use 1"),
        (CommunicationRequest(operation: .allGather, ranks: 8), "all_gather needs bytes"),
        (CommunicationRequest(operation: .allGather, ranks: 8, bytes: Bytes(-1)), "bytes must be positive"),
        (CommunicationRequest(operation: .moeDispatch, ranks: 8, tokensPerRank: 128, hidden: 7168), "needs tokens_per_rank, hidden and top_k"),
        (CommunicationRequest(operation: .moeDispatch, ranks: 8, tokensPerRank: 128, hidden: 7168, topK: 9), "top_k 9 is more than the 8 experts"),
        (CommunicationRequest(operation: .moeCombine, ranks: 8, tokensPerRank: 0, hidden: 7168, topK: 2), "tokens_per_rank must be a positive count"),
    ])
    func communicationRefusals(request: CommunicationRequest, message: String) throws {
        let system = try hardware().system("hgx-h100")
        do {
            _ = try request.price(on: system, profile: roundProfile(chips: [system.chip.name]))
            Issue.record("accepted: \(request)")
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test("Expert load: perfect is even; EPLB's excess shrinks as batches grow, down to the placement's residual, and grows with more ranks")
    func expertLoad() {
        #expect(ExpertLoad.maxToMean(.perfect, copies: 100, ranks: 10) == 1)
        let small = ExpertLoad.maxToMean(.eplb, copies: 1000, ranks: 100)
        let large = ExpertLoad.maxToMean(.eplb, copies: 100_000, ranks: 100)
        #expect(small > large && large > 1)
        #expect(ExpertLoad.maxToMean(.eplb, copies: 100_000, ranks: 1000) > ExpertLoad.maxToMean(.eplb, copies: 100_000, ranks: 10))
        // However large the batch, the placement's residual stays.
        #expect(abs(ExpertLoad.maxToMean(.eplb, copies: 1e15, ranks: 100) - (1 + ExpertLoad.expectedMaximum(of: 100) * ExpertLoad.residual)) < 1e-6)
        // However small the batch, the busiest rank holds at most every copy.
        #expect(ExpertLoad.maxToMean(.eplb, copies: 0.02, ranks: 2) == 2)
        #expect(ExpertLoad.maxToMean(.eplb, copies: 0.02, ranks: 288) <= 288)
    }

    @Test("The expected largest of n normal draws, against exact values: 0.5642 for 2, 0.8463 for 3, 1.5388 for 10, 2.5076 for 100")
    func expectedMaximum() {
        // Exact expected maxima (Harter's tables); Blom's approximation is within 0.03 of each.
        for (n, exact) in [(2, 0.5642), (3, 0.8463), (10, 1.5388), (100, 2.5076)] {
            #expect(abs(ExpertLoad.expectedMaximum(of: n) - exact) < 0.03, "n = \(n): \(ExpertLoad.expectedMaximum(of: n))")
        }
        #expect(ExpertLoad.expectedMaximum(of: 1) == 0)
    }

    @Test("EPLB's residual from TensorRT-LLM's first row is its second row's within 0.003, and gives back both rows' max-to-mean ratios")
    func eplbMeasurement() {
        let rows = ExpertLoad.measured
        #expect(rows.count == 2)
        #expect(abs(ExpertLoad.residual - ExpertLoad.residual(of: rows[1])) < 0.003)
        // Each row's average max-to-mean ratio, from the model at its ranks and batch.
        for row in rows {
            let ratio = ExpertLoad.maxToMean(.eplb, copies: row.meanCopies * Double(row.ranks), ranks: row.ranks)
            #expect(abs((ratio - 1) - row.imbalance) < 0.01, "EP\(row.ranks): \(ratio - 1) against \(row.imbalance)")
        }
    }
}

@Suite("Micro-batch schedule")
struct ScheduleTests {
    typealias Task = MicrobatchSchedule.Task
    func t(_ name: String, _ resource: MicrobatchSchedule.Resource, _ ms: Double) -> Task { Task(name, resource, TimeSpan(seconds: ms / 1000)) }

    @Test("One chain runs its tasks back to back")
    func serial() {
        let outcome = MicrobatchSchedule.run([[t("a", .compute, 2), t("d", .network, 1), t("e", .compute, 3), t("c", .network, 1)]])
        #expect(outcome.makespan.milliseconds.isApproximatelyEqual(to: 7))
        #expect(outcome.exposed.milliseconds.isApproximatelyEqual(to: 2))
    }

    @Test("Two chains hide one's communication behind the other's compute")
    func pingPong() {
        let chain = [t("a", .compute, 2), t("d", .network, 1), t("e", .compute, 2), t("c", .network, 1)]
        let outcome = MicrobatchSchedule.run([chain, chain])
        // Compute: a0 [0,2], a1 [2,4], e0 [4,6], e1 [6,8]; network: d0 [2,3], d1 [4,5], c0 [6,7], c1 [8,9].
        #expect(outcome.makespan.milliseconds.isApproximatelyEqual(to: 9))
        #expect(outcome.computeBusy.milliseconds.isApproximatelyEqual(to: 8))
        #expect(outcome.exposed.milliseconds.isApproximatelyEqual(to: 1))
        // Makespan is compute plus exposed communication.
        #expect((outcome.computeBusy + outcome.exposed).milliseconds.isApproximatelyEqual(to: outcome.makespan.milliseconds))
    }

    @Test("Two streams: one chain's attention runs alongside the other's MoE path, communication included")
    func streams() {
        let chain = [t("a", .compute, 2), Task("d", .secondStream, TimeSpan(seconds: 0.5e-3), communication: true),
                     t("e", .secondStream, 1.5), t("a2", .compute, 2)]
        let outcome = MicrobatchSchedule.run([chain, chain])
        // Stream 0: a0 [0,2], a1 [2,4], a2_0 [4,6], a2_1 [6,8]; stream 1: d0 [2,2.5], e0 [2.5,4], d1 [4,4.5], e1 [4.5,6].
        #expect(outcome.makespan.milliseconds.isApproximatelyEqual(to: 8))
        #expect(outcome.computeBusy.milliseconds.isApproximatelyEqual(to: 11))
        #expect(outcome.computeUnion.milliseconds.isApproximatelyEqual(to: 8))
        #expect(outcome.networkBusy.milliseconds.isApproximatelyEqual(to: 1))
        #expect(outcome.exposed.milliseconds.isApproximatelyEqual(to: 0))
    }

    @Test("The schedule matches a plain reference: tasks sorted by (stage, micro-batch, position), each started when its chain and its resource are free", arguments: [1, 2, 3])
    func matchesReference(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<50 {
            let resources = MicrobatchSchedule.Resource.allCases
            let chainCount = Int.random(in: 1...3, using: &generator)
            let length = Int.random(in: 1...40, using: &generator)
            let shape = (0..<length).map { _ in resources.randomElement(using: &generator)! }
            let chains = (0..<chainCount).map { _ in
                shape.enumerated().map { index, resource in
                    Task("t\(index)", resource, TimeSpan(seconds: Double(Int.random(in: 0...5, using: &generator)) * 1e-3),
                         communication: resource == .network || Bool.random(using: &generator))
                }
            }
            // The reference: the order sorted outright, times as defined, the compute union by sorting all intervals.
            var order: [(Int, Int, Int)] = []
            for (chain, tasks) in chains.enumerated() {
                var stage = 0
                for position in tasks.indices {
                    if position > 0, tasks[position].resource != tasks[position - 1].resource { stage += 1 }
                    order.append((stage, chain, position))
                }
            }
            order.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
            var ready = Array(repeating: 0.0, count: chains.count), free = [0.0, 0.0, 0.0]
            var compute: [(Double, Double)] = []
            for (_, chain, position) in order {
                let task = chains[chain][position]
                let start = max(ready[chain], free[task.resource.rawValue]), end = start + task.duration.seconds
                free[task.resource.rawValue] = end
                ready[chain] = end
                if task.duration.seconds > 0, !task.isCommunication { compute.append((start, end)) }
            }
            var union = 0.0, open: (Double, Double)?
            for interval in compute.sorted(by: { $0.0 < $1.0 }) {
                if let current = open, interval.0 <= current.1 { open = (current.0, max(current.1, interval.1)) } else {
                    if let current = open { union += current.1 - current.0 }
                    open = interval
                }
            }
            if let current = open { union += current.1 - current.0 }
            let outcome = MicrobatchSchedule.run(chains)
            #expect(outcome.makespan.seconds.isApproximatelyEqual(to: ready.max() ?? 0, absoluteTolerance: 1e-12))
            #expect(outcome.computeUnion.seconds.isApproximatelyEqual(to: union, absoluteTolerance: 1e-12))
        }
    }

    @Test("A recorded run lists every task once, as scheduled: the ping-pong by hand, no resource running two at once")
    func recorded() {
        let chain = [t("a", .compute, 2), t("d", .network, 1), t("e", .compute, 2), t("c", .network, 1)]
        let outcome = MicrobatchSchedule.run([chain, chain], recording: true)
        #expect(MicrobatchSchedule.run([chain, chain]).intervals.isEmpty)
        #expect(outcome.intervals.count == 8)
        func span(_ name: String, _ microbatch: Int) -> (Double, Double)? {
            outcome.intervals.first { $0.name == name && $0.microbatch == microbatch }.map { ($0.start.milliseconds, $0.end.milliseconds) }
        }
        // Compute: a0 [0,2], a1 [2,4], e0 [4,6], e1 [6,8]; network: d0 [2,3], d1 [4,5], c0 [6,7], c1 [8,9].
        let expected: [(String, Int, Double, Double)] = [("a", 0, 0, 2), ("a", 1, 2, 4), ("e", 0, 4, 6), ("e", 1, 6, 8),
                                                         ("d", 0, 2, 3), ("d", 1, 4, 5), ("c", 0, 6, 7), ("c", 1, 8, 9)]
        for (name, microbatch, start, end) in expected {
            let recorded = span(name, microbatch)
            #expect(recorded.map { $0.0.isApproximatelyEqual(to: start) && $0.1.isApproximatelyEqual(to: end) } == true, "\(name)\(microbatch): \(String(describing: recorded))")
        }
        for resource in MicrobatchSchedule.Resource.allCases {
            let on = outcome.intervals.filter { $0.resource == resource }.sorted { $0.start < $1.start }
            #expect(zip(on, on.dropFirst()).allSatisfy { $0.end <= $1.start + TimeSpan(seconds: 1e-12) })
        }
        #expect(outcome.intervals.map(\.end).max() == outcome.makespan)
    }
}
