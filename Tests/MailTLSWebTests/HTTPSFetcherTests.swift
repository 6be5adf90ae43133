import AsyncHTTPClient
import Foundation
import MailTLSCheck
import MailTLSDNS
import MailTLSWeb
import NIOCore
import NIOSSL
import TestSupport
import Testing

/// The small internet on loopback (Tests/Lab/internet.sh): unbound on 127.0.0.61 serving the signed mailtls.test
/// zone, nginx on 127.0.0.62 serving the MTA-STS and autoconfig hosts. internet.sh needs lab.sh's PKI, so the lab
/// comes up first; both are idempotent and return at once when healthy.
enum WebLab {
    struct Setup: Sendable {
        let resolver: DNSResolver.Configuration
        /// The lab's CA, loaded as `--ca-file` loads it.
        let anchors: TrustAnchors
    }

    static let shared: Result<Setup, LabScript.Failure> = {
        if case .failure(let failure) = LabScript.up("lab.sh", timeout: 120, directoryVariable: "LAB_DIR",
                                                     defaultDirectory: "/tmp/mailtls-lab", environmentFile: "lab.env") {
            return .failure(failure)
        }
        return LabScript.up("internet.sh", timeout: 120, directoryVariable: "INTERNET_DIR",
                            defaultDirectory: "/tmp/mailtls-internet", environmentFile: "internet.env")
            .flatMap { environment in
                guard let resolver = environment["INTERNET_RESOLVER"], let anchors = environment["INTERNET_ANCHORS"],
                      let caFile = environment["INTERNET_CA"] else {
                    return .failure(LabScript.Failure(message: "internet.env lacks INTERNET_RESOLVER, INTERNET_ANCHORS or "
                                                          + "INTERNET_CA"))
                }
                guard let trust = try? TrustAnchors(caFile: caFile) else {
                    return .failure(LabScript.Failure(message: "no certificate in \(caFile)"))
                }
                return .success(Setup(resolver: .init(resolver: resolver, trustAnchorFile: anchors, timeout: 5,
                                                      useSystemRootKey: false),
                                      anchors: trust))
            }
    }()

    /// A fetcher as `mailtls domain --resolver … --trust-anchor … --ca-file …` builds it; without the lab CA when
    /// `trustLabCA` is false (then only the system roots, which do not hold the lab's).
    static func fetcher(maximumBytes: Int = 64 * 1024, timeout: Double = 10,
                        trustLabCA: Bool = true) throws -> HTTPSFetcher {
        let setup = try shared.get()
        let resolver = try DNSResolver(setup.resolver)
        return HTTPSFetcher(resolver: resolver,
                            options: .init(maximumBytes: maximumBytes, timeout: timeout,
                                           extraRootsDER: trustLabCA ? setup.anchors.extraRootsDER : []))
    }
}

/// An error no classification knows.
struct UnclassifiedProbeError: Error {}

@Suite(.timeLimit(.minutes(2)))
struct HTTPSFetcherTests {
    static let policyPath = "/.well-known/mta-sts.txt"
    /// What internet.sh serves for mta-sts.good.mailtls.test (CRLF line ends, 71 bytes).
    static let goodPolicy = "version: STSv1\r\nmode: enforce\r\nmx: mail.mailtls.test\r\nmax_age: 604800\r\n"

    typealias Outcome = Result<HTTPSFetcher.Response, HTTPSFetcher.Failure>

    func failureOf(_ outcome: Outcome) -> HTTPSFetcher.Failure? {
        if case .failure(let failure) = outcome { return failure }
        return nil
    }

