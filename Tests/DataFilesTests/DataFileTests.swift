import Testing
@testable import DataFiles

private struct Widget: Codable, Equatable, CheckedDescription {
    var name: String
    var portCount: Int
    var ratio: Double?
    var parts: [Part]
    var labels: [String: String]?

    struct Part: Codable, Equatable {
        var id: Int
        var enabled: Bool?
    }

    func check() throws(DescriptionIssue) {
        guard portCount > 0 else { throw DescriptionIssue(["port_count"], "must be positive, got \(portCount)") }
        for (index, part) in parts.enumerated() where part.id < 0 {
            throw DescriptionIssue(["parts", String(index), "id"], "must not be negative")
        }
    }
}

@Suite("Description files")
struct DataFileTests {
    let yaml = """
        name: w1
        port_count: 4
        ratio: 1.5
        parts:
          - id: 1
          - id: 2
            enabled: true
        labels: {scale_up: UB, x: y}
        """

    @Test("YAML and JSON decode to the same value, with snake_case keys")
    func decodesYAMLAndJSON() throws {
        let fromYAML = try DataFile.decode(Widget.self, from: yaml, file: "w.yaml")
        let json = #"{"name": "w1", "port_count": 4, "ratio": 1.5, "parts": [{"id": 1}, {"id": 2, "enabled": true}], "labels": {"scale_up": "UB", "x": "y"}}"#
        let fromJSON = try DataFile.decode(Widget.self, from: json, file: "w.json")
        #expect(fromYAML == fromJSON)
        #expect(fromYAML.portCount == 4)
        #expect(fromYAML.labels?["scale_up"] == "UB", "dictionary keys are kept as written")
    }

    @Test("An unknown field is named with its line and the known fields")
    func rejectsUnknownField() {
        let text = yaml.replacingOccurrences(of: "ratio: 1.5", with: "ratoi: 1.5")
        do {
            _ = try DataFile.decode(Widget.self, from: text, file: "w.yaml")
            Issue.record("an unknown field was accepted")
        } catch {
            #expect(error.line == 3)
            #expect(error.keyPath == "ratoi")
            #expect(error.message.contains("unknown field 'ratoi'"))
            #expect(error.message.contains("port_count"), "lists the known fields in the file's spelling")
            #expect(error.description.hasPrefix("w.yaml:3: ratoi:"))
        }
    }

    @Test("Unknown fields in nested lists are found too")
    func rejectsNestedUnknownField() {
        let text = yaml.replacingOccurrences(of: "enabled: true", with: "enabeld: true")
        #expect(throws: DataFileError.self) { try DataFile.decode(Widget.self, from: text, file: "w.yaml") }
        do { _ = try DataFile.decode(Widget.self, from: text, file: "w.yaml") } catch {
            #expect(error.keyPath == "parts[1].enabeld")
            #expect(error.line == 7)
        }
    }

    @Test("Lenient mode ignores unknown fields")
    func ignoresUnknownFieldsWhenAsked() throws {
        let text = yaml + "\nextra_field: 3\n"
        let widget = try DataFile.decode(Widget.self, from: text, file: "w.yaml", unknownFields: .ignore)
        #expect(widget.name == "w1")
    }

    @Test("A missing field is named")
    func namesMissingField() {
        let text = yaml.replacingOccurrences(of: "port_count: 4\n", with: "")
        do {
            _ = try DataFile.decode(Widget.self, from: text, file: "w.yaml")
            Issue.record("a missing field was accepted")
        } catch {
            #expect(error.message == "missing field 'port_count'")
        }
    }

    @Test("A wrong type names the line, the field and what was expected")
    func namesTypeMismatch() {
        let text = yaml.replacingOccurrences(of: "port_count: 4", with: "port_count: four")
        do {
            _ = try DataFile.decode(Widget.self, from: text, file: "w.yaml")
            Issue.record("text was accepted as a number")
        } catch {
            #expect(error.line == 2)
            #expect(error.keyPath == "port_count")
            #expect(error.message.contains("expected a whole number, found 'four'"))
        }
    }

    @Test("Text that is not YAML names the line")
    func namesSyntaxError() {
        let text = "name: w1\nport_count: [4\nratio: 2\n"
        do {
            _ = try DataFile.decode(Widget.self, from: text, file: "bad.yaml")
            Issue.record("broken YAML was accepted")
        } catch {
            #expect(error.file == "bad.yaml")
            #expect(error.line != nil)
            #expect(error.message.contains("not valid YAML or JSON"))
        }
    }

    @Test("An empty file is refused")
    func refusesEmptyFile() {
        #expect(throws: DataFileError.self) { try DataFile.decode(Widget.self, from: "", file: "empty.yaml") }
    }

    @Test("A failed check points at the field's line")
    func checksAfterDecoding() {
        let text = yaml.replacingOccurrences(of: "- id: 2", with: "- id: -2")
        do {
            _ = try DataFile.decode(Widget.self, from: text, file: "w.yaml")
            Issue.record("the check did not run")
        } catch {
            #expect(error.keyPath == "parts[1].id")
            #expect(error.line == 6)
            #expect(error.message == "must not be negative")
        }
    }

    @Test("A missing file is reported, not a crash")
    func reportsMissingFile() {
        #expect(throws: DataFileError.self) { try DataFile.load(Widget.self, path: "no/such/file.yaml") }
    }

    @Test("Key styles convert both ways", arguments: [
        ("ports_per_chip", "portsPerChip"), ("name", "name"), ("_name_or_path", "_nameOrPath"), ("q_lora_rank", "qLoraRank"),
    ])
    func keyStyles(snake: String, camel: String) {
        #expect(KeyStyle.camel(fromSnake: snake) == camel)
        if !snake.hasPrefix("_") { #expect(KeyStyle.snake(fromCamel: camel) == snake) }
    }
}
