import Foundation

/// How unevenly routed tokens land on expert ranks: the busiest rank's load over the mean.
///
/// `perfect` is 1. `eplb` assumes EPLB (with its redundant experts) has evened out the expected load of
/// every rank, leaving the spread of routing a finite batch: with m copies over n ranks the busiest gets
/// about m/n + sqrt(2 (m/n) ln n) (the heavily loaded balls-into-bins maximum; Raab and Steger, "Balls into
/// Bins: A Simple and Tight Analysis", RANDOM 1998), so the ratio is 1 + sqrt(2 ln n / (m/n)).
public enum ExpertLoad {
    /// Max-to-mean ratio for `copies` routed token copies over `ranks` expert ranks.
    public static func maxToMean(_ balance: ExpertBalance, copies: Double, ranks: Int) -> Double {
        switch balance {
        case .perfect:
            return 1
        case .eplb:
            guard ranks > 1, copies > 0 else { return 1 }
            let mean = copies / Double(ranks)
            return 1 + (2 * log(Double(ranks)) / mean).squareRoot()
        }
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
