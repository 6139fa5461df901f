import Units

/// The runtime model on one rank of a layout: prefill and decode steps with a KV cache.
///
/// Every rank holds the whole model (the same seed gives the same weights) and computes with its share:
/// its heads, its FFN columns, its experts, its sequences. The output of a step is the final hidden state of
/// every token this rank holds (all tokens for `single`, `tp` and `ep`; its own sequences for `dp-ep`).
public final class DistributedModel: @unchecked Sendable {
    public let model: RuntimeModel
    public let layout: ParallelLayout
    public let comm: any Communicator
    public let sequences: Int
    /// The sequences this rank holds.
    public let localSequences: Range<Int>
    let headRange: Range<Int>
    let kvRange: Range<Int>
    let expertRange: Range<Int>
    /// The rank holding each expert under expert parallelism.
    let expertOwner: [Int]
    let ffnSlice: Range<Int>?
    var cache: KVCache
    /// Routed token copies this rank's experts ran, one entry per expert-parallel MoE layer run (none for
    /// layouts without expert parallelism).
    public private(set) var expertCopies: [Int] = []
    let clock: PhaseClock
    /// This rank's slices of the weights, cut once: its heads' columns of wq, wk, wv and rows of wo, and for
    /// tensor parallelism its columns of every expert's gate and up and rows of its down; gate and up fused.
    let shards: [LayerWeights]

    /// - Throws: ``CommunicatorError/invalid(_:)`` when the layout does not divide the model over the ranks.
    public init(model: RuntimeModel, layout: ParallelLayout, comm: any Communicator, sequences: Int, measuresWait: Bool = true) throws(CommunicatorError) {
        let shape = model.shape, ranks = comm.size, rank = comm.rank
        try Self.check(shape: shape, layout: layout, ranks: ranks, sequences: sequences)
        self.model = model
        self.layout = layout
        self.comm = comm
        self.sequences = sequences
        let splitsHeads = layout == .tensor || layout == .expert
        headRange = splitsHeads ? Partition.block(rank, of: ranks, count: shape.heads) : 0..<shape.heads
        kvRange = splitsHeads ? Partition.block(rank, of: ranks, count: shape.kvHeads) : 0..<shape.kvHeads
        expertRange = layout == .expert || layout == .dataExpert ? Partition.block(rank, of: ranks, count: shape.experts) : 0..<shape.experts
        expertOwner = (0..<ranks).flatMap { owner in Partition.block(owner, of: ranks, count: shape.experts).map { _ in owner } }
        ffnSlice = layout == .tensor ? Partition.block(rank, of: ranks, count: shape.expertFFN) : nil
        localSequences = layout == .dataExpert ? Partition.block(rank, of: ranks, count: sequences) : 0..<sequences
        cache = KVCache(layers: shape.layers, sequences: localSequences.count, width: kvRange.count * shape.headDim)
        clock = PhaseClock(measuresWait: measuresWait)
        let hd = shape.headDim
        let qColumns = (headRange.lowerBound * hd)..<(headRange.upperBound * hd)
        let kvColumns = (kvRange.lowerBound * hd)..<(kvRange.upperBound * hd)
        let slice = ffnSlice
        shards = model.layers.map { layer in
            var shard = layer
            shard.wq = layer.wq.columns(qColumns)
            shard.wk = layer.wk.columns(kvColumns)
            shard.wv = layer.wv.columns(kvColumns)
            shard.wo = layer.wo.rows(qColumns)
            if let slice {
                shard.gate = layer.gate.map { $0.columns(slice) }
                shard.up = layer.up.map { $0.columns(slice) }
                shard.down = layer.down.map { $0.rows(slice) }
            }
            shard.gateUp = zip(shard.gate, shard.up).map { Tensor.concatenateColumns([$0, $1]) }
            return shard
        }
    }

    /// Forgets the cached keys and values and the expert counts: the next step starts a new batch.
    public func reset() {
        cache = KVCache(layers: model.shape.layers, sequences: localSequences.count, width: kvRange.count * model.shape.headDim)
        expertCopies = []
    }

