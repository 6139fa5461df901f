import ArgumentParser
import DataFiles
import CostModel
import Hardware
import Reports
import Validation
import Workload

struct Validate: RenderingCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Run published results against the cost model and show predicted against published.",
        discussion: """
            Reads a file in the supernode-validation/1 format (the shipped public cases without --cases) and runs \
            every prefill, decode and collective case. Serving and training cases are listed as not yet supported. \
            Exits 0 only if every supported case is within its tolerance, 1 otherwise.
            """)

    @Option(name: .long, help: "A supernode-validation/1 file (default: the shipped public cases).")
    var cases: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Run only the cases whose id contains one of these.")
    var only: [String] = []

    @Flag(name: .long, help: "After the table, each prefill and decode case's prediction operator by operator, as predict prints it.")
    var explain = false

    @Option(name: .long, parsing: .upToNextOption,
            help: "Calibration profiles (names or files) to use for the chips they cover, ahead of the shipped ones: to see how a new or refitted profile does against the cases.")
    var calibration: [String] = []

    @OptionGroup var output: OutputOptions

    func render() throws -> String {
        try outcome().text
    }

    func outcome() throws -> (text: String, passed: Bool) {
        var file = try cases.map { path throws(DataFileError) in try ValidationCatalog.load(path: path) } ?? ValidationCatalog.publicCases()
        if !only.isEmpty {
            file.cases = file.cases.filter { item in only.contains { item.id.contains($0) } }
            guard !file.cases.isEmpty else { throw InputError("no case id contains \(only.joined(separator: " or "))") }
        }
        if explain, output.format != .table {
            throw InputError("--explain prints tables; drop --format \(output.format.rawValue) or --explain")
        }
        let validator = Validator(hardware: try HardwareCatalog.builtIn(), models: try ModelCatalog.builtIn(),
                                  calibration: try CalibrationCatalog.builtIn().preferring(calibration))
        let report = validator.run(file)
        let tables = ValidationReportTables(report: report)
        let text: String
        switch output.format {
        case .table:
            var parts = [tables.comparisons(), tables.summary()].map { $0.renderText(maxCellWidth: 46) }
            if explain { parts += explanations(report, validator: validator) }
            text = parts.joined(separator: "\n")
        case .csv: text = tables.csvTable().renderCSV()
        case .json: text = JSONOutput.render(tables.document)
        }
        return (text, report.passed)
    }

    /// The prediction behind every compared prefill and decode case.
    func explanations(_ report: ValidationReport, validator: Validator) -> [String] {
        report.results.compactMap { result -> String? in
            guard case .compared = result.outcome, result.item.phase == .prefill || result.item.phase == .decode,
                  let (request, profile) = try? validator.stepRequest(result.item),
                  let prediction = try? StepPredictor.predict(request, profile: profile) else { return nil }
            let single = try? StepPredictor.singleBatch(request, profile: profile)
            let tables = PredictionReport(request: request, profile: profile, prediction: prediction, singleBatch: single).tables()
            return "\n== \(result.item.id)\n" + tables.map { $0.renderText(maxCellWidth: 60) }.joined(separator: "\n")
        }
    }
}