    /// C0 controls, DEL and C1 controls: what must never reach a terminal raw.
    static func hasRawControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }

    // MARK: Responses

    @Test func aGoodFetchReportsStatusBodyMediaTypeAndAddress() async throws {
        let fetcher = try WebLab.fetcher()
        let response = try await fetcher.get(host: "mta-sts.good.mailtls.test", path: Self.policyPath).get()
        #expect(response.url == "https://mta-sts.good.mailtls.test/.well-known/mta-sts.txt")
        #expect(response.address == "127.0.0.62", "the address mailtls's own resolver gave")
        #expect(response.status == 200)
        #expect(response.mediaType == "text/plain")
        #expect(response.contentType == "text/plain")
        #expect(response.location == nil)
        #expect(response.body == Array(Self.goodPolicy.utf8), "the body byte for byte, CRLF kept")
    }

    @Test func autoconfigFilesComeBackAsXML() async throws {
        let fetcher = try WebLab.fetcher()
        let autoconf = try await fetcher.get(host: "autoconfig.autoconf.mailtls.test",
                                             path: "/mail/config-v1.1.xml").get()
        #expect(autoconf.status == 200)
        #expect(autoconf.mediaType == "text/xml")
        let text = String(decoding: autoconf.body, as: UTF8.self)
        #expect(text.contains("<clientConfig version=\"1.1\">") && text.contains("<port>465</port>"), "\(text)")
        let wellKnown = try await fetcher.get(host: "wellknown.mailtls.test",
                                              path: "/.well-known/autoconfig/mail/config-v1.1.xml").get()
        #expect(wellKnown.status == 200)
        #expect(String(decoding: wellKnown.body, as: UTF8.self).contains("<socketType>STARTTLS</socketType>"))
    }

    @Test func theMediaTypeIsTheServersNotAGuess() async throws {
        // A valid policy served as text/html: the fetcher reports what the server said; the MTA-STS rules judge it.
        let response = try await WebLab.fetcher().get(host: "mta-sts.sts-type.mailtls.test",
                                                      path: Self.policyPath).get()
        #expect(response.status == 200)
        #expect(response.mediaType == "text/html")
        #expect(response.body == Array(Self.goodPolicy.utf8))
    }

    @Test func aNotFoundIsAResponseNotAFailure() async throws {
        let response = try await WebLab.fetcher().get(host: "mta-sts.sts-404.mailtls.test",
                                                      path: Self.policyPath).get()
        #expect(response.status == 404)
        #expect(response.mediaType == "text/html")
        #expect(!response.body.isEmpty)
        #expect(response.location == nil)
    }

    @Test func aRedirectIsReportedNeverFollowed() async throws {
        let response = try await WebLab.fetcher().get(host: "mta-sts.sts-redirect.mailtls.test",
                                                      path: Self.policyPath).get()
        #expect(response.status == 301, "RFC 8461 3.3: redirects are not followed")
        #expect(response.location == "https://mta-sts.good.mailtls.test/.well-known/mta-sts.txt")
        #expect(response.url == "https://mta-sts.sts-redirect.mailtls.test/.well-known/mta-sts.txt")
        #expect(!String(decoding: response.body, as: UTF8.self).contains("STSv1"), "not the target's policy")
    }

    // MARK: Limits

    @Test func aBodyOverTheLimitIsTooLargeAndTheFetchEnds() async throws {
        // A deadline far beyond any load: ending before it means the limit ended the fetch.
        let fetcher = try WebLab.fetcher(maximumBytes: 64 * 1024, timeout: 60)
        let started = ContinuousClock.now
        let outcome = await fetcher.get(host: "mta-sts.sts-big.mailtls.test", path: Self.policyPath)
        #expect(failureOf(outcome) == .tooLarge(limit: 65536), "\(outcome)")
        #expect(started.duration(to: .now) < .seconds(60), "ends at the limit, not at the 60 s deadline")
        #expect(failureOf(outcome)?.evidence == "larger than 65536 bytes")
    }

    @Test func theLimitIsInclusive() async throws {
        // sts-big is 118471 bytes: exactly the limit passes, one byte less fails.
        let exact = try await WebLab.fetcher(maximumBytes: 118_471).get(host: "mta-sts.sts-big.mailtls.test",
                                                                        path: Self.policyPath).get()
        #expect(exact.status == 200)
        #expect(exact.body.count == 118_471)
        #expect(exact.body.starts(with: Array(Self.goodPolicy.utf8)))
        let short = try await WebLab.fetcher(maximumBytes: 118_470).get(host: "mta-sts.sts-big.mailtls.test",
                                                                   path: Self.policyPath)
        #expect(failureOf(short) == .tooLarge(limit: 118_470), "\(short)")
    }

    @Test func aDrippingServerEndsAtTheDeadline() async throws {
        // nginx sends sts-drip at 2 bytes/s (limit_rate 2): whole, it would take over eight minutes.
        let fetcher = try WebLab.fetcher(timeout: 2)
        let started = ContinuousClock.now
        let outcome = await fetcher.get(host: "mta-sts.sts-drip.mailtls.test", path: Self.policyPath)
        let elapsed = started.duration(to: .now)
        #expect(failureOf(outcome) == .timeout(seconds: 2), "\(outcome)")
        #expect(failureOf(outcome)?.evidence == "no answer within 2 s")
        #expect(elapsed >= .milliseconds(1500), "not before the deadline: \(elapsed)")
        #expect(elapsed < .seconds(60), "ends at the deadline, long before the whole drip: \(elapsed)")
    }

    // MARK: Names and connections

    @Test func aNameThatDoesNotExistIsHostNotFound() async throws {
        let outcome = try await WebLab.fetcher().get(host: "nothing-here.mailtls.test", path: Self.policyPath)
        #expect(failureOf(outcome) == .hostNotFound(host: "nothing-here.mailtls.test", nameDoesNotExist: true),
                "\(outcome)")
        #expect(failureOf(outcome)?.evidence == "nothing-here.mailtls.test: NXDOMAIN")
    }

    @Test func aNameWithoutAddressesIsHostNotFound() async throws {
        // good.mailtls.test has MX and TXT records but no A or AAAA.
        let outcome = try await WebLab.fetcher().get(host: "good.mailtls.test", path: Self.policyPath)
        #expect(failureOf(outcome) == .hostNotFound(host: "good.mailtls.test", nameDoesNotExist: false), "\(outcome)")
        #expect(failureOf(outcome)?.evidence == "good.mailtls.test: no address")
    }

    @Test func nothingListeningIsConnectionRefused() async throws {
        // refused-mx.mailtls.test is 127.0.0.9, where nothing listens.
        let started = ContinuousClock.now
        let outcome = try await WebLab.fetcher(timeout: 60).get(host: "refused-mx.mailtls.test", path: Self.policyPath)
        #expect(failureOf(outcome) == .connectionRefused, "\(outcome)")
        #expect(started.duration(to: .now) < .seconds(60), "one attempt, no retries until the 60 s deadline")
    }

    // MARK: Certificates

    @Test func aCertificateForAnotherNameIsANameMismatch() async throws {
        // mta-sts.sts-cert presents the lab's wrong-name chain (SAN wrong.example.test), issued by the lab CA.
        let started = ContinuousClock.now
        let outcome = try await WebLab.fetcher(timeout: 60).get(host: "mta-sts.sts-cert.mailtls.test",
                                                                 path: Self.policyPath)
        let failure = try #require(failureOf(outcome), "\(outcome)")
        #expect(failure == .certificateNameMismatch)
        #expect(failure.isCertificateFailure)
        #expect(started.duration(to: .now) < .seconds(60), "fails at once, not after retries until the 60 s deadline")
    }

    @Test func aCertificateFromAnUntrustedRootIsACertificateFailure() async throws {
        // The good host's chain is sound, but without --ca-file its root is not trusted.
        let outcome = try await WebLab.fetcher(trustLabCA: false).get(host: "mta-sts.good.mailtls.test",
                                                                  path: Self.policyPath)
        let failure = try #require(failureOf(outcome), "\(outcome)")
        #expect(failure.isCertificateFailure)
        guard case .certificateUntrusted(let reason) = failure else {
            Issue.record("expected certificateUntrusted, got \(failure)")
            return
        }
        #expect(reason == "CERTIFICATE_VERIFY_FAILED", "BoringSSL's reason code, not its whole text")
    }

    @Test func failureEvidenceIsShortPlainText() async throws {
        let fetcher = try WebLab.fetcher(timeout: 2)
        let untrusting = try WebLab.fetcher(timeout: 2, trustLabCA: false)
        var outcomes: [Outcome] = []
        outcomes.append(await fetcher.get(host: "nothing-here.mailtls.test", path: Self.policyPath))
        outcomes.append(await fetcher.get(host: "good.mailtls.test", path: Self.policyPath))
        outcomes.append(await fetcher.get(host: "refused-mx.mailtls.test", path: Self.policyPath))
        outcomes.append(await fetcher.get(host: "mta-sts.sts-cert.mailtls.test", path: Self.policyPath))
        outcomes.append(await untrusting.get(host: "mta-sts.good.mailtls.test", path: Self.policyPath))
        outcomes.append(await fetcher.get(host: "mta-sts.sts-drip.mailtls.test", path: Self.policyPath))
        outcomes.append(try await WebLab.fetcher(maximumBytes: 1024).get(host: "mta-sts.sts-big.mailtls.test",
                                                                       path: Self.policyPath))
        for outcome in outcomes {
            let failure = try #require(failureOf(outcome), "\(outcome)")
            #expect(!failure.evidence.isEmpty)
            #expect(!Self.hasRawControlCharacters(failure.evidence), "\(failure.evidence.debugDescription)")
            #expect(failure.evidence.count < 200, "a few words: \(failure.evidence)")
            #expect(!failure.evidence.contains("HTTPSFetcher") && !failure.evidence.contains("Failure."),
                    "never Swift's own description: \(failure.evidence)")
        }
    }

    @Test func onlyCertificateFailuresAreCertificateFailures() {
        let certificate: [HTTPSFetcher.Failure] = [
            .certificateNameMismatch, .certificateUntrusted(reason: "CERTIFICATE_VERIFY_FAILED"), .certificateRefused,
        ]
        let others: [HTTPSFetcher.Failure] = [
            .hostNotFound(host: "a.test", nameDoesNotExist: true), .connectionRefused, .connectionClosed,
            .connectionFailed(reason: "No route to host"), .tlsFailed(reason: "TLSV1_ALERT_UNRECOGNIZED_NAME"),
            .tlsFailed(reason: nil), .tooLarge(limit: 1), .timeout(seconds: 1), .other("invalidURL"),
        ]
        #expect(certificate.allSatisfy { $0.isCertificateFailure })
        #expect(!others.contains { $0.isCertificateFailure })
    }

    // MARK: Classification

    @Test(arguments: [HTTPClientError.deadlineExceeded, .readTimeout, .connectTimeout, .cancelled, .alreadyShutdown])
    func clientTimeoutsAndShutdownsAreTheDeadline(error: HTTPClientError) {
        #expect(HTTPSFetcher.classify(error, timeout: 3) == .timeout(seconds: 3))
    }

    @Test func errorsAreClassifiedByTypeAndCode() {
        #expect(HTTPSFetcher.classify(HTTPClientError.remoteConnectionClosed, timeout: 3) == .connectionClosed)
        #expect(HTTPSFetcher.classify(NIOSSLExtraError.failedToValidateHostname, timeout: 3)
            == .certificateNameMismatch)
        #expect(HTTPSFetcher.classify(NIOSSLExtraError.invalidSNIHostname, timeout: 3) == .certificateRefused)
        #expect(HTTPSFetcher.classify(NIOSSLError.handshakeFailed(.syscallError), timeout: 3)
            == .tlsFailed(reason: "syscallError"))
        #expect(HTTPSFetcher.classify(NIOSSLError.uncleanShutdown, timeout: 3) == .tlsFailed(reason: nil))
        #expect(HTTPSFetcher.classify(IOError(errnoCode: ECONNREFUSED, reason: "connect"), timeout: 3)
            == .connectionRefused)
        #expect(HTTPSFetcher.classify(IOError(errnoCode: EHOSTUNREACH, reason: "connect"), timeout: 3)
            == .connectionFailed(reason: String(cString: strerror(EHOSTUNREACH))))
        #expect(HTTPSFetcher.classify(HTTPClientError.invalidURL, timeout: 3) == .other("invalidURL"),
                "the client error's name, not its description")
        #expect(HTTPSFetcher.classify(UnclassifiedProbeError(), timeout: 3) == .other("UnclassifiedProbeError"))
    }
}