    /// Why `layout` cannot run `shape` on `ranks` ranks, thrown with the numbers.
    public static func check(shape: RuntimeModelShape, layout: ParallelLayout, ranks: Int, sequences: Int) throws(CommunicatorError) {
        if let problem = shape.problem { throw .invalid("model shape: \(problem)") }
        guard sequences >= 1 else { throw .invalid("at least one sequence, got \(sequences)") }
        // The fix for a count that does not divide: rank counts that do, or the nearest counts `ranks` divides.
        func fix(_ count: Int, _ what: String, dividing whole: Int? = nil) -> String {
            let multiples = [count / ranks * ranks, (count / ranks + 1) * ranks].filter { multiple in multiple >= 1 && whole.map { $0 % multiple == 0 } ?? true }
            let counts = Divisors.alternatives(Divisors.nearest(Divisors.of(count), to: ranks))
            return "; use \(counts) ranks" + (multiples.isEmpty ? "" : ", or \(Divisors.alternatives(multiples)) \(what)")
        }
        switch layout {
        case .single:
            guard ranks == 1 else { throw .invalid("the single layout runs on 1 rank, not \(ranks)") }
        case .tensor:
            guard shape.kvHeads % ranks == 0 else { throw .invalid("tp over \(ranks) ranks needs them to divide the \(shape.kvHeads) KV heads\(fix(shape.kvHeads, "KV heads", dividing: shape.heads))") }
            guard shape.expertFFN >= ranks else { throw .invalid("tp over \(ranks) ranks needs at least \(ranks) expert FFN columns; use \(ranks) or more") }
        case .expert:
            guard shape.kvHeads % ranks == 0 else { throw .invalid("ep over \(ranks) ranks needs them to divide the \(shape.kvHeads) KV heads\(fix(shape.kvHeads, "KV heads", dividing: shape.heads))") }
            guard shape.experts % ranks == 0 else { throw .invalid("ep over \(ranks) ranks needs them to divide the \(shape.experts) experts\(fix(shape.experts, "experts"))") }
        case .dataExpert:
            guard shape.experts % ranks == 0 else { throw .invalid("dp-ep over \(ranks) ranks needs them to divide the \(shape.experts) experts\(fix(shape.experts, "experts"))") }
            guard sequences >= ranks else { throw .invalid("dp-ep over \(ranks) ranks needs at least \(ranks) sequences, got \(sequences); use \(ranks) or more") }
        }
    }


    /// One step: `inputs` holds `tokensPerSequence` rows for every sequence (all of them, sequence after
    /// sequence); this rank uses the rows of the sequences it holds. Returns its output rows and the times.
    public func step(_ inputs: Tensor, tokensPerSequence: Int) throws(CommunicatorError) -> (output: Tensor, times: PhaseTimes) {
        clock.times = PhaseTimes()
        let start = PhaseClock.now()
        let rowRange = (localSequences.lowerBound * tokensPerSequence)..<(localSequences.upperBound * tokensPerSequence)
        var x = inputs.rows(rowRange)
        for layer in 0..<model.shape.layers {
            x = try attention(layer: layer, x: x, tokensPerSequence: tokensPerSequence)
            x = try mixture(layer: layer, x: x)
        }
        clock.times.wall = PhaseClock.now() - start
        return (x, clock.times)
    }

    func attention(layer index: Int, x: Tensor, tokensPerSequence t: Int) throws(CommunicatorError) -> Tensor {
        let shape = model.shape, layer = shards[index], hd = shape.headDim
        let h = Kernels.rmsNorm(x, weight: layer.attentionNorm)
        var outputs: [Tensor] = []
        let q = BLAS.matmul(h, layer.wq)
        let k = BLAS.matmul(h, layer.wk)
        let v = BLAS.matmul(h, layer.wv)
        for local in 0..<localSequences.count {
            let rows = (local * t)..<((local + 1) * t)
            let offset = cache.keys[index][local].rows
            let positions = Array(offset..<(offset + t))
            let qs = Kernels.rope(q.rows(rows), positions: positions, heads: headRange.count, headDim: hd)
            let ks = Kernels.rope(k.rows(rows), positions: positions, heads: kvRange.count, headDim: hd)
            cache.keys[index][local].appendRows(ks)
            cache.values[index][local].appendRows(v.rows(rows))
            outputs.append(Kernels.causalAttention(q: qs, k: cache.keys[index][local], v: cache.values[index][local],
                                                   heads: headRange.count, kvHeads: kvRange.count, headDim: hd, offset: offset))
        }
        var projected = BLAS.matmul(.concatenateRows(outputs), layer.wo)
        if layout == .tensor || layout == .expert {
            try clock.communicate(comm) { () throws(CommunicatorError) in try comm.allReduce(&projected.values) }
        }
        return x + projected
    }

