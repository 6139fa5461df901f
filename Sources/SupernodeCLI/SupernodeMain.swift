import ArgumentParser
import DataFiles
import CostModel
import Hardware
import Runtime
import Workload

/// Runs the command line and turns every outcome into an exit status: 0 for success (and help),
/// 2 for bad input of any kind, with the message on standard error.
public enum SupernodeMain {
    /// What a run printed and how it ended.
    public struct Outcome: Sendable, Equatable {
        public var status: Int32
        public var output: String
        public var errorOutput: String
    }

    /// Parses and runs `arguments` (without the program name), capturing output.
    public static func execute(_ arguments: [String]) -> Outcome {
        do {
            var command = try SupernodeCommand.parseAsRoot(arguments)
            // validate: its exit status says whether every case agreed.
            if let validate = command as? Validate {
                let outcome = try validate.outcome()
                return Outcome(status: outcome.passed ? 0 : 1, output: outcome.text, errorOutput: "")
            }
            if let rendering = command as? any RenderingCommand {
                return Outcome(status: 0, output: try rendering.render(), errorOutput: "")
            }
            // `help` and `--help`: the parser's help command ends by throwing a clean exit with the text.
            try command.run()
            return Outcome(status: 0, output: "", errorOutput: "")
        } catch let error as HardwareError {
            return failure(error.description)
        } catch let error as WorkloadError {
            return failure(error.description)
        } catch let error as DataFileError {
            return failure(error.description)
        } catch let error as CostModelError {
            return failure(error.description)
        } catch let error as RunFailure {
            return Outcome(status: error.status, output: "", errorOutput: error.message.hasSuffix("\n") ? error.message : error.message + "\n")
        } catch let error as CommunicatorError {
            return Outcome(status: 1, output: "", errorOutput: "Error: \(error.description)\n")
        } catch let error as InputError {
            return failure(error.description)
        } catch {
            // A fixed width keeps help and usage text the same on every terminal.
            let message = SupernodeCommand.fullMessage(for: error, columns: 100)
            if SupernodeCommand.exitCode(for: error) == .success {
                return Outcome(status: 0, output: message + "\n", errorOutput: "")
            }
            return failure(message)
        }
    }

    static func failure(_ message: String) -> Outcome {
        let text = message.hasPrefix("Error:") ? message : "Error: \(message)"
        return Outcome(status: 2, output: "", errorOutput: text + "\n")
    }
}

/// Bad input found by a command itself (not by the catalogs).
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
