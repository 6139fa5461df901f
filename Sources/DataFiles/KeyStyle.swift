/// File keys are snake_case (`ports_per_chip`); Swift properties are camelCase (`portsPerChip`).
/// The decoder converts at the boundary, as `JSONDecoder.KeyDecodingStrategy.convertFromSnakeCase` does,
/// and messages show keys as the file spells them.
public enum KeyStyle {
    /// `ports_per_chip` -> `portsPerChip`; leading and trailing underscores are kept (`_name_or_path` -> `_nameOrPath`).
    public static func camel(fromSnake key: String) -> String {
        guard key.contains("_") else { return key }
        let leading = key.prefix { $0 == "_" }
        let trailing = String(key.reversed().prefix { $0 == "_" })
        let core = key.dropFirst(leading.count).dropLast(trailing.count)
        guard !core.isEmpty else { return key }
        let words = core.split(separator: "_", omittingEmptySubsequences: true)
        guard let first = words.first else { return key }
        let rest = words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }
        return String(leading) + String(first) + rest.joined() + trailing
    }

    /// `portsPerChip` -> `ports_per_chip`.
    public static func snake(fromCamel key: String) -> String {
        var result = ""
        for character in key {
            if character.isUppercase {
                if !result.isEmpty && !result.hasSuffix("_") { result.append("_") }
                result.append(contentsOf: character.lowercased())
            } else {
                result.append(character)
            }
        }
        return result
    }
}
