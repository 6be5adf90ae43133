import Foundation
import MailTLSCore

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads Thunderbird's autoconfig file (config-v1.1.xml), which comes from the network and may be hostile.
///
/// Only `clientConfig/emailProvider` and its `domain`, `displayName`, `displayShortName`, `incomingServer` and
/// `outgoingServer` children are read; everything else is ignored. A server that lacks a usable hostname, port,
/// socket type or authentication is left out and noted in `Parsed.skipped`; a server of a type mailtls does not
/// speak (exchange, jmap, ...) is left out silently.
/// - SeeAlso: https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat
public enum AutoconfigParser {
    /// Larger files are refused before parsing; real ones are a few KiB.
    public static let maximumBytes = 256 * 1024

    /// A parsed file: the provider's settings and a note for every server that was left out.
    public struct Parsed: Sendable, Equatable {
        public var config: ProviderConfig
        /// One line per server left out, saying which one and why.
        public var skipped: [String]

        public init(config: ProviderConfig, skipped: [String] = []) {
            self.config = config
            self.skipped = skipped
        }
    }

    /// Why a whole file was refused.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// More than `maximumBytes`.
        case tooLarge(byteCount: Int)
        /// A DOCTYPE can declare entities (external ones, or the "billion laughs"); autoconfig files never need one.
        case documentTypeDeclaration
        /// Not UTF-8 text (invalid sequences or NUL bytes, as in UTF-16): such bytes could hide a DOCTYPE from the
        /// check before parsing, and Foundation's XMLParser on Linux crashes on invalid UTF-8 in element names.
        case notUTF8
        /// The XML declaration names an encoding other than UTF-8, US-ASCII or ISO-8859-1 (UTF-7 could spell a
        /// DOCTYPE the check before parsing would not see).
        case unsupportedEncoding(declared: String)
        /// A processing instruction other than the leading XML declaration: autoconfig files never need one, and
        /// Foundation's XMLParser on Linux crashes on one without data (`<?x?>`; found by fuzzing).
        case processingInstruction
        /// Not well-formed XML.
        case malformedXML(line: Int, detail: String)
        /// The root element is not `clientConfig`.
        case notClientConfig(root: String)
        case missingEmailProvider
        /// `emailProvider` has no `id` and no `domain` to name it by.
        case missingProviderID

