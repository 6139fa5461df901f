import Yams

/// Shared state of one strict decode: the mapping keys each keyed container saw and which the decoded type
/// asked for, so that keys nobody asked for can be reported once decoding is done.
final class DecodingLedger {
    struct Entry {
        let path: [String]
        let mark: Mark?
        let keys: [(key: String, mark: Mark?)]
        var requested: Set<String> = []
    }

    var entries: [Entry] = []

    func register(path: [String], mark: Mark?, keys: [(key: String, mark: Mark?)]) -> Int {
        entries.append(Entry(path: path, mark: mark, keys: keys))
        return entries.count - 1
    }

    func request(_ key: String, in entry: Int) {
        entries[entry].requested.insert(key)
    }
}

/// A `Decoder` over a Yams node tree. YAML and JSON both arrive here (JSON is YAML).
struct NodeDecoder: Decoder {
    let node: Node
    let codingPath: [any CodingKey]
    let ledger: DecodingLedger
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case let .mapping(mapping) = node else {
            throw mismatch(Key.self, expected: "a mapping of fields (key: value)")
        }
        // Dictionaries keep their keys as written; the fields of a type are matched in camelCase. A
        // dictionary's key type takes any text, a type's coding keys only its own fields' names (asking is
        // much cheaper than reflecting on the key type's name, which dominated loading the catalogs).
        let convertsKeys = Key(stringValue: "\u{0}any key") == nil
        var pairs: [(key: String, node: Node)] = []
        var fileKeys: [(key: String, mark: Mark?)] = []
        for (keyNode, valueNode) in mapping {
            guard case let .scalar(scalar) = keyNode else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "keys must be plain names"))
            }
            pairs.append((convertsKeys ? KeyStyle.camel(fromSnake: scalar.string) : scalar.string, valueNode))
            fileKeys.append((scalar.string, keyNode.mark))
        }
        let entry = ledger.register(path: KeyPath.keys(codingPath), mark: node.mark, keys: fileKeys)
        return KeyedDecodingContainer(NodeKeyedContainer<Key>(
            pairs: pairs, codingPath: codingPath, ledger: ledger, entry: entry))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case let .sequence(sequence) = node else {
            throw mismatch([Any].self, expected: "a list")
        }
        return NodeUnkeyedContainer(elements: Array(sequence), codingPath: codingPath, ledger: ledger)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        NodeSingleValueContainer(node: node, codingPath: codingPath, ledger: ledger)
    }

    func mismatch(_ type: Any.Type, expected: String) -> DecodingError {
        DecodingError.typeMismatch(type, .init(
            codingPath: codingPath, debugDescription: "expected \(expected), found \(NodeDecoder.describe(node))"))
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case let .scalar(scalar): return scalar.string.isEmpty ? "nothing" : "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

struct IndexKey: CodingKey {
    let intValue: Int?
    let stringValue: String
    init(_ index: Int) { intValue = index; stringValue = String(index) }
    init?(intValue: Int) { self.init(intValue) }
    init?(stringValue: String) { return nil }
}

struct NodeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let pairs: [(key: String, node: Node)]
    let codingPath: [any CodingKey]
    let ledger: DecodingLedger
    let entry: Int

    var allKeys: [Key] { pairs.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool {
        ledger.request(key.stringValue, in: entry)
        return pairs.contains { $0.key == key.stringValue }
    }

    private func child(_ key: Key) throws -> NodeDecoder {
        ledger.request(key.stringValue, in: entry)
        guard let pair = pairs.first(where: { $0.key == key.stringValue }) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing field '\(key.stringValue)'"))
        }
        return NodeDecoder(node: pair.node, codingPath: codingPath + [key], ledger: ledger)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        ledger.request(key.stringValue, in: entry)
        guard let pair = pairs.first(where: { $0.key == key.stringValue }) else { return true }
        return NodeSingleValueContainer.isNull(pair.node)
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let decoder = try child(key)
        return try NodeSingleValueContainer(node: decoder.node, codingPath: decoder.codingPath, ledger: ledger).decode(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        NodeDecoder(node: .mapping(Node.Mapping(pairs.map { (Node($0.key), $0.node) })), codingPath: codingPath, ledger: ledger)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

struct NodeUnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [Node]
    let codingPath: [any CodingKey]
    let ledger: DecodingLedger
    var currentIndex = 0

    init(elements: [Node], codingPath: [any CodingKey], ledger: DecodingLedger) {
        self.elements = elements
        self.codingPath = codingPath
        self.ledger = ledger
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> NodeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "the list is too short"))
        }
        defer { currentIndex += 1 }
        return NodeDecoder(node: elements[currentIndex], codingPath: codingPath + [IndexKey(currentIndex)], ledger: ledger)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if NodeSingleValueContainer.isNull(elements[currentIndex]) {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = try next()
        return try NodeSingleValueContainer(node: decoder.node, codingPath: decoder.codingPath, ledger: ledger).decode(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try next() }
}

struct NodeSingleValueContainer: SingleValueDecodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    let ledger: DecodingLedger

    static func isNull(_ node: Node) -> Bool {
        guard case let .scalar(scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    func decodeNil() -> Bool { Self.isNull(node) }

    private func scalarText(_ type: Any.Type, expected: String) throws -> String {
        guard case let .scalar(scalar) = node, !Self.isNull(node) else {
            throw DecodingError.typeMismatch(type, .init(
                codingPath: codingPath, debugDescription: "expected \(expected), found \(NodeDecoder.describe(node))"))
        }
        return scalar.string
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        let text = try scalarText(type, expected: "true or false")
        switch text {
        case "true", "True", "TRUE", "yes": return true
        case "false", "False", "FALSE", "no": return false
        default:
            throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected true or false, found '\(text)'"))
        }
    }

    func decode(_ type: String.Type) throws -> String {
        try scalarText(type, expected: "text")
    }

    func decode(_ type: Double.Type) throws -> Double {
        let text = try scalarText(type, expected: "a number")
        guard let value = Double(text.replacingOccurrences(of: "_", with: "")), value.isFinite else {
            throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected a number, found '\(text)'"))
        }
        return value
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    func decode(_ type: Int.Type) throws -> Int {
        let text = try scalarText(type, expected: "a whole number")
        let cleaned = text.replacingOccurrences(of: "_", with: "")
        if let value = Int(cleaned) { return value }
        // JSON writers sometimes emit 4096.0 for integers; accept exact whole numbers.
        if let value = Double(cleaned), value == value.rounded(), abs(value) < 9e15 { return Int(value) }
        throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected a whole number, found '\(text)'"))
    }

    func decode(_ type: Int8.Type) throws -> Int8 { try narrow(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try narrow(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try narrow(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try narrow(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try narrow(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try narrow(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try narrow(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try narrow(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try narrow(type) }

    private func narrow<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let value = try decode(Int.self)
        guard let narrowed = T(exactly: value) else {
            throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "\(value) is out of range"))
        }
        return narrowed
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is Bool.Type: return try decode(Bool.self) as! T
        case is String.Type: return try decode(String.self) as! T
        case is Double.Type: return try decode(Double.self) as! T
        case is Int.Type: return try decode(Int.self) as! T
        default: return try T(from: NodeDecoder(node: node, codingPath: codingPath, ledger: ledger))
        }
    }
}
