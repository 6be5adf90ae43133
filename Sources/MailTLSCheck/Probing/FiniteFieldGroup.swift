import Crypto
import MailTLSCore
import MailTLSDNS

/// A finite-field Diffie-Hellman group a server uses for DHE, by its prime: the size, and the published group it
/// is when it is one. A published 1024-bit prime is worse than a private one of the same size: one precomputation
/// breaks every server that shares it (Logjam); a published group of 2048 bits or more is what RFC 7919 asks for.
/// - SeeAlso: RFC 7919 (ffdhe), RFC 3526 (MODP), RFC 2409 (Oakley groups 1 and 2), RFC 5114, https://weakdh.org
public struct FiniteFieldGroup: Sendable, Hashable {
    /// The prime, big-endian without leading zeros.
    public let prime: [UInt8]
    public let bits: Int
    /// The published group the prime belongs to ("ffdhe2048", "rfc2409-2"), nil for a prime of the
    /// server's own.
    public let publishedName: String?
    /// Whether only anonymous suites (DH_anon) used the group: OpenSSL's automatic groups give those a size by the
    /// cipher's strength alone (1024 bits for a 128-bit cipher), whatever the certificate.
    public var anonymousOnly: Bool

    public init(prime: [UInt8], anonymousOnly: Bool = false) {
        self.anonymousOnly = anonymousOnly
        let trimmed = Array(prime.drop { $0 == 0 })
        self.prime = trimmed
        bits = ServerFlightParser.KeyExchange.bitLength(trimmed)
        publishedName = Self.published[TLSARecord.hex(SHA256.hash(data: trimmed))]
    }

    /// SHA-256 of each published prime (big-endian, no leading zero), from OpenSSL 3's named groups
    /// (`openssl genpkey -genparam -algorithm DH -pkeyopt group:NAME`) and, for RFC 2409's, from the formula its
    /// section 6 gives (checked against OpenSSL's modp_1536 and modp_2048, which RFC 3526 builds the same way).
    static let published: [String: String] = [
        "b52ba6a3026520a6c49d37e4587601801bee500123b3259b6bf03e7cecc3e63d": "rfc2409-1",
        "3f35a3f5f6c4376a744acad409bb22f8d897f949d2311d885adaa890981b67a0": "rfc2409-2",
        "44c55cfee5c075927cf682da5b681bdecbd5c3eb0784c14f5dce7610f0ef133d": "rfc5114-22",
        "64fcc83ec403930bf18393dbc883ccaa1fbb08ac876f77f7aa99748ca945019b": "rfc3526-5",
        "d66436f79bbd6b2e38c0ffbd079be904d2641415e2e67140e09448be9a60890e": "rfc3526-14",
        "bfe545862ca102ad1eeddb5fbfa5bf855ac4995c56a8b408ce3fe099dce93a9d": "rfc5114-23",
        "0b7835722cb619827610c2549fdda5587421686c4409a13865e76225522ddcc9": "rfc5114-24",
        "48cf8b092fbce4359d9871abf74f98e25b6163379eaa15cd9087e800c6d1c55c": "rfc3526-15",
        "4ee95187682bcb230ad26a95205f6920e84708f6251b3894329b09ec23919e33": "rfc3526-16",
        "d1bfe6d0925ce7e4da262b62861514a7755e35831e429f343e7b864848657efd": "rfc3526-17",
        "39ab4feab950a3128fb71accb9fc3965d857012e081998a85996e3ea8b3c3bcf": "rfc3526-18",
        "9cd3b7f336872f46c09428d1bbc19877a4d440512cda8d1c1cf0cd6e33698966": "ffdhe2048",
        "0eaf67db3a839156d5013494a5318a772b5697d270d721f37f092efc69ea5a17": "ffdhe3072",
        "4648414224ac881b3d0dc59b466f96d06a558278776807797ecf1f66ff397b3e": "ffdhe4096",
        "227ac9066b3ddd9e193670cda2388fa884f65ba0cf98b742d1fe77a6687c79c7": "ffdhe6144",
        "770b14efaf6f049929c523113b3fa99a8d11dab1b18af3609590122075d19833": "ffdhe8192",
    ]

    /// Adds the group `prime` to those a scan saw, or, when it is there already, notes that a suite of this kind
    /// used it too (a group stays "anonymous only" while every suite that used it was anonymous).
    static func note(_ prime: [UInt8], anonymous: Bool, in groups: inout [FiniteFieldGroup]) {
        let trimmed = Array(prime.drop { $0 == 0 })
        if let index = groups.firstIndex(where: { $0.prime == trimmed }) {
            groups[index].anonymousOnly = groups[index].anonymousOnly && anonymous
        } else {
            groups.append(FiniteFieldGroup(prime: trimmed, anonymousOnly: anonymous))
        }
    }

    /// The group in words no language owns, for evidence: "DH 1024 rfc2409-2 DH_anon", "DH 2048".
    public var evidence: String {
        (["DH \(bits)"] + [publishedName, anonymousOnly ? "DH_anon" : nil].compactMap { $0 }).joined(separator: " ")
    }
}
