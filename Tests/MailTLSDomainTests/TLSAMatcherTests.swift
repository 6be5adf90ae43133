import Crypto
import Foundation
import MailTLSDNS
import SwiftASN1
import Testing
import X509

@testable import MailTLSDomain

@Suite struct TLSAMatcherTests {
    /// A CA and a leaf made on the spot, as DER.
    static let chain: (leaf: [UInt8], ca: [UInt8], leafSPKI: [UInt8]) = {
        let caKey = P256.Signing.PrivateKey()
        let leafKey = P256.Signing.PrivateKey()
        let caName = try! DistinguishedName { CommonName("TLSA Test CA") }
        let leafName = try! DistinguishedName { CommonName("mx.example.test") }
        let now = Date()
        let ca = try! Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
            notValidBefore: now - 60, notValidAfter: now + 86400, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try! Certificate.Extensions { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0)) },
            issuerPrivateKey: .init(caKey))
        let leaf = try! Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
            notValidBefore: now - 60, notValidAfter: now + 86400, issuer: caName, subject: leafName,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions(), issuerPrivateKey: .init(caKey))
        func der(_ certificate: Certificate) -> [UInt8] {
            var serializer = DER.Serializer()
            try! serializer.serialize(certificate)
            return serializer.serializedBytes
        }
        // swift-crypto's DER form of a public key is the SubjectPublicKeyInfo.
        return (der(leaf), der(ca), Array(leafKey.publicKey.derRepresentation))
    }()

    @Test func daneEEMatchesTheLeafBySPKIOrCertificate() {
        let (leaf, ca, spki) = TLSAMatcherTests.chain
        let records = [
            TLSARecord(usage: 3, selector: 1, matchingType: 1, data: Array(SHA256.hash(data: spki))),
            TLSARecord(usage: 3, selector: 0, matchingType: 2, data: Array(SHA512.hash(data: leaf))),
            TLSARecord(usage: 3, selector: 0, matchingType: 0, data: leaf),
            TLSARecord(usage: 3, selector: 1, matchingType: 1, data: [UInt8](repeating: 0, count: 32)),
        ]
        let results = TLSAMatcher.apply(records, toChain: [leaf, ca])
        #expect(results.map(\.matchedCertificate) == [0, 0, 0, nil])
        #expect(results.allSatisfy { $0.usable })
    }

    /// An RSA certificate made by openssl: selector 1 hashes its SubjectPublicKeyInfo exactly as encoded, with the
    /// NULL algorithm parameters that swift-certificates drops when it re-encodes the key. The digest is openssl's
    /// (`openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha256sum`).
    @Test func daneEEMatchesAnRSALeafByItsOriginalSPKI() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/rsa-leaf.der")
        let leaf = Array(try Data(contentsOf: url))
        let opensslDigest = "4d880eee62f007a60b0bb327426f9f7f6ad430f85215e1f575b50045c471865d"
        let record = TLSARecord(usage: 3, selector: 1, matchingType: 1, data: hexBytes(opensslDigest))
        #expect(TLSAMatcher.apply([record], toChain: [leaf]).first?.matchedCertificate == 0)
        let spki = try #require(SubjectPublicKeyInfoReader.bytes(ofCertificate: leaf))
        #expect(TLSADigest.sha256Hex(spki) == opensslDigest)
        #expect(SubjectPublicKeyInfoReader.bytes(ofCertificate: Array(leaf.prefix(40))) == nil)
    }

    func hexBytes(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    @Test func daneTAMatchesTheIssuerButEENeverDoes() {
        let (leaf, ca, _) = TLSAMatcherTests.chain
        let ta = TLSARecord(usage: 2, selector: 0, matchingType: 1, data: Array(SHA256.hash(data: ca)))
        let eeOnCA = TLSARecord(usage: 3, selector: 0, matchingType: 1, data: Array(SHA256.hash(data: ca)))
        let results = TLSAMatcher.apply([ta, eeOnCA], toChain: [leaf, ca])
        #expect(results[0].matchedCertificate == 1)
        #expect(results[1].matchedCertificate == nil)
    }

    @Test(arguments: [0, 1] as [UInt8])
    func pkixUsagesAreUnusableForSMTP(usage: UInt8) {
        let (leaf, ca, spki) = TLSAMatcherTests.chain
        let record = TLSARecord(usage: usage, selector: 1, matchingType: 1, data: Array(SHA256.hash(data: spki)))
        let result = TLSAMatcher.apply([record], toChain: [leaf, ca])[0]
        #expect(!result.usable)
        #expect(result.matchedCertificate == nil)
    }

    @Test func unknownSelectorOrMatchingTypeIsUnusable() {
        let (leaf, _, _) = TLSAMatcherTests.chain
        let results = TLSAMatcher.apply([TLSARecord(usage: 3, selector: 2, matchingType: 1, data: []),
                                         TLSARecord(usage: 3, selector: 0, matchingType: 3, data: [])],
                                        toChain: [leaf])
        #expect(results.allSatisfy { !$0.usable })
    }
}
