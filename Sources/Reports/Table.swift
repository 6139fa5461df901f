import Foundation

/// A titled table of text cells, rendered as aligned text or CSV. Reports build tables; commands print them.
public struct Table: Sendable, Hashable {
    public struct Column: Sendable, Hashable {
        public var header: String
        public var alignment: Alignment
        public init(_ header: String, _ alignment: Alignment = .right) {
            self.header = header
            self.alignment = alignment
        }
    }

    public enum Alignment: Sendable, Hashable { case left, right }

    public var title: String?
    public var columns: [Column]
    public var rows: [[String]]
    /// Lines printed under the table (assumptions, sources).
    public var notes: [String]

    public init(title: String? = nil, columns: [Column], rows: [[String]] = [], notes: [String] = []) {
        self.title = title
        self.columns = columns
        self.rows = rows
        self.notes = notes
    }

    public mutating func append(_ row: [String]) {
        precondition(row.count == columns.count, "a row of \(row.count) cells in a table of \(columns.count) columns")
        rows.append(row)
    }

    /// Aligned text. Columns are separated by two spaces; a cell wider than `maxCellWidth` is cut with "…".
    public func renderText(maxCellWidth: Int = 60) -> String {
        let cells = ([columns.map(\.header)] + rows).map { row in
            row.map { $0.count > maxCellWidth ? String($0.prefix(maxCellWidth - 1)) + "…" : $0 }
        }
        var widths = Array(repeating: 0, count: columns.count)
        for row in cells {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ row: [String]) -> String {
            var parts: [String] = []
            for (index, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                parts.append(columns[index].alignment == .left ? cell + pad : pad + cell)
            }
            var text = parts.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        var lines: [String] = []
        if let title { lines.append(title) }
        lines.append(line(cells[0]))
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in cells.dropFirst() { lines.append(line(row)) }
        lines.append(contentsOf: notes)
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 CSV: a header row, then the rows. Title and notes are left out.
    public func renderCSV() -> String {
        ([columns.map(\.header)] + rows).map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Width of the widest rendered line.
    public var renderedWidth: Int {
        renderText().split(separator: "\n").map(\.count).max() ?? 0
    }
}
