internal import CBLAS

/// The one Swift file that calls BLAS.
public enum BLAS {
    /// C = A · B (or A · Bᵀ when `transposeB`), row-major Float32, through `cblas_sgemm`.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeB: Bool = false) -> Tensor {
        let m = a.rows, k = a.columns
        let n = transposeB ? b.rows : b.columns
        precondition((transposeB ? b.columns : b.rows) == k, "inner dimensions differ: \(a.shape) x \(b.shape)\(transposeB ? "ᵀ" : "")")
        guard m > 0, n > 0, k > 0 else { return .zeros([m, n]) }
        // β = 0: SGEMM writes every element of C, so C starts uninitialised (no zeroing pass).
        let c = [Float](unsafeUninitializedCapacity: m * n) { pc, initialized in
            a.values.withUnsafeBufferPointer { pa in
                b.values.withUnsafeBufferPointer { pb in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), 1, pa.baseAddress, Int32(k), pb.baseAddress,
                                Int32(transposeB ? k : n), 0, pc.baseAddress, Int32(n))
                }
            }
            initialized = m * n
        }
        return Tensor(shape: [m, n], values: c)
    }

    /// Strided SGEMM on buffers: C = α · A · op(B) + β · C, row-major, with leading dimensions (the
    /// distance between rows), so a column block of a wider matrix (one attention head) is a matrix too.
    public static func sgemm(transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Threads OpenBLAS uses for one call.
    public static func setThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }
    public static var threads: Int { Int(openblas_get_num_threads()) }
}
