import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDNS
import MailTLSEngine
import NIOCore
import Synchronization

/// The step-by-step replay behind `Diagnoser`: DNS, TCP, greeting, STARTTLS, TLS, certificate, login, test message.
struct Replay {
    let request: DiagnosisRequest
    let anchors: TrustAnchors
    let resolver: DNSResolver
    var steps: [DiagnosisStep] = []
    var cause: DiagnosisCause?
    var facts: StepEvidence?
    var parameters: [String: String] = [:]
    var transcript: [TranscriptLine] = []
    var password: PasswordFate = .notGiven
    /// The certificate verdicts the gate reached at each handshake, by presented chain, for the certificate step.
    let judgements = CertificateJudgements()

    init(request: DiagnosisRequest, anchors: TrustAnchors, resolver: DNSResolver) {
        self.request = request
        self.anchors = anchors
        self.resolver = resolver
    }

    /// A failed step. The first failure is the cause; a later one (a forced login after a failed certificate) is
    /// only shown.
    mutating func fail(_ kind: DiagnosisStep.Kind, _ cause: DiagnosisCause, _ facts: StepEvidence,
                       _ parameters: [String: String] = [:]) {
        steps.append(DiagnosisStep(kind, .failed, facts))
        self.parameters.merge(parameters) { $1 }
        guard self.cause == nil else { return }
        self.cause = cause
        self.facts = facts
    }

    /// Judges the certificate at the handshake, as the device would, before the dialogue sends the password: a
    /// certificate the device would refuse never sees the credentials.
    var certificateGate: CertificateGate {
        let analyzer = CertificateAnalyzer(anchors: anchors, now: request.now)
        let host = request.host
        let judgements = self.judgements
        return { facts in
            let report = await analyzer.analyse(presentedChain: facts.presentedChain, checkedName: host)
            let judgement = Replay.judge(report, host: host)
            judgements.store(judgement, for: facts.presentedChain)
            guard let cause = judgement.cause else { return .accepted }
            return .rejected(reason: cause.rawValue)
        }
    }

    mutating func pass(_ kind: DiagnosisStep.Kind, _ facts: StepEvidence) {
        steps.append(DiagnosisStep(kind, .passed, facts))
    }

    mutating func run() async {
        guard let address = await resolve() else { return }
        let engine = ConnectionEngine(timeouts: request.timeouts)
        var tls = TLSClientSettings()
        if let maximum = request.clientMaximumTLS {
            tls.maximum = maximum
            tls.minimum = min(tls.minimum, maximum)
            parameters["clientVersion"] = maximum.rawValue
        }
        let serverName = HostnameMatcher.isIPAddress(request.host) ? nil : request.host
        let plan = LoginDialogue.Plan(
            mailProtocol: request.mailProtocol, mode: request.security.connectionMode,
            upgrade: request.security == .startTLS, user: request.user, password: request.password,
            allowPlaintextAuthentication: request.allowPlaintextAuthentication,
            sendDespiteRejectedCertificate: request.sendPasswordDespiteCertificate)
        let conversation = await engine.converse(LoginDialogue(plan: plan), address: address, tls: tls,
                                                 serverName: serverName, certificateGate: certificateGate)
        transcript = conversation.transcript
        password = Replay.passwordFate(request, conversation.record)
        guard await interpret(conversation, address: address, engine: engine) else { return }
        if request.mailProtocol == .smtp, let recipient = request.testRecipient {
            await sendTestMessage(to: recipient, address: address, engine: engine, tls: tls, serverName: serverName)
        }
    }

    // MARK: Steps

    mutating func resolve() async -> SocketAddress? {
        let host = request.host
        if let literal = try? SocketAddress(ipAddress: host, port: request.port) {
            steps.append(DiagnosisStep(.dns, .skipped, .value(host)))
            return literal
        }
        do {
            let answer = try await resolver.addresses(host)
            if let first = answer.records.first, let address = try? SocketAddress(ipAddress: first, port: request.port) {
                pass(.dns, .resolved(host: host, addresses: answer.records))
                return address
            }
            fail(.dns, .hostNotFound, answer.nameDoesNotExist ? .nameDoesNotExist(host: host) : .noAddress(host: host),
                 ["host": host])
        } catch {
            fail(.dns, .hostNotFound, .resolverFailed(host: host, error), ["host": host])
        }
        return nil
    }

