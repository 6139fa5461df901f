/// A String-backed enum read from description files: a value it does not know is refused with the list of
/// the values it does.
public protocol ListedChoice: CaseIterable, RawRepresentable, Decodable where RawValue == String {}

extension ListedChoice {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(rawValue: text) else {
            let known = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not one of: \(known)")
        }
        self = value
    }
}
