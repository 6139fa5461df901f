import Units
import Validation

/// `validate`: predicted against published, one row per case and metric, then the summary.
public struct ValidationReportTables: Sendable {
    public let report: ValidationReport
    public init(report: ValidationReport) { self.report = report }

    static func formatted(_ value: Double) -> String {
        abs(value) >= 100 ? NumberText.grouped(value, decimals: 0) : NumberText.significant(value, digits: 3)
    }

    public func comparisons() -> Table {
        var table = Table(title: "Predicted against published", columns: [
            Table.Column("case", .left), Table.Column("metric", .left), Table.Column("predicted"), Table.Column("published"),
            Table.Column("error"), Table.Column("tol"), Table.Column("", .left),
        ])
        for result in report.results {
            switch result.outcome {
            case let .compared(metrics):
                for metric in metrics {
                    table.append([
                        result.item.id, metric.metric,
                        metric.predicted.map(Self.formatted) ?? "-",
                        Self.formatted(metric.published),
                        metric.relativeError.map { (($0 >= 0) ? "+" : "") + NumberText.fixed($0 * 100, decimals: 1) + "%" } ?? "-",
                        NumberText.fixed(metric.tolerance * 100, decimals: 0) + "%",
                        metric.passed ? "ok" : "FAIL",
                    ])
                }
            case let .failed(reason):
                table.append([result.item.id, "error", "-", "-", "-", "-", "FAIL"])
                table.notes.append("\(result.item.id): \(reason)")
            case .unsupported, .calibrationInput:
                continue
            }
        }
        return table
    }

    public func summary() -> Table {
        var table = Table(title: "Summary", columns: [Table.Column("", .left), Table.Column("", .left)])
        let compared = report.results.filter { if case .compared = $0.outcome { return true } else { return false } }
        let failed = report.results.filter { if case .failed = $0.outcome { return true } else { return false } }
        let metrics = report.metrics
        table.append(["cases compared", "\(compared.count) (\(metrics.count) metrics, \(metrics.filter(\.passed).count) within tolerance)"])
        if !failed.isEmpty { table.append(["cases that could not run", "\(failed.count)"]) }
        table.append(["median |error|", report.medianError.map { NumberText.fixed($0 * 100, decimals: 1) + "%" } ?? "-"])
        table.append(["largest |error|", report.largestError.map { NumberText.fixed($0 * 100, decimals: 1) + "%" } ?? "-"])
        var unsupported: [String: (count: Int, reason: String)] = [:]
        for result in report.results {
            if case let .unsupported(reason) = result.outcome {
                unsupported[result.item.phase.rawValue, default: (0, reason)].count += 1
            }
        }
        let inputs = report.results.compactMap { result -> String? in
            if case .calibrationInput = result.outcome { return result.item.id }
            return nil
        }
        if !inputs.isEmpty {
            table.append(["calibration inputs (not checks)", inputs.joined(separator: ", ")])
        }
        for (phase, entry) in unsupported.sorted(by: { $0.key < $1.key }) {
            table.append(["not yet supported: \(phase)", "\(entry.count) cases (\(entry.reason))"])
        }
        table.append(["result", report.passed ? "PASS: every supported case within its tolerance" : "FAIL"])
        return table
    }

    public func csvTable() -> Table {
        var table = Table(columns: ["case", "phase", "metric", "predicted", "published", "relative_error", "tolerance", "status"].map { Table.Column($0) })
        for result in report.results {
            switch result.outcome {
            case let .compared(metrics):
                for metric in metrics {
                    table.append([result.item.id, result.item.phase.rawValue, metric.metric,
                                  metric.predicted.map { NumberText.shortest(JSONOutput.rounded($0)) } ?? "",
                                  NumberText.shortest(metric.published), metric.relativeError.map { NumberText.shortest(JSONOutput.rounded($0)) } ?? "",
                                  NumberText.shortest(metric.tolerance), metric.passed ? "pass" : "fail"])
                }
            case .failed:
                table.append([result.item.id, result.item.phase.rawValue, "", "", "", "", "", "error"])
            case .unsupported:
                table.append([result.item.id, result.item.phase.rawValue, "", "", "", "", "", "unsupported"])
            case .calibrationInput:
                table.append([result.item.id, result.item.phase.rawValue, "", "", "", "", "", "calibration input"])
            }
        }
        return table
    }

    /// The JSON form: every case with its outcome.
    public var document: ValidationDocument {
        ValidationDocument(
            passed: report.passed, medianAbsoluteError: report.medianError.map { JSONOutput.rounded($0) },
            largestAbsoluteError: report.largestError.map { JSONOutput.rounded($0) },
            cases: report.results.map { result in
                var entry = ValidationDocument.Case(id: result.item.id, phase: result.item.phase.rawValue, source: result.item.source, status: "", metrics: [], reason: nil)
                switch result.outcome {
                case let .compared(metrics):
                    entry.status = metrics.allSatisfy(\.passed) ? "pass" : "fail"
                    entry.metrics = metrics.map {
                        .init(metric: $0.metric, predicted: $0.predicted.map { JSONOutput.rounded($0) }, published: $0.published,
                              relativeError: $0.relativeError.map { JSONOutput.rounded($0) }, tolerance: $0.tolerance, passed: $0.passed)
                    }
                case let .failed(reason):
                    entry.status = "error"
                    entry.reason = reason
                case let .unsupported(reason):
                    entry.status = "unsupported"
                    entry.reason = reason
                case let .calibrationInput(profile):
                    entry.status = "calibration input"
                    entry.reason = "used to fit the calibration profile \(profile)"
                }
                return entry
            })
    }
}

/// The JSON form of `validate`.
public struct ValidationDocument: Sendable, Codable {
    public struct Metric: Sendable, Codable {
        public var metric: String
        public var predicted: Double?
        public var published: Double
        public var relativeError: Double?
        public var tolerance: Double
        public var passed: Bool
    }

    public struct Case: Sendable, Codable {
        public var id: String
        public var phase: String
        public var source: String
        public var status: String
        public var metrics: [Metric]
        public var reason: String?
    }

    public var passed: Bool
    public var medianAbsoluteError: Double?
    public var largestAbsoluteError: Double?
    public var cases: [Case]
}
