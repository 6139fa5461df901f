import Foundation

/// How unevenly routed tokens land on expert ranks: the busiest rank's load over the mean.
///
/// `perfect` is 1. `eplb` assumes EPLB (with its redundant experts) has placed the experts for the expected
/// load, and leaves two spreads around it on each rank: routing a finite batch (a rank expecting m copies
/// gets m ± sqrt(m), a relative spread of 1/sqrt(m)), and the placement's residual, the batch's expert
/// popularity differing from the statistics EPLB placed by (a relative spread r). The busiest of n ranks is
/// the expected largest of n normal draws with the combined spread: 1 + z(n)·sqrt(1/m + r²), with z(n)
/// Blom's approximation of the largest normal order statistic, Φ⁻¹((n − 0.375)/(n + 0.25)) (Blom,
/// Statistical Estimates and Transformed Beta-Variables, 1958; within 0.03 of the exact value for every n).
///
/// r comes from TensorRT-LLM's measurement of DeepSeek-R1 decode on 32 GB200 with offline EPLB (wide-EP blog,
/// part 1, Table 1; a machine-translation dataset, 1,024 routed copies per rank, 288 slots): a rank's load
/// has a standard deviation of 52.0 with 9 slots per rank (EP32). Less the 1/sqrt(1024) of routing the batch,
/// that leaves r = 0.040 of the mean. The table's other row (8 slots per rank, EP36: 53.9) leaves 0.042. How r
/// depends on the slots per rank beyond that is not measured, so it is taken as the same for every layout
/// (averaging independent slots would make it 0.12 for one slot per rank; see docs/cost-model.md). With that r
/// the model gives back the table's average max-to-mean ratios, 1.105 and 1.107 against the measured
/// 1.109 and 1.115 (a test checks both).
public enum ExpertLoad {
    /// TensorRT-LLM's EPLB measurement the residual comes from (wide-EP blog, part 1, Table 1).
    public struct Measurement: Sendable {
        public var ranks: Int
        public var slotsPerRank: Int
        public var meanCopies: Double
        public var standardDeviation: Double
        /// The average of (max − mean) / mean per layer and iteration.
        public var imbalance: Double
    }

    /// EP32 with 9 slots per rank, and EP36 with 8: DeepSeek-R1, 288 slots, 1,024 copies per rank, offline EPLB.
    public static let measured: [Measurement] = [
        Measurement(ranks: 32, slotsPerRank: 9, meanCopies: 1024, standardDeviation: 52.0, imbalance: 0.109),
        Measurement(ranks: 36, slotsPerRank: 8, meanCopies: 1024, standardDeviation: 53.9, imbalance: 0.115),
    ]

    /// The placement's residual spread in `measurement`: its relative spread less that of routing the batch.
    public static func residual(of measurement: Measurement) -> Double {
        let relative = measurement.standardDeviation / measurement.meanCopies
        return max(relative * relative - 1 / measurement.meanCopies, 0).squareRoot()
    }

    /// The placement's residual spread relative to the mean, r: the first measurement's.
    public static var residual: Double { residual(of: measured[0]) }

    /// Max-to-mean ratio for `copies` routed token copies over `ranks` expert ranks.
    public static func maxToMean(_ balance: ExpertBalance, copies: Double, ranks: Int) -> Double {
        switch balance {
        case .perfect:
            return 1
        case .eplb:
            guard ranks > 1, copies > 0 else { return 1 }
            let mean = copies / Double(ranks)
            // At most every copy on one rank: n times the mean (tiny batches, where the normal spread overshoots).
            return min(1 + expectedMaximum(of: ranks) * (1 / mean + residual * residual).squareRoot(), Double(ranks))
        }
    }

    /// The expected largest of `n` standard normal draws, by Blom's approximation (0.59 for 2, where the exact
    /// value is 0.56; 2.07 for 32).
    public static func expectedMaximum(of n: Int) -> Double {
        guard n > 1 else { return 0 }
        return normalQuantile((Double(n) - 0.375) / (Double(n) + 0.25))
    }

    /// The standard normal quantile Φ⁻¹(p) for 0 < p < 1 (Acklam's rational approximation, relative error
    /// below 1.2e-9).
    static func normalQuantile(_ p: Double) -> Double {
        let a = Acklam.a, b = Acklam.b, c = Acklam.c, d = Acklam.d
        func tail(_ q: Double) -> Double {
            (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let low = 0.02425
        if p < low { return tail((-2 * log(p)).squareRoot()) }
        if p > 1 - low { return -tail((-2 * log(1 - p)).squareRoot()) }
        let q = p - 0.5, r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }

    /// The coefficients of Acklam's approximation, built once.
    private enum Acklam {
        static let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        static let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        static let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        static let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    }

    /// Expected distinct buckets hit when `k` distinct items are drawn from `buckets` x `perBucket` items
    /// (distinct ranks for k experts over ranks holding `perBucket` experts each):
    /// buckets x (1 − C(N − perBucket, k) / C(N, k)), N = buckets x perBucket.
    public static func expectedDistinct(buckets: Int, perBucket: Int, draws k: Int) -> Double {
        let total = buckets * perBucket
        guard buckets > 1, k > 0, total > 0 else { return Double(min(k, max(buckets, 1))) }
        guard k <= total - perBucket else { return Double(buckets) }
        // C(N − s, k) / C(N, k) = Π_{i=0}^{k−1} (N − s − i) / (N − i)
        var missProbability = 1.0
        for i in 0..<k {
            missProbability *= Double(total - perBucket - i) / Double(total - i)
        }
        return Double(buckets) * (1 - missProbability)
    }
}
