import Foundation

/// A titled table of text cells, rendered as aligned text or CSV. Reports build tables; commands print them.
public struct Table: Sendable, Hashable {
    public struct Column: Sendable, Hashable {
        public var header: String
        public var alignment: Alignment
        /// Wrap cells wider than this many characters onto further lines (at spaces where possible).
        public var wrapWidth: Int?
        public init(_ header: String, _ alignment: Alignment = .right, wrap wrapWidth: Int? = nil) {
            self.header = header
            self.alignment = alignment
            self.wrapWidth = wrapWidth
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

    /// Aligned text. Columns are separated by two spaces; a cell wider than `maxCellWidth` is cut with "…",
    /// or wrapped when its column has a wrap width. A table whose headers are all empty prints no header.
    /// The title and notes wrap at `lineWidth`.
    public func renderText(maxCellWidth: Int = 60, lineWidth: Int = 100) -> String {
        let hasHeader = columns.contains { !$0.header.isEmpty }
        var cells: [[String]] = hasHeader ? [columns.map(\.header)] : []
        for row in rows {
            let pieces = row.enumerated().map { index, cell -> [String] in
                if let width = columns[index].wrapWidth { return Self.wrap(cell, width: width) }
                return [cell.count > maxCellWidth ? String(cell.prefix(maxCellWidth - 1)) + "…" : cell]
            }
            let height = pieces.map(\.count).max() ?? 1
            for line in 0..<height {
                cells.append(pieces.map { line < $0.count ? $0[line] : "" })
            }
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
        if let title { lines.append(contentsOf: Self.wrap(title, width: lineWidth)) }
        if hasHeader {
            lines.append(line(cells[0]))
            lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        }
        for row in cells.dropFirst(hasHeader ? 1 : 0) { lines.append(line(row)) }
        for note in notes { lines.append(contentsOf: Self.wrap(note, width: lineWidth)) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 CSV: a header row, then the rows. Title and notes are left out.
    public func renderCSV() -> String {
        ([columns.map(\.header)] + rows).map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// Splits `text` into lines of at most `width` characters, breaking at spaces where it can.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard text.count > width, width > 0 else { return [text] }
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            var word = String(word)
            while word.count > width {
                if !current.isEmpty { lines.append(current); current = "" }
                lines.append(String(word.prefix(width)))
                word = String(word.dropFirst(width))
            }
            if current.isEmpty {
                current = word
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = word
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