    /// Returns whether the login part completed (so a test message can follow).
    mutating func interpret(_ conversation: Conversation<LoginDialogue.Record>, address: SocketAddress,
                            engine: ConnectionEngine) async -> Bool {
        let record = conversation.record
        let port = "\(address.ipAddress ?? request.host):\(request.port)"
        // The connect, judged as every command judges it.
        switch TransportAssessment.connectProblem(conversation.error) {
        case .refused?:
            fail(.tcp, .connectionRefused, .connectionRefused(endpoint: port), ["port": String(request.port)])
            return false
        case .noAnswer(.connectTimeout(let seconds)?)?:
            fail(.tcp, .connectionTimedOut, .connectTimedOut(endpoint: port, seconds: seconds),
                 ["port": String(request.port)])
            return false
        case .unreachable(.connectFailed(let failure)?)?:
            fail(.tcp, .connectionFailed, .connectFailed(endpoint: port, failure))
            return false
        default:
            pass(.tcp, .connected(endpoint: port))
        }

        if request.security == .implicitTLS {
            if case .plaintextOnTLSPort(let line)? = conversation.error {
                fail(.tls, .plaintextOnTLSPort, .serverSaid(line))
                return false
            }
            guard let handshake = conversation.handshake else {
                handshakeFailed(conversation.error)
                return false
            }
            pass(.tls, describe(handshake))
            // A forced login (--insecure-send-password) goes on past the failed certificate, to show what happened.
            guard await certificateIsValid(handshake) || record.passwordSentDespiteCertificate else { return false }
            guard greeted(record, conversation.error) else { return false }
        } else {
            if record.greeting == nil, record.refusedGreeting == nil {
                if case .readTimeout(_, "greeting")? = conversation.error,
                   await speaksImplicitTLS(address: address, engine: engine) {
                    fail(.greeting, .tlsOnSTARTTLSPort, .tlsWithoutGreeting)
                    return false
                }
            }
            guard greeted(record, conversation.error) else { return false }
            if let refusal = record.refusedCapabilities, !record.tlsEstablished {
                fail(.greeting, ReplyClassifier.cause(ofMessageRefusal: refusal), .serverSaid(refusal.statusLine))
                return false
            }
            if request.security == .startTLS {
                switch TransportAssessment.startTLSProblem(record.startTLS, mailProtocol: request.mailProtocol) {
                case .startTLSNotOffered?:
                    fail(.starttls, .starttlsNotOffered,
                         .startTLSNotOffered(capabilities: record.capabilitiesBeforeTLS ?? []))
                    return false
                case .startTLSRefused(let response)?:
                    fail(.starttls, .starttlsNotOffered, .serverSaid(response.statusLine))
                    return false
                default:
                    if record.startTLS == .accepted {
                        pass(.starttls, .startTLSAccepted)
                    } else if let error = conversation.error {
                        fail(.starttls, .connectionFailed, .failure(error))
                        return false
                    }
                }
                guard let handshake = conversation.handshake else {
                    handshakeFailed(conversation.error)
                    return false
                }
                pass(.tls, describe(handshake))
                guard await certificateIsValid(handshake) || record.passwordSentDespiteCertificate else {
                    return false
                }
            } else {
                steps.append(DiagnosisStep(.starttls, .skipped, .securityNone))
                steps.append(DiagnosisStep(.tls, .skipped, .securityNone))
            }
        }
        if let refusal = record.refusedCapabilities {
            // The server refuses the session once TLS is up (Microsoft's 4.7.66 for TLS 1.0/1.1): the TLS step fails,
            // in place of its earlier "passed".
            let cause = ReplyClassifier.cause(ofMessageRefusal: refusal)
            if record.tlsEstablished, let index = steps.lastIndex(where: { $0.kind == .tls }) {
                var handshake: (version: String?, cipher: String?) = (nil, nil)
                if case .handshake(let version, let cipher) = steps[index].facts { handshake = (version, cipher) }
                steps[index] = DiagnosisStep(.tls, .failed, .refusedAfterHandshake(
                    version: handshake.version, cipher: handshake.cipher, reply: refusal.statusLine))
                self.cause = cause
                facts = .serverSaid(refusal.statusLine)
            } else {
                fail(.greeting, cause, .serverSaid(refusal.statusLine))
            }
            return false
        }
        return authenticated(record, conversation.error)
    }

    mutating func greeted(_ record: LoginDialogue.Record, _ error: EngineError?) -> Bool {
        if let refused = record.refusedGreeting {
            fail(.greeting, .serviceUnavailable, .serverSaid(refused.statusLine))
            return false
        }
        guard let greeting = record.greeting else {
            fail(.greeting, .noGreeting, error.map(StepEvidence.failure) ?? .noGreeting)
            return false
        }
        pass(.greeting, .serverSaid(greeting.lines.first ?? ""))
        return true
    }

