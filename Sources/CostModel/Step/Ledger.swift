import Units

/// Collects operator costs as the step is priced.
struct Ledger {
    var operators: [OperatorCost] = []

    /// Prices kernels that run `calls` times in the step; returns one call's time. `slowdown` is the share
    /// of compute units communication kernels hold while they overlap.
    mutating func price(_ kernels: [Kernel], on rank: RankHardware, block: String, calls: Int, slowdown: Double = 0) throws(CostModelError) -> TimeSpan {
        var total = TimeSpan.zero
        for kernel in kernels {
            let time = try rank.time(kernel)
            let stretched = time.total / (1 - slowdown)
            total += stretched
            add(OperatorCost(name: kernel.name, block: block, calls: calls, compute: time.compute * calls, memory: time.memory * calls,
                             transfer: .zero, latency: .zero, overhead: time.overhead * calls, time: stretched * calls))
        }
        return total
    }

    mutating func communication(_ name: String, _ time: CommunicationTime, calls: Int) {
        add(OperatorCost(name: name, block: "communication", calls: calls, compute: .zero, memory: .zero,
                         transfer: time.transfer * calls, latency: time.latency * calls, overhead: time.overhead * calls,
                         time: time.total * calls))
    }

    mutating func add(_ cost: OperatorCost) {
        if let index = operators.firstIndex(where: { $0.name == cost.name && $0.block == cost.block }) {
            operators[index].calls += cost.calls
            operators[index].compute += cost.compute
            operators[index].memory += cost.memory
            operators[index].transfer += cost.transfer
            operators[index].latency += cost.latency
            operators[index].overhead += cost.overhead
            operators[index].time += cost.time
        } else {
            operators.append(cost)
        }
    }
}
