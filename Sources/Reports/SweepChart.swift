import CostModel
import Foundation
import Units

/// `predict --html`: the throughput-latency curve of one layout as an HTML page with an SVG chart (tokens/s per
/// chip against TPOT in decode, against the batch time in prefill; each point labelled with its batch, the best
/// one marked, a TPOT target drawn), followed by the sweep's table. Self-contained: no script, no external file.
public struct SweepChart: Sendable {
    public let report: PredictionSweepReport

    public init(report: PredictionSweepReport) {
        self.report = report
    }

    struct Point {
        var batch: Int
        var latency: Double
        var rate: Double
        var best: Bool
    }

    var points: [Point] {
        let best = report.best
        return report.points.enumerated().compactMap { index, point in
            guard let prediction = try? point.outcome.get() else { return nil }
            let latency = (report.isDecode ? prediction.timePerOutputToken ?? prediction.stepTime : prediction.stepTime).milliseconds
            return Point(batch: point.batch, latency: latency, rate: prediction.tokensPerSecondPerChip, best: index == best)
        }
    }

    /// A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least `value`.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let power = pow(10, (log10(value)).rounded(.down))
        return [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= value } ?? 10 * power
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func number(_ value: Double) -> String { NumberText.fixed(value, decimals: 1) }

    /// The chart alone.
    public func svg() -> String {
        let width = 720.0, height = 440.0, left = 70.0, right = 20.0, top = 20.0, bottom = 50.0
        let points = self.points
        let xMax = Self.niceCeiling(max(points.map(\.latency).max() ?? 1, report.tpotLimit?.milliseconds ?? 0) * 1.05)
        let yMax = Self.niceCeiling((points.map(\.rate).max() ?? 1) * 1.05)
        func x(_ value: Double) -> Double { left + value / xMax * (width - left - right) }
        func y(_ value: Double) -> Double { height - bottom - value / yMax * (height - top - bottom) }
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">"]
        // Axes with five ticks each.
        svg.append("<line x1=\"\(Self.number(left))\" y1=\"\(Self.number(y(0)))\" x2=\"\(Self.number(x(xMax)))\" y2=\"\(Self.number(y(0)))\" stroke=\"black\"/>")
        svg.append("<line x1=\"\(Self.number(left))\" y1=\"\(Self.number(y(0)))\" x2=\"\(Self.number(left))\" y2=\"\(Self.number(y(yMax)))\" stroke=\"black\"/>")
        for step in 0...5 {
            let xv = xMax * Double(step) / 5, yv = yMax * Double(step) / 5
            svg.append("<text x=\"\(Self.number(x(xv)))\" y=\"\(Self.number(y(0) + 18))\" text-anchor=\"middle\">\(NumberText.shortest(JSONOutput.rounded(xv, digits: 4)))</text>")
            svg.append("<text x=\"\(Self.number(left - 8))\" y=\"\(Self.number(y(yv) + 4))\" text-anchor=\"end\">\(NumberText.grouped(yv, decimals: 0))</text>")
            svg.append("<line x1=\"\(Self.number(left))\" y1=\"\(Self.number(y(yv)))\" x2=\"\(Self.number(x(xMax)))\" y2=\"\(Self.number(y(yv)))\" stroke=\"#ddd\"/>")
        }
        let xLabel = report.isDecode ? "TPOT (ms)" : "batch time (ms)"
        svg.append("<text x=\"\(Self.number((left + width - right) / 2))\" y=\"\(Self.number(height - 10))\" text-anchor=\"middle\">\(xLabel)</text>")
        svg.append("<text transform=\"translate(16 \(Self.number((top + height - bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">tokens/s per chip</text>")
        if let limit = report.tpotLimit {
            let lx = Self.number(x(limit.milliseconds))
            svg.append("<line x1=\"\(lx)\" y1=\"\(Self.number(y(0)))\" x2=\"\(lx)\" y2=\"\(Self.number(y(yMax)))\" stroke=\"#c00\" stroke-dasharray=\"6 4\"/>")
            svg.append("<text x=\"\(Self.number(x(limit.milliseconds) + 6))\" y=\"\(Self.number(top + 12))\" fill=\"#c00\" text-anchor=\"start\">TPOT target \(NumberText.shortest(limit.milliseconds)) ms</text>")
        }
        if points.count > 1 {
            let path = points.map { "\(Self.number(x($0.latency))),\(Self.number(y($0.rate)))" }.joined(separator: " ")
            svg.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"#36c\" stroke-width=\"2\"/>")
        }
        for point in points {
            let cx = Self.number(x(point.latency)), cy = Self.number(y(point.rate))
            svg.append("<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"\(point.best ? 6 : 4)\" fill=\"\(point.best ? "#c60" : "#36c")\"><title>batch \(point.batch): \(Self.number(point.latency)) ms, \(NumberText.grouped(point.rate, decimals: 0)) tokens/s per chip</title></circle>")
            svg.append("<text x=\"\(cx)\" y=\"\(Self.number(y(point.rate) - 9))\" text-anchor=\"middle\">\(point.batch)\(point.best ? " (best)" : "")</text>")
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n")
    }

    /// The page: a heading, the chart, the sweep's table as text.
    public func html() -> String {
        let table = report.table()
        let title = Self.escape(table.title ?? "supernode predict")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>\(title)</title></head>
            <body>
            <h1 style="font-family: sans-serif; font-size: 16px">\(title)</h1>
            \(svg())
            <pre>\(Self.escape(table.renderText()))</pre>
            </body>
            </html>

            """
    }
}