        public var description: String {
            switch self {
            case .tooLarge(let count):
                "autoconfig file too large: \(count) bytes (limit \(AutoconfigParser.maximumBytes))"
            case .documentTypeDeclaration: "autoconfig file has a DOCTYPE, which is refused (entity declarations)"
            case .notUTF8: "autoconfig file is not UTF-8 text"
            case .unsupportedEncoding(let name): "autoconfig file declares encoding \"\(name)\"; only UTF-8 is read"
            case .processingInstruction: "autoconfig file has a processing instruction, which is refused"
            case .malformedXML(let line, let detail): "autoconfig file is not well-formed XML (line \(line)): \(detail)"
            case .notClientConfig(let root): "autoconfig file has root element <\(root)>, not <clientConfig>"
            case .missingEmailProvider: "autoconfig file has no <emailProvider>"
            case .missingProviderID: "autoconfig file's <emailProvider> has neither an id nor a <domain>"
            }
        }
    }

    /// Parses one config-v1.1.xml document.
    public static func parse(_ bytes: [UInt8]) -> Result<Parsed, Problem> {
        guard bytes.count <= maximumBytes else { return .failure(.tooLarge(byteCount: bytes.count)) }
        guard !bytes.contains(0), isUTF8(bytes) else { return .failure(.notUTF8) }
        if let declared = declaredEncoding(bytes), !acceptedEncodings.contains(declared.lowercased()) {
            return .failure(.unsupportedEncoding(declared: String(declared.prefix(40))))
        }
        guard !containsDocumentType(bytes) else { return .failure(.documentTypeDeclaration) }
        guard !containsProcessingInstruction(bytes) else { return .failure(.processingInstruction) }

        let reader = AutoconfigDocumentReader()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.shouldReportNamespacePrefixes = false
        parser.delegate = reader
        // swift-corelibs-foundation's parse() can return true for a mismatched or unclosed tag, so the error and
        // the reader's open elements are checked as well.
        let finished = parser.parse()
        if reader.sawDeclaration { return .failure(.documentTypeDeclaration) }
        if let problem = reader.problem { return .failure(problem) }
        if !finished || parser.parserError != nil {
            let code = (parser.parserError as NSError?).map { " \($0.code)" } ?? ""
            return .failure(.malformedXML(line: parser.lineNumber,
                                          detail: "XML parser error\(code) at column \(parser.columnNumber)"))
        }
        guard reader.sawRoot else { return .failure(.malformedXML(line: parser.lineNumber, detail: "no root element")) }
        if let open = reader.openElement {
            return .failure(.malformedXML(line: parser.lineNumber, detail: "the document ends inside <\(open)>"))
        }
        guard let provider = reader.provider else { return .failure(.missingEmailProvider) }
        guard let id = provider.id ?? provider.domains.first else { return .failure(.missingProviderID) }

        var config = ProviderConfig(id: id, domains: provider.domains, displayName: provider.displayName,
                                    displayShortName: provider.displayShortName)
        var skipped: [String] = []
        for (index, server) in provider.servers.enumerated() {
            switch server.setting() {
            case .success(let setting):
                if server.isIncoming { config.incoming.append(setting) } else { config.outgoing.append(setting) }
            case .failure(.unknownType):
                continue
            case .failure(.unusable(let reason)):
                skipped.append("\(server.element) #\(index + 1) (type \"\(server.type ?? "")\"): \(reason)")
            }
        }
        return .success(Parsed(config: config, skipped: skipped))
    }

    /// `<?` anywhere but at the XML declaration at the very start (after an optional byte-order mark).
    static func containsProcessingInstruction(_ bytes: [UInt8]) -> Bool {
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let declaration = Array("<?xml".utf8)
        var allowed: Int?
        if bytes[start...].starts(with: declaration),
           let next = bytes.dropFirst(start + declaration.count).first,
           next == 0x20 || next == 0x09 || next == 0x0A || next == 0x0D {
            allowed = start
        }
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "<") && bytes[index + 1] == UInt8(ascii: "?") && index != allowed {
                return true
            }
            index += 1
        }
        return false
    }

    /// Encodings in which the ASCII DOCTYPE check sees what the XML parser will see.
    static let acceptedEncodings: Set<String> = ["utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin1"]

    static func isUTF8(_ bytes: [UInt8]) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// The `encoding` of the XML declaration (`<?xml version="1.0" encoding="..."?>`), if the document starts with one.
    static func declaredEncoding(_ bytes: [UInt8]) -> String? {
        var text = Substring(String(decoding: bytes.prefix(256), as: UTF8.self))
        if text.first == "\u{FEFF}" { text = text.dropFirst() }
        guard text.hasPrefix("<?xml"), let end = text.range(of: "?>") else { return nil }
        let declaration = text[..<end.lowerBound]
        guard let key = declaration.range(of: "encoding") else { return nil }
        let rest = declaration[key.upperBound...].drop { $0.isWhitespace || $0 == "=" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        return String(rest.dropFirst().prefix { $0 != quote })
    }

    /// Whether `<!DOCTYPE` appears anywhere (ASCII, any case). Checked on the bytes, before any XML parsing.
    static func containsDocumentType(_ bytes: [UInt8]) -> Bool {
        let needle = Array("<!DOCTYPE".utf8)
        guard bytes.count >= needle.count else { return false }
        for start in 0...(bytes.count - needle.count) where bytes[start] == UInt8(ascii: "<") {
            var matches = true
            for offset in 1..<needle.count where bytes[start + offset] & 0xDF != needle[offset] & 0xDF {
                matches = false
                break
            }
            if matches { return true }
        }
        return false
    }
}