    func mixture(layer index: Int, x: Tensor) throws(CommunicatorError) -> Tensor {
        let layer = shards[index]
        switch layout {
        case .single, .tensor:
            let h = Kernels.rmsNorm(x, weight: layer.moeNorm)
            let routes = Kernels.topK(BLAS.matmul(h, layer.router), k: model.shape.topK)
            var out = Experts.mixture(layer, input: h, routes: routes)
            if layout == .tensor {
                try clock.communicate(comm) { () throws(CommunicatorError) in try comm.allReduce(&out.values) }
            }
            return x + out
        case .expert:
            // Each rank routes a share of the (replicated) tokens, then everyone gathers the results.
            let share = Partition.block(comm.rank, of: comm.size, count: x.rows)
            let mine = x.rows(share)
            let updated = mine + (try dispatchAndCombine(layer, input: Kernels.rmsNorm(mine, weight: layer.moeNorm)))
            let blocks = try clock.communicate(comm) { () throws(CommunicatorError) in
                try comm.allToAllV(Array(repeating: updated.values, count: comm.size))
            }
            return Tensor(shape: [x.rows, x.columns], values: blocks.flatMap { $0 })
        case .dataExpert:
            return x + (try dispatchAndCombine(layer, input: Kernels.rmsNorm(x, weight: layer.moeNorm)))
        }
    }

    /// Routes `input`'s rows, sends each (token, expert) pair to the expert's owner with all-to-all-v, runs
    /// the owned experts, and sends the weighted outputs back to the tokens' rank. Rows are packed and unpacked
    /// with one copy each, into buffers sized up front.
    func dispatchAndCombine(_ layer: LayerWeights, input: Tensor) throws(CommunicatorError) -> Tensor {
        let d = input.columns, ranks = comm.size, width = d + 3
        let routes = Kernels.topK(BLAS.matmul(input, layer.router), k: model.shape.topK)
        // Dispatch rows: [token, expert, weight, hidden...].
        var counts = Array(repeating: 0, count: ranks)
        for picks in routes { for pick in picks { counts[expertOwner[pick.expert]] += 1 } }
        var outgoing = counts.map { count in
            var block = [Float]()
            block.reserveCapacity(count * width)
            return block
        }
        input.values.withUnsafeBufferPointer { source in
            for (token, picks) in routes.enumerated() {
                let row = UnsafeBufferPointer(rebasing: source[(token * d)..<((token + 1) * d)])
                for pick in picks {
                    let owner = expertOwner[pick.expert]
                    outgoing[owner].append(Float(token))
                    outgoing[owner].append(Float(pick.expert))
                    outgoing[owner].append(pick.weight)
                    outgoing[owner].append(contentsOf: row)
                }
            }
        }
        let incoming = try clock.communicate(comm) { () throws(CommunicatorError) in try comm.allToAllV(outgoing) }
        // Group the received rows by expert in one pass: (source rank, offset of the row in its block).
        var received = Array(repeating: [(rank: Int, start: Int)](), count: expertRange.count)
        for (source, block) in incoming.enumerated() {
            for start in stride(from: 0, to: block.count, by: width) {
                received[Int(block[start + 1]) - expertRange.lowerBound].append((source, start))
            }
        }
        expertCopies.append(received.reduce(0) { $0 + $1.count })
        // Run each owned expert on its rows, and return [token, weight · output...] to each source.
        var returning = incoming.map { block in
            var back = [Float]()
            back.reserveCapacity(block.count / width * (d + 1))
            return back
        }
        for (local, rows) in received.enumerated() where !rows.isEmpty {
            let gathered = [Float](unsafeUninitializedCapacity: rows.count * d) { buffer, initialized in
                for (index, row) in rows.enumerated() {
                    incoming[row.rank].withUnsafeBufferPointer { block in
                        (buffer.baseAddress! + index * d).initialize(from: block.baseAddress! + row.start + 3, count: d)
                    }
                }
                initialized = rows.count * d
            }
            let result = Experts.run(layer, expert: expertRange.lowerBound + local, rows: Tensor(shape: [rows.count, d], values: gathered))
            result.values.withUnsafeBufferPointer { output in
                for (index, row) in rows.enumerated() {
                    let weight = incoming[row.rank][row.start + 2]
                    returning[row.rank].append(incoming[row.rank][row.start])
                    returning[row.rank].append(contentsOf: output[(index * d)..<((index + 1) * d)].lazy.map { $0 * weight })
                }
            }
        }
        let combined = try clock.communicate(comm) { () throws(CommunicatorError) in try comm.allToAllV(returning) }
        var out = Tensor.zeros([input.rows, d])
        out.values.withUnsafeMutableBufferPointer { target in
            for block in combined {
                block.withUnsafeBufferPointer { rows in
                    for start in stride(from: 0, to: rows.count, by: d + 1) {
                        let destination = target.baseAddress! + Int(rows[start]) * d, values = rows.baseAddress! + start + 1
                        for column in 0..<d { destination[column] += values[column] }
                    }
                }
            }
        }
        return out
    }
}