    mutating func handshakeFailed(_ error: EngineError?) {
        let detail = error.map(StepEvidence.failure) ?? .handshakeFailed
        if request.clientMaximumTLS != nil, error?.isVersionRefusal == true {
            fail(.tls, .tlsVersionTooOld, detail)
        } else {
            fail(.tls, .tlsHandshakeFailed, detail)
        }
    }

    func describe(_ handshake: HandshakeFacts) -> StepEvidence {
        .handshake(version: handshake.version?.rawValue, cipher: handshake.cipherSuite?.ianaName)
    }

    /// A device checks the certificate against the name typed into it. The gate judged it at the handshake; the
    /// step shows that verdict (or reaches it now, for a conversation without a gate).
    mutating func certificateIsValid(_ handshake: HandshakeFacts) async -> Bool {
        var judgement = judgements.judgement(for: handshake.presentedChain)
        if judgement == nil {
            let report = await CertificateAnalyzer(anchors: anchors, now: request.now)
                .analyse(presentedChain: handshake.presentedChain, checkedName: request.host)
            judgement = Replay.judge(report, host: request.host)
        }
        guard let judgement else { return false }
        parameters.merge(judgement.parameters) { $1 }
        if let cause = judgement.cause {
            fail(.certificate, cause, judgement.facts)
            return false
        }
        pass(.certificate, judgement.facts)
        return true
    }

    /// The verdict a device reaches on a certificate: the first refusal in the order devices check (expiry, then
    /// self-signed, whatever name it carries, then the name, then the issuer), by the rules every command shares.
    static func judge(_ report: CertificateReport?, host: String) -> CertificateJudgement {
        guard let report else { return CertificateJudgement(cause: .certificateUntrusted, facts: .noCertificate) }
        let leaf = report.leaf
        let names = leaf.subjectAlternativeNames.joined(separator: ", ")
        let parameters = ["names": names, "notAfter": ISO8601.format(leaf.notAfter), "issuer": leaf.issuer]
        guard let refusal = CertificateAssessment.refusal(of: report) else {
            return CertificateJudgement(cause: nil, facts: .certificateAccepted(
                names: leaf.subjectAlternativeNames, daysLeft: report.daysLeft, issuer: leaf.issuer),
                                        parameters: parameters)
        }
        let cause: DiagnosisCause = switch refusal {
        case .expired: .certificateExpired
        case .notYetValid: .certificateNotYetValid
        case .selfSigned: .certificateSelfSigned
        case .nameMismatch: .certificateNameMismatch
        case .incompleteChain, .untrusted, .weakKey, .weakSignature, .expiringSoon: .certificateUntrusted
        }
        return CertificateJudgement(cause: cause, facts: .certificateRefused(refusal), parameters: parameters)
    }

    /// What became of the password on the login connection.
    static func passwordFate(_ request: DiagnosisRequest, _ record: LoginDialogue.Record) -> PasswordFate {
        guard request.user != nil, request.password != nil else { return .notGiven }
        switch record.authentication {
        case .withheldUntrustedCertificate: return .withheldUntrustedCertificate
        case .withheldWithoutTLS: return .withheldWithoutTLS
        case .notTried, .noUsableMechanism: return .notReached
        case .succeeded, .rejected:
            if record.passwordSentDespiteCertificate { return .sentDespiteCertificate }
            return record.tlsEstablished ? .sentOverVerifiedTLS : .sentWithoutTLS
        }
    }

