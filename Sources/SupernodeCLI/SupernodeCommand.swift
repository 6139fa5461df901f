import ArgumentParser

/// The `supernode` command: thin subcommands over the library. Commands build their whole output as a
/// string before anything is printed, so a failure never leaves half an output behind.
public struct SupernodeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "supernode",
        abstract: "Design, simulate and compare AI supernodes: many accelerators joined into one machine.",
        discussion: """
            Systems and models come from the built-in catalog (see 'supernode systems' and 'supernode models') \
            or from your own files: a system description (.yaml/.json) or a Hugging Face config.json. \
            Every command takes --format table|json|csv. Bad input exits with status 2.
            """,
        version: SupernodeVersion.current,
        subcommands: [Compare.self, Predict.self, CollectiveCommand.self, Validate.self, Run.self, Bench.self, CalibrateCommand.self, Selftest.self, Systems.self, Chips.self, Models.self, Calibration.self])

    public init() {}
}

/// The release of this build.
public enum SupernodeVersion {
    public static let current = "0.1.0"
}

/// A command whose result is text in the chosen format.
protocol RenderingCommand: ParsableCommand {
    func render() throws -> String
}

extension RenderingCommand {
    public func run() throws {
        print(try render(), terminator: "")
    }
}

/// `--format`, shared by every command.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: table, json or csv.")
    var format: OutputFormatArgument = .table
}

enum OutputFormatArgument: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}
