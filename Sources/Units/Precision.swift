import Foundation

/// A number format that weights, activations or a chip's arithmetic use.
public enum Precision: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case fp32, tf32, bf16, fp16, fp8, int8, fp4, int4

    /// Storage size of one element.
    public var bytesPerElement: Double {
        switch self {
        case .fp32, .tf32: 4
        case .bf16, .fp16: 2
        case .fp8, .int8: 1
        case .fp4, .int4: 0.5
        }
    }

    /// Storage size of one weight with its share of the quantisation scales: INT4 weights carry a 2-byte
    /// scale per group of 128 (AWQ's and GPTQ's default group size), NVFP4 a 1-byte scale per 16; FP8 and
    /// INT8 scales (per channel or per 128 x 128 block) are too few to count.
    public var weightBytesPerElement: Double {
        switch self {
        case .int4: bytesPerElement + 2.0 / 128
        case .fp4: bytesPerElement + 1.0 / 16
        default: bytesPerElement
        }
    }

    /// Whether the format is an integer format (rates are then quoted in OPS rather than FLOPS).
    public var isInteger: Bool { self == .int8 || self == .int4 }

    public var description: String { rawValue }

    /// Reads a precision name with ``parse(_:)``, so files accept the same spellings as the command line.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Precision.parse(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
        }
    }

    /// Parses a precision name, accepting common spellings ("bfloat16", "float8_e4m3", "w8a8").
    /// - Throws: ``PrecisionParseError`` listing the known names.
    public static func parse(_ text: String) throws -> Precision {
        let key = text.lowercased().replacingOccurrences(of: "_", with: "").replacingOccurrences(of: "-", with: "")
        if let precision = Precision(rawValue: key) { return precision }
        switch key {
        case "float32", "float": return .fp32
        case "bfloat16": return .bf16
        case "float16", "half": return .fp16
        case "float8", "float8e4m3", "fp8e4m3", "e4m3", "float8e5m2", "fp8e5m2": return .fp8
        case "w8a8": return .int8
        case "uint4", "w4a4": return .int4
        case "float4", "nvfp4", "mxfp4": return .fp4
        default: throw PrecisionParseError(text: text)
        }
    }
}

/// An unknown precision name.
public struct PrecisionParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public var description: String {
        "Unknown precision '\(text)'. Known precisions: \(Precision.allCases.map(\.rawValue).joined(separator: ", "))"
    }
}