    mutating func authenticated(_ record: LoginDialogue.Record, _ error: EngineError?) -> Bool {
        let offered = record.capabilitiesAfterTLS ?? record.capabilitiesBeforeTLS ?? []
        switch record.authentication {
        case .notTried:
            if let error, request.user != nil {
                fail(.authentication, .connectionFailed, .failure(error))
                return false
            }
            steps.append(DiagnosisStep(.authentication, .skipped,
                                       request.user == nil ? .noUserGiven(offered: offered) : .offered(offered)))
            return true
        case .succeeded(let mechanism, let response):
            pass(.authentication, .authenticationReply(mechanism: mechanism, reply: response.statusLine))
            return true
        case .rejected(let mechanism, let response):
            let cause = ReplyClassifier.cause(ofAuthenticationRefusal: response, mailProtocol: request.mailProtocol)
            fail(.authentication, cause, .authenticationReply(mechanism: mechanism, reply: response.statusLine))
            return false
        case .noUsableMechanism where !record.tlsEstablished && record.offersSTARTTLS:
            // Servers hide AUTH until TLS (Postfix smtpd_tls_auth_only): the setting lacks STARTTLS.
            fail(.authentication, .starttlsRequired,
                 .noAuthenticationBeforeTLS(offered: record.capabilitiesBeforeTLS ?? []))
            return false
        case .noUsableMechanism(let mechanisms):
            fail(.authentication, .authMechanismMissing, .authenticationMechanisms(mechanisms))
            return false
        case .withheldWithoutTLS:
            fail(.authentication, .passwordWithheld, .passwordWithheldWithoutTLS)
            return false
        case .withheldUntrustedCertificate:
            // The certificate step already failed and says why; the report says the password stayed here.
            return false
        }
    }

    /// Whether the port completes a TLS handshake without any greeting: it expects "SSL/TLS".
    func speaksImplicitTLS(address: SocketAddress, engine: ConnectionEngine) async -> Bool {
        let plan = LoginDialogue.Plan(mailProtocol: request.mailProtocol, mode: .implicitTLS)
        let serverName = HostnameMatcher.isIPAddress(request.host) ? nil : request.host
        let probe = await engine.converse(LoginDialogue(plan: plan), address: address, serverName: serverName)
        return probe.handshake != nil
    }

    mutating func sendTestMessage(to recipient: String, address: SocketAddress, engine: ConnectionEngine,
                                  tls: TLSClientSettings, serverName: String?) async {
        guard request.security != .plaintext || request.password == nil || request.allowPlaintextAuthentication else {
            steps.append(DiagnosisStep(.testMessage, .skipped, .testMessageSkippedWithoutTLS))
            return
        }
        let from = request.user.flatMap { $0.contains("@") ? $0 : nil } ?? recipient
        let message = Array(("From: <\(from)>\r\nTo: <\(recipient)>\r\nSubject: mailtls diagnose test\r\n"
            + "Date: \(RFC5322Date.format(request.now))\r\nMessage-ID: <\(UUID().uuidString)@mailtls.invalid>\r\n\r\n"
            + "This message was sent by mailtls diagnose to test the settings.\r\n").utf8)
        let plan = SubmissionDialogue.Plan(
            mode: request.security.connectionMode, upgrade: request.security == .startTLS,
            user: request.user,
            password: request.password, allowPlaintextAuthentication: request.allowPlaintextAuthentication,
            sendDespiteRejectedCertificate: request.sendPasswordDespiteCertificate,
            from: from, recipients: [recipient], message: message)
        let conversation = await engine.converse(SubmissionDialogue(plan: plan), address: address, tls: tls,
                                                 serverName: serverName, certificateGate: certificateGate)
        transcript += conversation.transcript
        switch conversation.record.stop {
        case .delivered(let response):
            pass(.testMessage, .testMessageAccepted(recipient: recipient, reply: response.statusLine))
        case .refused(_, let response):
            fail(.testMessage, ReplyClassifier.cause(ofMessageRefusal: response), .serverSaid(response.statusLine))
        case .noTLSForPassword:
            fail(.testMessage, .passwordWithheld, .testMessageWithoutTLS)
        case .untrustedCertificate(let reason):
            // A certificate swapped between the login and the test message: the second connection sends nothing.
            fail(.testMessage, .certificateUntrusted, .certificateRejectedOnSecondConnection(reason: reason))
            password = .withheldUntrustedCertificate
        case .interrupted:
            fail(.testMessage, .connectionFailed, conversation.error.map(StepEvidence.failure) ?? .interrupted)
        }
    }
}

/// A device's verdict on a certificate: nil cause when it would accept it.
struct CertificateJudgement: Sendable {
    var cause: DiagnosisCause?
    var facts: StepEvidence
    var parameters: [String: String] = [:]
}

/// The gate's verdicts, shared between the connection (which judges at the handshake) and the report.
final class CertificateJudgements: Sendable {
    private let byChain = Mutex<[[[UInt8]]: CertificateJudgement]>([:])

    func store(_ judgement: CertificateJudgement, for chain: [[UInt8]]) {
        byChain.withLock { $0[chain] = judgement }
    }

    func judgement(for chain: [[UInt8]]) -> CertificateJudgement? {
        byChain.withLock { $0[chain] }
    }
}
