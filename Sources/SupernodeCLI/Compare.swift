import ArgumentParser
import Hardware
import Reports

struct Compare: RenderingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare systems side by side: compute, memory, fabrics, optics, power, space, efficiency.",
        discussion: """
            The first system is the baseline; every figure of the others is also shown as a ratio to it. \
            Systems are catalog names ('supernode systems'), files, or sized clusters (h100-cluster:nodes=12). \
            Example: supernode compare gb200-nvl72 cloudmatrix384
            """)

    @Argument(help: "Systems to compare, the baseline first: NAME, NAME:nodes=N, NAME:chips=N or FILE.")
    var systems: [String] = []

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !systems.isEmpty else {
            throw ValidationError("Name at least one system to compare, such as 'supernode compare gb200-nvl72 cloudmatrix384'.")
        }
    }

    func render() throws -> String {
        let catalog = try HardwareCatalog.builtIn()
        let resolved = try systems.map { reference throws(HardwareError) in try catalog.system(reference) }
        let comparison = SystemComparison(systems: resolved)
        switch output.format {
        case .table: return comparison.tables().map { $0.renderText() }.joined(separator: "\n")
        case .csv: return comparison.csvTable().renderCSV()
        case .json: return JSONOutput.render(comparison.document)
        }
    }
}
