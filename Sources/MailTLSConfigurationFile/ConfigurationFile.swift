import Foundation
import MailTLSCore
import Yams

/// A mistake in a YAML configuration file: the file, the line and the key, and what would be right. Every command
/// that reads one (`relay`, `watch`) reports its mistakes this way: an unknown key (a typo would otherwise be ignored
/// silently), a wrong type, a bad value.
public struct ConfigurationFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    /// Where in the document: `upstreams[0].auth.mechanism`.
    public var key: String
    public var problem: String

    public init(file: String, line: Int?, key: String, problem: String) {
        self.file = file
        self.line = line
        self.key = key
        self.problem = problem
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(key.isEmpty ? "" : "\(key): ")\(problem)"
    }
}

/// Reads a YAML configuration file into typed values, one node at a time, each mistake with its line.
public enum ConfigurationFile {
    /// The most a configuration file may hold; ours are a few kilobytes, a large fleet's watch.yaml a few hundred.
    public static let maximumBytes = 4 << 20

    /// The file's root node. `missingHint` tells the user how to get a file when there is none.
    public static func load(path: String, missingHint: String) throws(ConfigurationFailure) -> ConfigurationNode {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let exists = FileManager.default.fileExists(atPath: path)
            throw ConfigurationFailure(file: path, line: nil, key: "",
                                       problem: exists ? "cannot be read (permissions?)" : "no such file (\(missingHint))")
        }
        guard data.count <= maximumBytes else {
            throw ConfigurationFailure(file: path, line: nil, key: "", problem: "larger than \(maximumBytes) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationFailure(file: path, line: nil, key: "", problem: "not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigurationFailure) -> ConfigurationNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            var line: Int?
            if let yamlError = error as? YamlError, case .scanner(_, _, let mark, _) = yamlError { line = mark.line }
            if let yamlError = error as? YamlError, case .parser(_, _, let mark, _) = yamlError { line = mark.line }
            throw ConfigurationFailure(file: file, line: line, key: "", problem: "not valid YAML")
        }
        guard let root else { throw ConfigurationFailure(file: file, line: nil, key: "", problem: "empty") }
        return ConfigurationNode(node: root, path: "", file: file)
    }
}

/// A node of a configuration file and where it is, for messages.
public struct ConfigurationNode {
    let node: Node
    /// Where in the document: `targets[2].ports`.
    public let path: String
    public let file: String

    public var line: Int? { node.mark.map { $0.line } }

    public func fail(_ problem: String) -> ConfigurationFailure {
        ConfigurationFailure(file: file, line: line, key: path, problem: problem)
    }

    /// The keys of a mapping; a key outside `allowed` is an error that lists the known ones.
    public func mapping(allowed: Set<String>) throws(ConfigurationFailure) -> [String: ConfigurationNode] {
        guard case .mapping(let mapping) = node else { throw fail("expected a mapping (key: value lines)") }
        var result: [String: ConfigurationNode] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw fail("a key that is not text") }
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw ConfigurationFailure(file: file, line: keyNode.mark.map { $0.line }, key: childPath,
                                           problem: "unknown key (known here: \(known))")
            }
            result[key] = ConfigurationNode(node: value, path: childPath, file: file)
        }
        return result
    }

    /// The keys of a mapping in file order.
    public func keys() throws(ConfigurationFailure) -> [String] {
        guard case .mapping(let mapping) = node else { throw fail("expected a mapping (key: value lines)") }
        var keys: [String] = []
        for (key, _) in mapping {
            guard let text = key.string else { throw fail("a key that is not text") }
            keys.append(text)
        }
        return keys
    }

    public func child(_ key: String) throws(ConfigurationFailure) -> ConfigurationNode {
        guard case .mapping(let mapping) = node, let value = mapping[key] else { throw fail("\(key): is missing") }
        return ConfigurationNode(node: value, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    public var isScalar: Bool {
        if case .scalar = node { return true }
        return false
    }

    public func sequence() throws(ConfigurationFailure) -> [ConfigurationNode] {
        guard case .sequence(let sequence) = node else { throw fail("expected a list") }
        return sequence.enumerated().map { ConfigurationNode(node: $1, path: "\(path)[\($0)]", file: file) }
    }

    public func string() throws(ConfigurationFailure) -> String {
        guard case .scalar(let scalar) = node else { throw fail("expected a single value") }
        return scalar.string
    }

    public func nonEmptyString() throws(ConfigurationFailure) -> String {
        let text = try string().trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw fail("must not be empty") }
        return text
    }

    /// One value or a list of them.
    public func strings() throws(ConfigurationFailure) -> [String] {
        if case .scalar = node { return [try nonEmptyString()] }
        var result: [String] = []
        for item in try sequence() { result.append(try item.nonEmptyString()) }
        return result
    }

    public func bool() throws(ConfigurationFailure) -> Bool {
        switch try string().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail("expected true or false")
        }
    }

    public func integer(in range: ClosedRange<Int>) throws(ConfigurationFailure) -> Int {
        guard let value = Int(try string()), range.contains(value) else {
            throw fail("expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `300`, `300s`, `5m`, `2h`, `5d`.
    public func seconds() throws(ConfigurationFailure) -> Double {
        let text = try string().trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]
        var multiplier = 1.0
        var number = Substring(text)
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            multiplier = factor
            number = text.dropLast(suffix.count)
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0, value * multiplier <= 365 * 86400 else {
            throw fail("expected a duration such as 300s, 5m, 2h or 5d")
        }
        return value * multiplier
    }

    /// `35M`, `35MB`, `512k`, `1G`, or bytes.
    public func bytes() throws(ConfigurationFailure) -> Int {
        var text = try string().trimmingCharacters(in: .whitespaces).uppercased()
        if text.hasSuffix("B") { text.removeLast() }
        var multiplier = 1
        if let last = text.last, let factor = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30][String(last)] {
            multiplier = factor
            text.removeLast()
        }
        guard let value = Int(text), value >= 0, value <= (1 << 40) / multiplier else {
            throw fail("expected a size such as 35M, 512K or 1G")
        }
        return value * multiplier
    }

    public func tlsVersion() throws(ConfigurationFailure) -> TLSVersion {
        guard let version = TLSVersion(userText: try string()) else {
            throw fail("expected a TLS version: 1.0, 1.1, 1.2 or 1.3")
        }
        return version
    }
}