/// One `incomingServer` or `outgoingServer` element as written, before validation.
struct AutoconfigServerElement {
    enum Rejection: Error {
        /// A type mailtls does not speak, or one that does not belong here: left out without a note.
        case unknownType
        case unusable(String)
    }

    var isIncoming: Bool
    var type: String?
    var hostname: String?
    var port: String?
    var socketType: String?
    var authentication: [String] = []
    var username: String?

    var element: String { isIncoming ? "incomingServer" : "outgoingServer" }

    /// Keeps the text of one child element: the first of each wins; `authentication` elements add up.
    mutating func record(_ child: String, _ value: String) {
        switch child {
        case "hostname": hostname = hostname ?? value
        case "port": port = port ?? value
        case "socketType": socketType = socketType ?? value
        case "authentication": authentication.append(value)
        case "username": username = username ?? value
        default: break
        }
    }

    /// The validated setting, or why it cannot be used.
    func setting() -> Result<ServerSetting, Rejection> {
        guard let type else { return .failure(.unusable("no type attribute")) }
        guard let kind = MailProtocol(rawValue: type.lowercased()) else { return .failure(.unknownType) }
        guard isIncoming == (kind != .smtp) else {
            return .failure(.unusable("type \"\(type)\" does not belong in \(element)"))
        }
        guard let hostname, !hostname.isEmpty else { return .failure(.unusable("no hostname")) }
        guard AutoconfigHostname.isValid(hostname) else {
            return .failure(.unusable("invalid hostname \"\(hostname.prefix(80))\""))
        }
        guard let port, !port.isEmpty else { return .failure(.unusable("no port")) }
        guard port.count <= 5, port.allSatisfy(\.isASCIIDigit), let number = Int(port), (1...65_535).contains(number)
        else { return .failure(.unusable("invalid port \"\(port.prefix(20))\"")) }
        guard let socketType, !socketType.isEmpty else { return .failure(.unusable("no socketType")) }
        guard let security = SecurityMode(autoconfigName: socketType)
        else { return .failure(.unusable("invalid socketType \"\(socketType.prefix(20))\"")) }
        var methods: [AuthenticationKind] = []
        for name in authentication {
            let known = AuthenticationKind.allCases.first { $0.rawValue.lowercased() == name.lowercased() }
            guard let method = known else { continue }  // Unknown methods are ignored, as Thunderbird does.
            if !methods.contains(method) { methods.append(method) }
        }
        guard !methods.isEmpty else { return .failure(.unusable("no authentication method mailtls knows")) }
        return .success(ServerSetting(kind: kind, hostname: hostname, port: number, socketType: security,
                                      authentication: methods, username: username ?? ""))
    }
}

/// What `emailProvider` holds, as read.
struct AutoconfigProviderElement {
    var id: String?
    var domains: [String] = []
    var displayName: String?
    var displayShortName: String?
    var servers: [AutoconfigServerElement] = []
}

/// The XMLParser delegate: follows the element path and collects the text of the elements autoconfig defines.
final class AutoconfigDocumentReader: NSObject, XMLParserDelegate {
    private(set) var provider: AutoconfigProviderElement?
    private(set) var problem: AutoconfigParser.Problem?
    private(set) var sawRoot = false
    /// Set when the parser reports any DTD declaration; the byte scan should already have refused the document.
    private(set) var sawDeclaration = false

