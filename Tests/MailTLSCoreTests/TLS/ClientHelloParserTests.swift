import TestSupport
import Testing

@testable import MailTLSCore

/// Builds ClientHellos by hand, following RFC 8446 section 4.1.2 and RFC 5246 appendix E.2.
enum ClientHelloFixture {
    static func u16(_ value: Int) -> [UInt8] { [UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }

    static func ext(_ type: UInt16, _ data: [UInt8] = []) -> [UInt8] { u16(Int(type)) + u16(data.count) + data }

    static func serverName(_ host: String) -> [UInt8] {
        let entry: [UInt8] = [0] + u16(host.utf8.count) + Array(host.utf8)
        return ext(0, u16(entry.count) + entry)
    }

    static func alpn(_ protocols: [String]) -> [UInt8] {
        let list = protocols.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
        return ext(16, u16(list.count) + list)
    }

    /// supported_groups (10) or signature_algorithms (13): a 2-byte-length list of 2-byte codes.
    static func codeList(_ type: UInt16, _ codes: [UInt16]) -> [UInt8] {
        let list = codes.flatMap { u16(Int($0)) }
        return ext(type, u16(list.count) + list)
    }

    static func supportedVersions(_ versions: [UInt16]) -> [UInt8] {
        let list = versions.flatMap { u16(Int($0)) }
        return ext(43, [UInt8(list.count)] + list)
    }

    /// A ClientHello handshake message (type 1, 3-byte length). `extensions: nil` leaves the block out entirely.
    static func handshake(legacyVersion: UInt16, sessionIDLength: Int = 0, cipherSuites: [UInt16],
                          compression: [UInt8] = [0], extensions: [[UInt8]]?) -> [UInt8] {
        var body = u16(Int(legacyVersion)) + [UInt8](repeating: 0x5A, count: 32)
        body += [UInt8(sessionIDLength)] + [UInt8](repeating: 0x33, count: sessionIDLength)
        body += u16(cipherSuites.count * 2) + cipherSuites.flatMap { u16(Int($0)) }
        body += [UInt8(compression.count)] + compression
        if let extensions {
            let block = extensions.flatMap { $0 }
            body += u16(block.count) + block
        }
        return [1, UInt8(body.count >> 16), UInt8((body.count >> 8) & 0xFF), UInt8(body.count & 0xFF)] + body
    }

    /// Wraps a handshake message into TLS handshake records, cutting it at the given offsets.
    static func records(_ handshake: [UInt8], version: UInt16 = 0x0301, cuts: [Int] = []) -> [UInt8] {
        var result: [UInt8] = []
        var start = 0
        for end in cuts + [handshake.count] where end > start {
            let fragment = Array(handshake[start..<end])
            result += [22] + u16(Int(version)) + u16(fragment.count) + fragment
            start = end
        }
        return result
    }

    static func record(_ handshake: [UInt8], version: UInt16 = 0x0301) -> [UInt8] {
        records(handshake, version: version)
    }

    /// A modern browser-like TLS 1.3 ClientHello with GREASE in suites, extensions, groups and versions.
    static let tls13WithGREASE: [UInt8] = record(handshake(
        legacyVersion: 0x0303, sessionIDLength: 32,
        cipherSuites: [0x1A1A, 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013,
                       0x009C, 0x002F],
        extensions: [
            ext(0x2A2A),
            serverName("imap.example.test"),
            ext(23),
            ext(0xFF01, [0]),
            codeList(10, [0x4A4A, 0x11EC, 0x001D, 0x0017, 0x0018]),
            ext(11, [1, 0]),
            alpn(["imap", "h2"]),
            codeList(13, [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0807]),
            ext(51, u16(2 + 2 + 1 + 2 + 2 + 32) + [0x4A, 0x4A, 0x00, 0x01, 0x00] + [0x00, 0x1D] + u16(32)
                + [UInt8](repeating: 0x77, count: 32)),
            ext(45, [1, 1]),
            supportedVersions([0x6A6A, 0x0304, 0x0303]),
            ext(27, [2, 0, 2]),
            ext(0x3A3A, [0]),
        ]))

    /// A TLS 1.2-only client: no supported_versions, legacy_version 0x0303.
    static let tls12Only: [UInt8] = record(handshake(
        legacyVersion: 0x0303,
        cipherSuites: [0xC02F, 0xC030, 0x009E, 0x0033, 0x0039, 0x002F, 0x00FF],
        extensions: [
            serverName("smtp.example.test"),
            codeList(10, [0x001D, 0x0017, 0x0018]),
            ext(11, [1, 0]),
            codeList(13, [0x0401, 0x0403, 0x0201, 0x0203]),
        ]))

    /// An old TLS 1.0 stack (OpenSSL 0.9.8 era): no extensions block at all, DEFLATE offered, RC4 and 3DES.
    static let tls10Old: [UInt8] = record(handshake(
        legacyVersion: 0x0301,
        cipherSuites: [0x0039, 0x0038, 0x0035, 0x0016, 0x0013, 0x000A, 0x0033, 0x0032, 0x002F, 0x0005, 0x0004,
                       0x00FF],
        compression: [1, 0],
        extensions: nil))

    /// A TLS 1.1 client retrying after a failed handshake: TLS_FALLBACK_SCSV (RFC 7507).
    static let tls11Fallback: [UInt8] = record(handshake(
        legacyVersion: 0x0302, cipherSuites: [0xC013, 0x002F, 0x5600], extensions: [serverName("mx.example.test")]))

    /// An SSL 2.0 compatible ClientHello from a client that can do TLS 1.0 (RFC 5246 appendix E.2).
    static func sslv2Hello(version: UInt16 = 0x0301, specs: [UInt32] = [0x01_0080, 0x07_00C0, 0x00_0035, 0x00_002F,
                                                                        0x00_000A, 0x00_00FF]) -> [UInt8] {
        var body: [UInt8] = [1] + u16(Int(version)) + u16(specs.count * 3) + u16(0) + u16(16)
        body += specs.flatMap { [UInt8($0 >> 16), UInt8(($0 >> 8) & 0xFF), UInt8($0 & 0xFF)] }
        body += [UInt8](repeating: 0xC4, count: 16)
        return [0x80 | UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
    }

    // Real ClientHellos, recorded on loopback (OpenSSL 3.0.19, Python 3 ssl on the same OpenSSL) by a listener
    // that kept the first bytes it received.

    /// `openssl s_client -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -servername mail.example.test`
    static let opensslTLS12: [UInt8] = [
        0x16, 0x03, 0x01, 0x00, 0x9D, 0x01, 0x00, 0x00, 0x99, 0x03, 0x03, 0xC3, 0xDB, 0x44, 0xE8, 0x9D,
        0xF0, 0xAC, 0x44, 0xFE, 0x44, 0x36, 0x1B, 0x1B, 0x89, 0x26, 0xC9, 0xE7, 0xF1, 0xA7, 0x79, 0x52,
        0x88, 0x38, 0x9E, 0xCD, 0x0D, 0x49, 0x13, 0x8E, 0x60, 0x87, 0xFA, 0x00, 0x00, 0x04, 0xC0, 0x2F,
        0x00, 0xFF, 0x01, 0x00, 0x00, 0x6C, 0x00, 0x00, 0x00, 0x16, 0x00, 0x14, 0x00, 0x00, 0x11, 0x6D,
        0x61, 0x69, 0x6C, 0x2E, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, 0x2E, 0x74, 0x65, 0x73, 0x74,
        0x00, 0x0B, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0A, 0x00, 0x0C, 0x00, 0x0A, 0x00, 0x1D,
        0x00, 0x17, 0x00, 0x1E, 0x00, 0x19, 0x00, 0x18, 0x00, 0x23, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00,
        0x00, 0x17, 0x00, 0x00, 0x00, 0x0D, 0x00, 0x2A, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03,
        0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0A, 0x08, 0x0B, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06,
        0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05, 0x02,
        0x06, 0x02,
    ]

    /// `openssl s_client -tls1_3 -servername mail.example.test -alpn smtp,imap`
    static let opensslTLS13: [UInt8] = [
        0x16, 0x03, 0x01, 0x01, 0x06, 0x01, 0x00, 0x01, 0x02, 0x03, 0x03, 0xBF, 0x37, 0x41, 0x44, 0x92,
        0x8E, 0x5B, 0x47, 0x0A, 0x83, 0xEE, 0x00, 0xDE, 0x49, 0x2D, 0x7F, 0x24, 0x68, 0xB9, 0xA6, 0xC3,
        0xC7, 0x52, 0x33, 0x13, 0xC8, 0x16, 0x67, 0xF2, 0x3A, 0x1F, 0xDD, 0x20, 0xFA, 0x59, 0xB0, 0xBB,
        0xE6, 0xCB, 0xB3, 0xE2, 0x27, 0x1A, 0x53, 0x66, 0x31, 0x15, 0xE5, 0x97, 0x15, 0x34, 0x57, 0x18,
        0x35, 0xA6, 0xFB, 0x65, 0xCB, 0xED, 0xCC, 0x27, 0x6B, 0x25, 0x42, 0xCF, 0x00, 0x08, 0x13, 0x02,
        0x13, 0x03, 0x13, 0x01, 0x00, 0xFF, 0x01, 0x00, 0x00, 0xB1, 0x00, 0x00, 0x00, 0x16, 0x00, 0x14,
        0x00, 0x00, 0x11, 0x6D, 0x61, 0x69, 0x6C, 0x2E, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, 0x2E,
        0x74, 0x65, 0x73, 0x74, 0x00, 0x0B, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0A, 0x00, 0x16,
        0x00, 0x14, 0x00, 0x1D, 0x00, 0x17, 0x00, 0x1E, 0x00, 0x19, 0x00, 0x18, 0x01, 0x00, 0x01, 0x01,
        0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23, 0x00, 0x00, 0x00, 0x10, 0x00, 0x0C, 0x00, 0x0A,
        0x04, 0x73, 0x6D, 0x74, 0x70, 0x04, 0x69, 0x6D, 0x61, 0x70, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17,
        0x00, 0x00, 0x00, 0x0D, 0x00, 0x1E, 0x00, 0x1C, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07,
        0x08, 0x08, 0x08, 0x09, 0x08, 0x0A, 0x08, 0x0B, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01,
        0x05, 0x01, 0x06, 0x01, 0x00, 0x2B, 0x00, 0x03, 0x02, 0x03, 0x04, 0x00, 0x2D, 0x00, 0x02, 0x01,
        0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1D, 0x00, 0x20, 0x65, 0x5B, 0x7D, 0x14, 0xD9,
        0xB8, 0x18, 0x3C, 0x4B, 0xAC, 0x22, 0x11, 0x1A, 0xD8, 0x49, 0x6C, 0x95, 0x64, 0x2F, 0xB0, 0x18,
        0xA4, 0x19, 0xCE, 0xB6, 0x19, 0xA9, 0x40, 0x8B, 0x6F, 0x69, 0x7D,
    ]

    /// Python `ssl.create_default_context()`, `set_alpn_protocols(["imap"])`, `server_hostname="imap.example.test"`
    static let pythonDefault: [UInt8] = [
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03, 0x49, 0xF3, 0x08, 0xB7, 0x52,
        0xB0, 0xD7, 0xB9, 0xCF, 0x55, 0xA3, 0x97, 0x62, 0x66, 0xF4, 0x33, 0x4F, 0xAD, 0x39, 0x50, 0x53,
        0xFD, 0x64, 0x4C, 0x70, 0x08, 0xF8, 0xFB, 0xBA, 0x6A, 0xDD, 0xF4, 0x20, 0xF6, 0x02, 0xCE, 0xC6,
        0xAD, 0x00, 0xC9, 0x30, 0x95, 0xB7, 0xF8, 0x81, 0x6D, 0x17, 0xA4, 0xF6, 0xBD, 0xF5, 0xB9, 0x03,
        0xD7, 0x32, 0xB2, 0xCB, 0x5C, 0x2A, 0x6C, 0x2A, 0x3E, 0x1D, 0xDB, 0xDD, 0x00, 0x24, 0x13, 0x02,
        0x13, 0x03, 0x13, 0x01, 0xC0, 0x2C, 0xC0, 0x30, 0xC0, 0x2B, 0xC0, 0x2F, 0xCC, 0xA9, 0xCC, 0xA8,
        0xC0, 0x24, 0xC0, 0x28, 0xC0, 0x23, 0xC0, 0x27, 0x00, 0x9F, 0x00, 0x9E, 0x00, 0x6B, 0x00, 0x67,
        0x00, 0xFF, 0x01, 0x00, 0x01, 0x8F, 0x00, 0x00, 0x00, 0x16, 0x00, 0x14, 0x00, 0x00, 0x11, 0x69,
        0x6D, 0x61, 0x70, 0x2E, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, 0x2E, 0x74, 0x65, 0x73, 0x74,
        0x00, 0x0B, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0A, 0x00, 0x16, 0x00, 0x14, 0x00, 0x1D,
        0x00, 0x17, 0x00, 0x1E, 0x00, 0x19, 0x00, 0x18, 0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03,
        0x01, 0x04, 0x00, 0x23, 0x00, 0x00, 0x00, 0x10, 0x00, 0x07, 0x00, 0x05, 0x04, 0x69, 0x6D, 0x61,
        0x70, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0D, 0x00, 0x2A, 0x00, 0x28, 0x04,
        0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0A, 0x08, 0x0B, 0x08,
        0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03,
        0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02, 0x00, 0x2B, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03,
        0x00, 0x2D, 0x00, 0x02, 0x01, 0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1D, 0x00, 0x20,
        0x81, 0x27, 0x38, 0x05, 0xBB, 0xC5, 0x9E, 0x20, 0x68, 0x97, 0x6D, 0xBE, 0xD0, 0x33, 0xFE, 0x36,
        0xF4, 0x24, 0xE5, 0x5C, 0xCF, 0x25, 0x4F, 0xAB, 0xA0, 0x5E, 0x88, 0x22, 0x5E, 0xCA, 0xEC, 0x43,
        0x00, 0x15, 0x00, 0xD1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00,
    ]

    static let all: [[UInt8]] = [opensslTLS12, opensslTLS13, pythonDefault, tls13WithGREASE, tls12Only, tls10Old,
                                 tls11Fallback, sslv2Hello()]
}

private func parseHello(_ bytes: [UInt8]) -> ClientHello? {
    var parser = ClientHelloParser()
    if case .clientHello(let hello) = parser.consume(bytes) { return hello }
    Issue.record("no ClientHello: \(parser.verdict)")
    return nil
}

/// What a test expects of one real, recorded ClientHello.
struct RecordedHello: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let cipherSuites: [UInt16]
    let serverName: String
    let alpn: [String]
    let offeredVersions: [TLSVersion]
    let exact: Bool
    let extensionTypes: [UInt16]
    var testDescription: String { name }
}

@Suite struct ClientHelloParserTests {
    static let recorded: [RecordedHello] = [
        RecordedHello(name: "openssl -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256", bytes: ClientHelloFixture.opensslTLS12,
                      cipherSuites: [0xC02F], serverName: "mail.example.test", alpn: [],
                      offeredVersions: [.tls10, .tls11, .tls12], exact: false,
                      extensionTypes: [0, 11, 10, 35, 22, 23, 13]),
        RecordedHello(name: "openssl -tls1_3 -alpn smtp,imap", bytes: ClientHelloFixture.opensslTLS13,
                      cipherSuites: [0x1302, 0x1303, 0x1301], serverName: "mail.example.test", alpn: ["smtp", "imap"],
                      offeredVersions: [.tls13], exact: true,
                      extensionTypes: [0, 11, 10, 35, 16, 22, 23, 13, 43, 45, 51]),
        RecordedHello(name: "python ssl default context", bytes: ClientHelloFixture.pythonDefault,
                      cipherSuites: [0x1302, 0x1303, 0x1301, 0xC02C, 0xC030, 0xC02B, 0xC02F, 0xCCA9, 0xCCA8, 0xC024,
                                     0xC028, 0xC023, 0xC027, 0x009F, 0x009E, 0x006B, 0x0067],
                      serverName: "imap.example.test", alpn: ["imap"], offeredVersions: [.tls12, .tls13], exact: true,
                      extensionTypes: [0, 11, 10, 35, 16, 22, 23, 13, 43, 45, 51, 21]),
    ]

