import ArgumentParser
import Hardware
import Reports
import Workload

struct Systems: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "systems",
        abstract: "List the systems in the catalog, or show one.",
        subcommands: [List.self, Show.self], defaultSubcommand: List.self)

    struct List: RenderingCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the systems in the catalog.")
        @OptionGroup var output: OutputOptions

        func render() throws -> String {
            let catalog = try HardwareCatalog.builtIn()
            let systems = try catalog.systemNames.map { name throws(HardwareError) in try catalog.system(name) }
            switch output.format {
            case .table: return CatalogReports.systems(systems).renderText(maxCellWidth: 30)
            case .csv: return CatalogReports.systems(systems).renderCSV()
            case .json: return JSONOutput.render(systems.map { SystemReport(system: $0).document })
            }
        }
    }

    struct Show: RenderingCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a system: composition, fabrics tier by tier, power breakdown and sources.",
            discussion: "SYSTEM is a catalog name, NAME:nodes=N for clusters, or a system file (.yaml/.json).")
        @Argument(help: "Catalog name, NAME:nodes=N, or a .yaml/.json file.") var system: String
        @OptionGroup var output: OutputOptions

        func render() throws -> String {
            let report = SystemReport(system: try HardwareCatalog.builtIn(only: [system]).system(system))
            switch output.format {
            case .table: return report.tables().map { $0.renderText(maxCellWidth: 200) }.joined(separator: "\n")
            case .csv: return report.csvTable().renderCSV()
            case .json: return JSONOutput.render(report.document)
            }
        }
    }
}

struct Chips: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chips",
        abstract: "List the chips in the catalog, or show one.",
        subcommands: [List.self, Show.self], defaultSubcommand: List.self)

    struct List: RenderingCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the chips in the catalog.")
        @OptionGroup var output: OutputOptions

        func render() throws -> String {
            let catalog = try HardwareCatalog.builtIn()
            let chips = catalog.chipNames.compactMap { catalog.chips[$0] }
            switch output.format {
            case .table: return CatalogReports.chips(chips).renderText()
            case .csv: return CatalogReports.chips(chips).renderCSV()
            case .json: return JSONOutput.render(chips)
            }
        }
    }

    struct Show: RenderingCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a chip with its sources.")
        @Argument(help: "Catalog name or a .yaml/.json chip file.") var chip: String
        @OptionGroup var output: OutputOptions

        func render() throws -> String {
            let chip = try HardwareCatalog.builtIn().chip(chip)
            switch output.format {
            case .table: return ChipReport(chip: chip).table().renderText(maxCellWidth: 200)
            case .csv: return ChipReport(chip: chip).table().renderCSV()
            case .json: return JSONOutput.render(chip)
            }
        }
    }
}

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the models in the catalog, or show one.",
        subcommands: [List.self, Show.self], defaultSubcommand: List.self)

    struct List: RenderingCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the models in the catalog.")
        @OptionGroup var output: OutputOptions

        func render() throws -> String {
            let catalog = try ModelCatalog.builtIn()
            let models = catalog.names.compactMap { catalog.models[$0] }
            switch output.format {
            case .table: return CatalogReports.models(models).renderText()
            case .csv: return CatalogReports.models(models).renderCSV()
            case .json: return JSONOutput.render(models.map { ModelReport(model: $0).document })
            }
        }
    }

    struct Show: RenderingCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a model: architecture, parameter counts, weight bytes, KV cache and FLOPs per token.",
            discussion: "MODEL is a catalog name, a Hugging Face config.json, or a folder holding one.")
        @Argument(help: "Catalog name, config.json path, or model folder.") var model: String
        @Option(name: .long, parsing: .upToNextOption, help: "Context lengths for FLOPs per token.")
        var context: [Int] = [1, 4096, 32768]
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard !context.isEmpty, context.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("--context takes positive token counts, such as --context 1 4096")
            }
        }

        func render() throws -> String {
            let report = ModelReport(model: try ModelCatalog.builtIn(only: model).model(model), contexts: context)
            switch output.format {
            case .table: return report.tables().map { $0.renderText(maxCellWidth: 200) }.joined(separator: "\n")
            case .csv: return report.csvTable().renderCSV()
            case .json: return JSONOutput.render(report.document)
            }
        }
    }
}