    private var path: [String] = []
    /// The innermost element not closed yet; after parsing, non-nil means the document was cut short.
    var openElement: String? { path.last.map { String($0.prefix(80)) } }
    private var server: AutoconfigServerElement?
    private var text = ""
    /// Only the first `emailProvider` is read, as Thunderbird does.
    private var providerDone = false

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        if path.isEmpty {
            sawRoot = true
            guard elementName == "clientConfig" else {
                problem = .notClientConfig(root: String(elementName.prefix(80)))
                parser.abortParsing()
                return
            }
        }
        path.append(elementName)
        text = ""
        switch (path.count, elementName) {
        case (2, "emailProvider") where provider == nil && !providerDone:
            provider = AutoconfigProviderElement(id: attributeDict["id"].map(Self.trimmed).flatMap(Self.nonEmpty))
        case (3, "incomingServer"), (3, "outgoingServer"):
            guard isInFirstProvider else { return }
            server = AutoconfigServerElement(isIncoming: elementName == "incomingServer",
                                             type: attributeDict["type"].map(Self.trimmed))
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?) {
        let value = Self.trimmed(text)
        text = ""
        // The value is taken out while it changes, so appends do not copy its arrays.
        if isInFirstProvider, var provider = self.provider {
            self.provider = nil
            switch (path.count, elementName) {
            case (2, "emailProvider"):
                providerDone = true
            case (3, "domain"):
                if !value.isEmpty { provider.domains.append(value) }
            case (3, "displayName"):
                provider.displayName = provider.displayName ?? Self.nonEmpty(value)
            case (3, "displayShortName"):
                provider.displayShortName = provider.displayShortName ?? Self.nonEmpty(value)
            case (3, "incomingServer"), (3, "outgoingServer"):
                if let server { provider.servers.append(server) }
                server = nil
            case (4, _):
                if var server = self.server {
                    self.server = nil
                    server.record(elementName, value)
                    self.server = server
                }
            default:
                break
            }
            self.provider = provider
        }
        if !path.isEmpty { path.removeLast() }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        text += String(decoding: CDATABlock, as: UTF8.self)
    }

    func parser(_ parser: XMLParser, foundElementDeclarationWithName elementName: String, model: String) {
        refuseDeclaration(parser)
    }

    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
        refuseDeclaration(parser)
    }

    func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?,
                systemID: String?) {
        refuseDeclaration(parser)
    }

    func parser(_ parser: XMLParser, foundUnparsedEntityDeclarationWithName name: String, publicID: String?,
                systemID: String?, notationName: String?) {
        refuseDeclaration(parser)
    }

    func parser(_ parser: XMLParser, foundNotationDeclarationWithName name: String, publicID: String?,
                systemID: String?) {
        refuseDeclaration(parser)
    }

    /// Nothing is ever loaded (libxml2 also asks here about an undeclared entity, which then fails as malformed).
    func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
        nil
    }

    private func refuseDeclaration(_ parser: XMLParser) {
        sawDeclaration = true
        parser.abortParsing()
    }

    /// Inside `clientConfig/emailProvider` (the first one), at any depth.
    private var isInFirstProvider: Bool {
        path.count >= 2 && path[1] == "emailProvider" && provider != nil && !providerDone
    }

    /// Every value and attribute the file holds passes here: trimmed, and escaped (see `PeerText`), since a published
    /// file is a peer's text and its values end up on the terminal.
    private static func trimmed(_ value: String) -> String {
        value.trimmingCharacters(in: .whitespacesAndNewlines).peerSafe
    }

    private static func nonEmpty(_ value: String) -> String? {
        value.isEmpty ? nil : value
    }
}

/// Hostnames as autoconfig files write them: DNS names (possibly with `%EMAILDOMAIN%`-style placeholders),
/// IPv4 addresses, or IPv6 addresses.
enum AutoconfigHostname {
    static let placeholders = ["%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%"]

    static func isValid(_ hostname: String) -> Bool {
        guard hostname.utf8.count <= 253 else { return false }
        if hostname.contains(":") {
            let address = hostname.hasPrefix("[") && hostname.hasSuffix("]")
                ? String(hostname.dropFirst().dropLast()) : hostname
            return address.count >= 2 && address.allSatisfy { ($0.isASCII && $0.isHexDigit) || $0 == ":" || $0 == "." }
        }
        var name = hostname
        for placeholder in placeholders { name = name.replacingOccurrences(of: placeholder, with: "placeholder") }
        if name.hasSuffix(".") { name.removeLast() }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty && labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCIILetterOrDigit || $0 == "-" || $0 == "_" }
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
    fileprivate var isASCIILetterOrDigit: Bool { isASCII && (isLetter || isNumber) }
}