    /// Each real ClientHello offers exactly what its client was told to offer.
    @Test(arguments: recorded)
    func recordedClientHellos(_ expected: RecordedHello) {
        guard let hello = parseHello(expected.bytes) else { return }
        #expect(hello.recordVersion == 0x0301)
        #expect(hello.legacyVersion == 0x0303)
        #expect(hello.cipherSuites == expected.cipherSuites)
        #expect(hello.signalsSCSV == [.emptyRenegotiationInfo])
        #expect(hello.serverName == expected.serverName)
        #expect(hello.alpn == expected.alpn)
        #expect(hello.offeredVersions == expected.offeredVersions)
        #expect(hello.offeredVersionsAreExact == expected.exact)
        #expect(hello.maximumVersion == expected.offeredVersions.last)
        #expect(hello.extensionTypes == expected.extensionTypes)
        #expect(hello.compressionMethods == [0])
        #expect(!hello.sentGREASE)
        #expect(hello.supportedGroupNames.prefix(3) == ["x25519", "secp256r1", "x448"])
        #expect(hello.signatureAlgorithmNames.prefix(4) == ["ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384",
                                                             "ecdsa_secp521r1_sha512", "ed25519"])
        #expect(!hello.cipherSuiteNames.contains { $0.hasPrefix("0x") })
    }

    @Test func opensslTLS12Details() {
        guard let hello = parseHello(ClientHelloFixture.opensslTLS12) else { return }
        #expect(hello.cipherSuiteNames == ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"])
        #expect(hello.maximumVersion == .tls12)
        #expect(hello.sessionIDLength == 0)
        #expect(hello.supportedVersions.isEmpty)
        #expect(hello.supportedGroups == [0x001D, 0x0017, 0x001E, 0x0019, 0x0018])
        #expect(hello.signatureAlgorithms.count == 20)
        #expect(hello.signatureAlgorithmNames.suffix(6) == ["ecdsa_sha224", "rsa_pkcs1_sha224", "dsa_sha224",
                                                             "dsa_sha256", "dsa_sha384", "dsa_sha512"])
        #expect(hello.extensionNames == ["server_name", "ec_point_formats", "supported_groups", "session_ticket",
                                         "encrypt_then_mac", "extended_master_secret", "signature_algorithms"])
    }

    @Test func opensslTLS13Details() {
        guard let hello = parseHello(ClientHelloFixture.opensslTLS13) else { return }
        #expect(hello.supportedVersions == [0x0304])
        #expect(hello.sessionIDLength == 32)
        #expect(hello.cipherSuiteNames == ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                                           "TLS_AES_128_GCM_SHA256"])
        #expect(hello.supportedGroupNames == ["x25519", "secp256r1", "x448", "secp521r1", "secp384r1", "ffdhe2048",
                                              "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"])
    }

    static let handBuilt: [(String, [UInt8], ClientHello)] = [
        ("TLS 1.3 with GREASE", ClientHelloFixture.tls13WithGREASE, ClientHello(
            recordVersion: 0x0301, legacyVersion: 0x0303, sessionIDLength: 32,
            cipherSuites: [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013, 0x009C,
                           0x002F],
            extensionTypes: [0, 23, 0xFF01, 10, 11, 16, 13, 51, 45, 43, 27],
            serverName: "imap.example.test", alpn: ["imap", "h2"],
            supportedGroups: [0x11EC, 0x001D, 0x0017, 0x0018],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0807],
            supportedVersions: [0x6A6A, 0x0304, 0x0303], sentGREASE: true)),
        ("TLS 1.2 only", ClientHelloFixture.tls12Only, ClientHello(
            recordVersion: 0x0301, legacyVersion: 0x0303,
            cipherSuites: [0xC02F, 0xC030, 0x009E, 0x0033, 0x0039, 0x002F], signalsSCSV: .emptyRenegotiationInfo,
            extensionTypes: [0, 10, 11, 13], serverName: "smtp.example.test",
            supportedGroups: [0x001D, 0x0017, 0x0018], signatureAlgorithms: [0x0401, 0x0403, 0x0201, 0x0203])),
        ("TLS 1.0 without extensions", ClientHelloFixture.tls10Old, ClientHello(
            recordVersion: 0x0301, legacyVersion: 0x0301,
            cipherSuites: [0x0039, 0x0038, 0x0035, 0x0016, 0x0013, 0x000A, 0x0033, 0x0032, 0x002F, 0x0005, 0x0004],
            signalsSCSV: .emptyRenegotiationInfo, compressionMethods: [1, 0])),
        ("TLS 1.1 fallback", ClientHelloFixture.tls11Fallback, ClientHello(
            recordVersion: 0x0301, legacyVersion: 0x0302, cipherSuites: [0xC013, 0x002F], signalsSCSV: .fallback,
            extensionTypes: [0], serverName: "mx.example.test")),
        ("SSL 2.0 compatible", ClientHelloFixture.sslv2Hello(), ClientHello(
            recordVersion: 0x0002, legacyVersion: 0x0301, cipherSuites: [0x0035, 0x002F, 0x000A],
            signalsSCSV: .emptyRenegotiationInfo, sslv2CipherSpecs: [0x01_0080, 0x07_00C0])),
    ]

    @Test(arguments: handBuilt.indices)
    func handBuiltClientHellos(_ index: Int) {
        let (name, bytes, expected) = Self.handBuilt[index]
        var parser = ClientHelloParser()
        #expect(parser.consume(bytes) == .clientHello(expected), "\(name)")
    }

    /// offered versions, whether they are exact, and the maximum, per hand-built hello (same order as handBuilt).
    static let versionExpectations: [([TLSVersion], Bool, TLSVersion?)] = [
        ([.tls12, .tls13], true, .tls13),
        ([.tls10, .tls11, .tls12], false, .tls12),
        ([.tls10], false, .tls10),
        ([.tls10, .tls11], false, .tls11),
        ([.tls10], false, .tls10),
    ]

    @Test(arguments: zip(handBuilt.indices, versionExpectations))
    func offeredVersions(_ index: Int, _ expected: ([TLSVersion], Bool, TLSVersion?)) {
        let (name, bytes, _) = Self.handBuilt[index]
        guard let hello = parseHello(bytes) else { return }
        #expect(hello.offeredVersions == expected.0, "\(name)")
        #expect(hello.offeredVersionsAreExact == expected.1, "\(name)")
        #expect(hello.maximumVersion == expected.2, "\(name)")
    }

    @Test func versionEdgeCases() {
        // legacy_version 0x0304 without supported_versions cannot negotiate TLS 1.3 (RFC 8446 section 4.2.1).
        #expect(ClientHello(recordVersion: 0x0301, legacyVersion: 0x0304).maximumVersion == .tls12)
        // SSL 3.0 only, and SSL 2.0 only, offer no TLS version.
        #expect(ClientHello(recordVersion: 0x0300, legacyVersion: 0x0300).offeredVersions.isEmpty)
        #expect(ClientHello(recordVersion: 0x0002, legacyVersion: 0x0002).maximumVersion == nil)
        // Only GREASE in supported_versions counts as absent; unknown drafts and SSL 3.0 are left out.
        #expect(ClientHello(recordVersion: 0x0301, legacyVersion: 0x0303, supportedVersions: [0x0A0A])
            .offeredVersions == [.tls10, .tls11, .tls12])
        #expect(ClientHello(recordVersion: 0x0301, legacyVersion: 0x0303,
                            supportedVersions: [0x7F1C, 0x0304, 0x0303, 0x0302, 0x0301, 0x0300])
            .offeredVersions == [.tls10, .tls11, .tls12, .tls13])
    }

    @Test func tls13WithGREASENames() {
        guard let hello = parseHello(ClientHelloFixture.tls13WithGREASE) else { return }
        #expect(hello.supportedGroupNames == ["X25519MLKEM768", "x25519", "secp256r1", "secp384r1"])
        #expect(hello.signatureAlgorithmNames == ["ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha256", "rsa_pkcs1_sha256",
                                                  "ecdsa_secp384r1_sha384", "rsa_pss_rsae_sha384", "rsa_pkcs1_sha384",
                                                  "rsa_pss_rsae_sha512", "rsa_pkcs1_sha512", "ed25519"])
        #expect(hello.extensionNames == ["server_name", "extended_master_secret", "renegotiation_info",
                                         "supported_groups", "ec_point_formats",
                                         "application_layer_protocol_negotiation", "signature_algorithms",
                                         "key_share", "psk_key_exchange_modes", "supported_versions",
                                         "compress_certificate"])
    }

    @Test func sslv2Hellos() {
        guard let hello = parseHello(ClientHelloFixture.sslv2Hello()) else { return }
        #expect(hello.isSSLv2Format)
        #expect(hello.cipherSuiteNames == ["TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA",
                                           "TLS_RSA_WITH_3DES_EDE_CBC_SHA"])
        guard let v2only = parseHello(ClientHelloFixture.sslv2Hello(version: 0x0002, specs: [0x01_0080, 0x07_00C0]))
        else { return }
        #expect(v2only.legacyVersion == 0x0002)
        #expect(v2only.cipherSuites.isEmpty)
        #expect(v2only.offeredVersions.isEmpty)
        #expect(v2only.maximumVersion == nil)
    }

    /// Every way of cutting the bytes in two gives the same verdict as feeding them at once.
    @Test(arguments: ClientHelloFixture.all.indices)
    func everySplitPosition(_ index: Int) {
        let bytes = ClientHelloFixture.all[index]
        var whole = ClientHelloParser()
        let expected = whole.consume(bytes)
        guard case .clientHello = expected else {
            Issue.record("fixture \(index): \(expected)")
            return
        }
        for split in 1..<bytes.count {
            var parser = ClientHelloParser()
            let first = parser.consume(bytes[..<split])
            #expect(first == .needMoreBytes, "fixture \(index) split \(split)")
            #expect(parser.consume(bytes[split...]) == expected, "fixture \(index) split \(split)")
            #expect(parser.consume([0x00]) == expected, "verdict is final")
        }
    }

    /// Byte by byte, too.
    @Test func oneByteAtATime() {
        var parser = ClientHelloParser()
        for byte in ClientHelloFixture.pythonDefault.dropLast() {
            #expect(parser.consume(CollectionOfOne(byte)) == .needMoreBytes)
        }
        guard case .clientHello(let hello) = parser.consume([ClientHelloFixture.pythonDefault.last!]) else {
            Issue.record("\(parser.verdict)")
            return
        }
        #expect(hello.serverName == "imap.example.test")
    }

    /// The handshake message cut over two (or three) records, anywhere, including inside its 4-byte header.
    @Test(arguments: [[1], [2], [3], [4], [5], [40], [41], [100], [200], [1, 2], [3, 150], [60, 61]])
    func clientHelloSplitAcrossRecords(_ cuts: [Int]) {
        let record = ClientHelloFixture.opensslTLS13
        let handshake = Array(record[5...])
        let bytes = ClientHelloFixture.records(handshake, cuts: cuts)
        #expect(bytes.count == record.count + 5 * cuts.count)
        var whole = ClientHelloParser()
        var parser = ClientHelloParser()
        #expect(parser.consume(bytes) == whole.consume(record))
    }

    /// Trailing bytes after the ClientHello (a second record, garbage) do not change the verdict.
    @Test func bytesAfterTheHelloAreIgnored() {
        var whole = ClientHelloParser()
        let expected = whole.consume(ClientHelloFixture.opensslTLS12)
        var parser = ClientHelloParser()
        #expect(parser.consume(ClientHelloFixture.opensslTLS12 + [0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0xFF]) == expected)
    }

    static let plaintext: [String] = [
        "EHLO printer\r\n",
        "HELO scanner.local\r\n",
        "a001 CAPABILITY\r\n",
        "USER scan\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        String(repeating: "X", count: 600),
    ]

    @Test(arguments: plaintext)
    func plaintextIsNotTLS(_ text: String) {
        let bytes = Array(text.utf8)
        var parser = ClientHelloParser()
        #expect(parser.consume(bytes) == .notTLS(prefix: Array(bytes.prefix(512))))
    }

    /// The verdict comes with the first byte that rules TLS out; the prefix holds what had arrived by then.
    @Test func notTLSIsDecidedEarly() {
        var parser = ClientHelloParser()
        #expect(parser.consume(Array("E".utf8)) == .notTLS(prefix: [0x45]))
        #expect(parser.consume(Array("HLO x\r\n".utf8)) == .notTLS(prefix: [0x45]))
        // 0x16 then anything but 0x03 is not a TLS record either.
        var handshakeThenJunk = ClientHelloParser()
        #expect(handshakeThenJunk.consume([0x16]) == .needMoreBytes)
        #expect(handshakeThenJunk.consume([0x41, 0x42]) == .notTLS(prefix: [0x16, 0x41, 0x42]))
        // High bit set but not an SSL 2.0 ClientHello.
        var binary = ClientHelloParser()
        #expect(binary.consume([0x80, 0x2E, 0x02]) == .needMoreBytes)
        #expect(binary.consume([0x03, 0x01]) == .notTLS(prefix: [0x80, 0x2E, 0x02, 0x03, 0x01]))
        // A TLS record of another type first: a server's alert or application data is not a client's hello.
        var alert = ClientHelloParser()
        #expect(alert.consume([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]) == .notTLS(prefix: [0x15, 0x03, 0x03, 0x00,
                                                                                                0x02, 0x02, 0x28]))
    }

    static func u16(_ value: Int) -> [UInt8] { ClientHelloFixture.u16(value) }
    static let minimalBody: [UInt8] = [0x03, 0x03] + [UInt8](repeating: 0, count: 32) + [0] + [0x00, 0x02, 0x13, 0x01]
        + [1, 0]

    static func message(_ body: [UInt8]) -> [UInt8] {
        ClientHelloFixture.record([1, 0] + u16(body.count) + body)
    }

    static let malformed: [(String, [UInt8])] = [
        ("record over 16384+2048", [0x16, 0x03, 0x01, 0x48, 0x01]),
        ("empty handshake record", [0x16, 0x03, 0x01, 0x00, 0x00]),
        ("handshake message over 64 KiB", [0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x01, 0x00, 0x01]),
        ("ServerHello instead of ClientHello", [0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00]),
        ("empty ClientHello", [0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00]),
        ("second record of another type", [0x16, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00, 0x17, 0x03, 0x03, 0x00, 0x01,
                                           0x00]),
        ("second record with another major version", [0x16, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00, 0x16, 0x04, 0x03,
                                                      0x00, 0x01, 0x00]),
        ("session ID of 33 bytes", message([0x03, 0x03] + [UInt8](repeating: 0, count: 32) + [33]
                                           + [UInt8](repeating: 0, count: 33) + [0x00, 0x02, 0x13, 0x01, 1, 0])),
        ("cipher suites run past the message", message([0x03, 0x03] + [UInt8](repeating: 0, count: 32)
                                                       + [0, 0x00, 0x40, 0x13, 0x01])),
        ("odd cipher suites length", message([0x03, 0x03] + [UInt8](repeating: 0, count: 32)
                                             + [0, 0x00, 0x03, 0x13, 0x01, 0x13, 1, 0])),
        ("no cipher suites", message([0x03, 0x03] + [UInt8](repeating: 0, count: 32) + [0, 0x00, 0x00, 1, 0])),
        ("no compression methods", message([0x03, 0x03] + [UInt8](repeating: 0, count: 32)
                                           + [0, 0x00, 0x02, 0x13, 0x01, 0])),
        ("truncated extensions length", message(minimalBody + [0x00])),
        ("extensions run past the message", message(minimalBody + [0x00, 0x10, 0x00, 0x00])),
        ("trailing bytes after the extensions", message(minimalBody + [0x00, 0x00, 0xFF])),
        ("extension runs past the block", message(minimalBody + u16(6) + [0x00, 0x17, 0x00, 0x09, 0x00, 0x00])),
        ("truncated extension header", message(minimalBody + u16(3) + [0x00, 0x17, 0x00])),
        ("server_name list length wrong", message(minimalBody + u16(9) + [0x00, 0x00, 0x00, 0x05, 0x00, 0x09, 0x00,
                                                                          0x00, 0x01])),
        ("server_name entry runs past", message(minimalBody + u16(10) + [0x00, 0x00, 0x00, 0x06, 0x00, 0x04, 0x00,
                                                                         0x00, 0x09, 0x61])),
        ("ALPN entry runs past", message(minimalBody + u16(8) + [0x00, 0x10, 0x00, 0x04, 0x00, 0x02, 0x05, 0x61])),
        ("odd supported_groups", message(minimalBody + u16(7) + [0x00, 0x0A, 0x00, 0x03, 0x00, 0x01, 0x1D])),
        ("signature_algorithms list length wrong", message(minimalBody + u16(8) + [0x00, 0x0D, 0x00, 0x04, 0x00,
                                                                                   0x04, 0x04, 0x03])),
        ("odd supported_versions", message(minimalBody + u16(8) + [0x00, 0x2B, 0x00, 0x04, 0x03, 0x03, 0x04, 0x03])),
        ("SSL 2.0 record over the bound", [0xFF, 0xFF, 0x01, 0x03, 0x01]),
        ("SSL 2.0 cipher specs not a multiple of 3", [0x80, 0x1D, 0x01, 0x03, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00,
                                                      0x10, 0x00, 0x00, 0x35, 0x00]
                                                      + [UInt8](repeating: 1, count: 16)),
        ("SSL 2.0 vectors run past the record", [0x80, 0x0C, 0x01, 0x03, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10,
                                                 0x00, 0x00, 0x35]),
        ("SSL 2.0 short challenge", [0x80, 0x0F, 0x01, 0x03, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
                                     0x35, 0x01, 0x02, 0x03]),
    ]

    @Test(arguments: malformed.indices)
    func malformedInput(_ index: Int) {
        let (name, bytes) = Self.malformed[index]
        var parser = ClientHelloParser()
        let verdict = parser.consume(bytes)
        if case .malformed = verdict {} else { Issue.record("\(name): got \(verdict)") }
    }

    /// Every proper prefix of a valid hello asks for more bytes; nothing is decided too early.
    @Test(arguments: ClientHelloFixture.all.indices)
    func truncatedInputNeedsMoreBytes(_ index: Int) {
        let bytes = ClientHelloFixture.all[index]
        for length in 0..<bytes.count {
            var parser = ClientHelloParser()
            #expect(parser.consume(bytes.prefix(length)) == .needMoreBytes, "fixture \(index) length \(length)")
        }
    }

    /// A peer trickling tiny records cannot make the parser buffer without bound.
    @Test func inputIsBounded() {
        let handshake = Array(ClientHelloFixture.pythonDefault[5...])
        let tinyRecords = ClientHelloFixture.records(handshake, cuts: Array(stride(from: 1, to: handshake.count, by: 1)))
        var bounded = ClientHelloParser(maximumBytes: 1000)
        for start in stride(from: 0, to: tinyRecords.count, by: 6) {
            bounded.consume(tinyRecords[start..<min(tinyRecords.count, start + 6)])
        }
        if case .malformed(let reason) = bounded.verdict {
            #expect(reason.contains("1000"))
        } else {
            Issue.record("\(bounded.verdict)")
        }
        var generous = ClientHelloParser()
        if case .clientHello = generous.consume(tinyRecords) {} else { Issue.record("\(generous.verdict)") }
        // An incomplete record that is announced as huge but within bounds waits; past maximumBytes it stops.
        var waiting = ClientHelloParser(maximumBytes: 4096)
        #expect(waiting.consume([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3F, 0xFC]) == .needMoreBytes)
        if case .malformed = waiting.consume([UInt8](repeating: 0, count: 5000)) {} else {
            Issue.record("\(waiting.verdict)")
        }
    }

    @Test func cipherSuiteTable() {
        let ianaNames = CipherSuite.names.values.map(\.iana)
        #expect(Set(ianaNames).count == ianaNames.count, "each IANA name once")
        #expect(CipherSuite(code: 0x1305).ianaName == "TLS_AES_128_CCM_8_SHA256")
        #expect(CipherSuite(code: 0x0004).openSSLName == "RC4-MD5")
        #expect(CipherSuite(code: 0x0004).isWeak)
        #expect(CipherSuite(code: 0x0016).ianaName == "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA")
        #expect(CipherSuite(code: 0x0016).isWeak)
        #expect(CipherSuite(code: 0x0041).openSSLName == "CAMELLIA128-SHA")
        #expect(CipherSuite(code: 0x0096).ianaName == "TLS_RSA_WITH_SEED_CBC_SHA")
        #expect(CipherSuite(code: 0xC0AC).ianaName == "TLS_ECDHE_ECDSA_WITH_AES_128_CCM")
        #expect(CipherSuite(code: 0xC0AF).openSSLName == "ECDHE-ECDSA-AES256-CCM8")
        #expect(CipherSuite(code: 0xC060).openSSLName == "ECDHE-ARIA128-GCM-SHA256")
        #expect(CipherSuite(code: 0x00FF).ianaName == "TLS_EMPTY_RENEGOTIATION_INFO_SCSV")
        #expect(CipherSuite(code: 0x5600).ianaName == "TLS_FALLBACK_SCSV")
        #expect(!CipherSuite(code: 0xC0AC).isWeak)
    }

    static let names: [(UInt16, String, String, String)] = [
        // code, group, signature scheme, extension
        (0x0000, "0x0000", "0x0000", "server_name"),
        (0x000A, "sect283r1", "0x000A", "supported_groups"),
        (0x0017, "secp256r1", "0x0017", "extended_master_secret"),
        (0x001D, "x25519", "0x001D", "0x001D"),
        (0x002B, "0x002B", "0x002B", "supported_versions"),
        (0x0100, "ffdhe2048", "0x0100", "0x0100"),
        (0x0101, "ffdhe3072", "rsa_pkcs1_md5", "0x0101"),
        (0x0104, "ffdhe8192", "0x0104", "0x0104"),
        (0x0201, "MLKEM768", "rsa_pkcs1_sha1", "0x0201"),
        (0x0203, "0x0203", "ecdsa_sha1", "0x0203"),
        (0x0301, "0x0301", "rsa_pkcs1_sha224", "0x0301"),
        (0x0402, "0x0402", "dsa_sha256", "0x0402"),
        (0x0403, "0x0403", "ecdsa_secp256r1_sha256", "0x0403"),
        (0x0804, "0x0804", "rsa_pss_rsae_sha256", "0x0804"),
        (0x0807, "0x0807", "ed25519", "0x0807"),
        (0x0A0A, "GREASE(0x0A0A)", "GREASE(0x0A0A)", "GREASE(0x0A0A)"),
        (0x11EC, "X25519MLKEM768", "0x11EC", "0x11EC"),
        (0xFE0D, "0xFE0D", "0xFE0D", "encrypted_client_hello"),
        (0xFF01, "arbitrary_explicit_prime_curves", "0xFF01", "renegotiation_info"),
        (0xBEEF, "0xBEEF", "0xBEEF", "0xBEEF"),
    ]

    @Test(arguments: names.indices)
    func tlsNames(_ index: Int) {
        let (code, group, scheme, extensionName) = Self.names[index]
        #expect(TLSNames.group(code) == group)
        #expect(TLSNames.signatureScheme(code) == scheme)
        #expect(TLSNames.extensionName(code) == extensionName)
    }

    @Test func greaseValues() {
        let grease = (0..<16).map { UInt16($0) << 12 | 0x0A00 | UInt16($0) << 4 | 0x0A }
        #expect(grease.first == 0x0A0A && grease.last == 0xFAFA)
        #expect(grease.allSatisfy(TLSNames.isGREASE))
        #expect(!TLSNames.isGREASE(0x0A1A) && !TLSNames.isGREASE(0x1301) && !TLSNames.isGREASE(0x0A0B))
    }

    // MARK: - Fuzzing


    static func mutate(_ input: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...6, using: &generator) {
            guard !bytes.isEmpty else { break }
            let position = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: bytes[position] = .random(in: 0...255, using: &generator)
            case 1: bytes[position] ^= 1 << UInt8.random(in: 0...7, using: &generator)
            case 2: bytes.insert(.random(in: 0...255, using: &generator), at: position)
            case 3: bytes.remove(at: position)
            case 4: bytes = Array(bytes.prefix(position))
            // Length fields are where parsers break: push one to an edge value.
            default: bytes[position] = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF].randomElement(using: &generator)!
            }
        }
        return bytes
    }

    /// Mutated real hellos never crash or hang, and the verdict does not depend on how the bytes are cut.
    @Test func mutatedHellosNeverCrash() {
        var generator = SeededGenerator(state: 0x636C_6965_6E74_6865)
        var counts: [String: Int] = [:]
        for iteration in 0..<4000 {
            let seed = ClientHelloFixture.all[iteration % ClientHelloFixture.all.count]
            let input = Self.mutate(seed, using: &generator)
            var whole = ClientHelloParser()
            let expected = whole.consume(input)
            var chunked = ClientHelloParser()
            let chunk = Int.random(in: 1...max(1, input.count), using: &generator)
            var offset = 0
            while offset < input.count {
                chunked.consume(input[offset..<min(input.count, offset + chunk)])
                offset += chunk
            }
            switch (expected, chunked.verdict) {
            case (.notTLS, .notTLS): break
            default: #expect(chunked.verdict == expected, "iteration \(iteration)")
            }
            switch expected {
            case .clientHello(let hello):
                counts["hello", default: 0] += 1
                #expect(!hello.cipherSuites.contains(where: TLSNames.isGREASE))
                #expect(!hello.cipherSuites.contains(0x00FF) && !hello.cipherSuites.contains(0x5600))
                #expect(hello.sessionIDLength <= 32)
                _ = (hello.cipherSuiteNames, hello.supportedGroupNames, hello.signatureAlgorithmNames,
                     hello.extensionNames, hello.offeredVersions, hello.maximumVersion)
            case .malformed: counts["malformed", default: 0] += 1
            case .notTLS(let prefix):
                counts["notTLS", default: 0] += 1
                #expect(prefix.count <= 512)
            case .needMoreBytes: counts["needMoreBytes", default: 0] += 1
            }
        }
        // The mutations reach every verdict, so the loop exercises more than the first byte.
        #expect(counts.count == 4, "\(counts)")
    }

    /// Random bytes behind a valid record header reach deep into the parser.
    @Test func randomBodiesNeverCrash() {
        var generator = SeededGenerator(state: 42)
        for _ in 0..<3000 {
            let length = Int.random(in: 0...300, using: &generator)
            var body = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if body.count >= 2 { body[0] = 0x03; body[1] = 0x03 }
            var parser = ClientHelloParser()
            _ = parser.consume(Self.message(body))
            #expect(parser.verdict != .needMoreBytes)
        }
    }
}
