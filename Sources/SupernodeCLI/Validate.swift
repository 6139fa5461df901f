import ArgumentParser
import DataFiles
import CostModel
import Hardware
import Reports
import Validation
import Workload

struct Validate: RenderingCommand {
    static let configuration = CommandConfiguration(
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
        let validator = Validator(hardware: try HardwareCatalog.builtIn(), models: try ModelCatalog.builtIn(),
                                  calibration: try CalibrationCatalog.builtIn())
        let report = validator.run(file)
        let tables = ValidationReportTables(report: report)
        let text: String
        switch output.format {
        case .table: text = [tables.comparisons(), tables.summary()].map { $0.renderText(maxCellWidth: 46) }.joined(separator: "\n")
        case .csv: text = tables.csvTable().renderCSV()
        case .json: text = JSONOutput.render(tables.document)
        }
        return (text, report.passed)
    }
}
