import Foundation
import MailTLSAccount
import MailTLSCore
import MailTLSDNS
import MailTLSEngine
import MailTLSSetup
import MailTLSWeb
import TestSupport
import Testing

@testable import MailTLSCheck
@testable import MailTLSDomainCheck
@testable import MailTLSReport
@testable import MailTLSSandbox

/// Every Japanese message follows docs/glossary-ja.md: no forbidden variant, no stray English, full-width
/// punctuation next to Japanese, and a Japanese text that exists and differs from the English one.
@Suite struct GlossaryTests {
    @Test func glossaryReadsWithTermsAndEnglishWords() throws {
        let glossary = try Glossary.shared()
        #expect(glossary.rows.count >= 20)
        #expect(glossary.rows.contains { $0.preferred.contains("サーバー名") && $0.forbidden.contains("ホスト名") })
        #expect(glossary.rows.contains { $0.preferred.contains("暗号スイート") && $0.forbidden.contains("暗号方式") })
        #expect(glossary.englishWords.contains("STARTTLS") && glossary.englishWords.contains("MTA-STS"))
        #expect(glossary.englishPhrases.contains("Let's Encrypt"))
    }

    /// The checks themselves, on sentences that break each rule.
    @Test(arguments: [
        ("ホスト名を確認してください。", "forbidden"),
        ("サーバ名を確認してください。", "forbidden"),
        ("プライベート CA の証明書です。", "forbidden"),
        ("証明書が不正です。", "forbidden"),
        ("TLSv1.2 以上を使ってください。", "forbidden"),
        ("経路上の誰でもパスワードを読めます。", "forbidden"),
        ("サーバーの handshake failed です。", "english"),
        ("ポート 25(接続拒否)です。", "punctuation"),
        ("ポート 25 です,465 も使えます。", "punctuation"),
    ])
    func theChecksCatchEachKindOfMistake(sentence: String, kind: String) throws {
        let problems = try Glossary.shared().problems(inJapanese: sentence)
        #expect(problems.contains { $0.hasPrefix(kind) }, "\(sentence): \(problems)")
    }

    @Test(arguments: [
        "サーバー名「mail.example.com」を確認してください。",
        "Postfix: smtpd_tls_protocols = >=TLSv1.2、Dovecot: ssl_min_protocol = TLSv1.2 を設定してください。",
        "公的な認証局（Let's Encrypt など）の証明書を使い、--ca-file で指定してください。",
        "プロバイダーのサーバーに TLS 1.2 で接続します。",
    ])
    func goodSentencesPass(sentence: String) throws {
        #expect(try Glossary.shared().problems(inJapanese: sentence).isEmpty)
    }

    @Test(arguments: FindingID.allCases)
    func findingCatalog(id: FindingID) throws {
        let entry = FindingCatalog.entry(id)
        try expectGood([GlossaryText("\(id) message", entry.message), GlossaryText("\(id) fix", entry.fix)])
        let finding = Finding(
            id, .critical, port: 587, evidence: .failure(.connectionRefused),
            parameters: [
                "date": "2026-01-01T00:00:00Z", "days": "3", "name": "mail.example.test",
                "names": "other.example.test", "issuer": "CN=R10", "versions": "1.0",
                "version": "1.0", "cipher": "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
                "keyword": "STARTTLS", "bytes": "12", "seconds": "12", "suites": "TLS_RSA_WITH_RC4_128_SHA",
            ])
        try expectGood([
            GlossaryText(
                "\(id) rendered message", en: FindingCatalog.message(for: finding, in: .en),
                ja: FindingCatalog.message(for: finding, in: .ja)),
            GlossaryText(
                "\(id) rendered fix", en: FindingCatalog.fix(for: finding, in: .en),
                ja: FindingCatalog.fix(for: finding, in: .ja)),
        ])
    }

    /// Every fix in a server's own terms, for each software alone and for none named (the examples).
    @Test(arguments: FindingID.allCases)
    func serverFixCatalog(id: FindingID) throws {
        guard let entry = ServerFixCatalog.entry(id) else { return }
        var texts = [GlossaryText("\(id) general", entry.general)]
        for (software, setting) in entry.settings {
            texts.append(GlossaryText("\(id) \(software)", setting))
            texts.append(rendered("\(id) fix for \(software)") {
                ServerFixCatalog.fix(id, software: [software], $0, [:]) ?? ""
            })
        }
        texts.append(rendered("\(id) fix, software unknown") { ServerFixCatalog.fix(id, software: [], $0, [:]) ?? "" })
        try expectGood(texts)
        // Never another server's settings: an Exim fix names no Postfix parameter, a Postfix fix no Exim option.
        if let exim = ServerFixCatalog.fix(id, software: [.exim], .en, [:]), entry.settings[.exim] != nil {
            #expect(!exim.contains("smtpd_") && !exim.contains("Postfix"), "\(exim)")
        }
        if let postfix = ServerFixCatalog.fix(id, software: [.postfix], .en, [:]) {
            #expect(!postfix.contains("Exim") && !postfix.contains("tls_advertise_hosts"), "\(postfix)")
        }
    }

    @Test(arguments: DiagnosisCause.allCases)
    func diagnosisCatalog(cause: DiagnosisCause) throws {
        let entry = DiagnosisCatalog.entry(cause)
        try expectGood([GlossaryText("\(cause) message", entry.message), GlossaryText("\(cause) fix", entry.fix)])
    }

    /// Every variant the catalogue picks by the finding's `reason`, and the plain entry of every id.
    @Test(arguments: DomainFindingID.allCases)
    func domainFindingCatalog(id: DomainFindingID) throws {
        var texts: [GlossaryText] = []
        for reason in [
            nil, "mx-insecure", "tlsa-insecure", "content-type", "served", "several", "no", "syntax",
            "redirect", "status",
        ] as [String?] {
            let finding = DomainFinding(
                id, .warning, subject: "mx.example.test", evidence: .data("rcode=2"),
                parameters: reason.map { ["reason": $0] } ?? [:])
            let entry = DomainFindingCatalog.entry(finding)
            texts += [
                GlossaryText("\(id) \(reason ?? "-") message", entry.message),
                GlossaryText("\(id) \(reason ?? "-") fix", entry.fix),
            ]
        }
        texts += [
            GlossaryText("\(id) base message", DomainFindingCatalog.base(id).message),
            GlossaryText("\(id) base fix", DomainFindingCatalog.base(id).fix),
        ]
        try expectGood(texts)
    }

    @Test func checkReportWords() throws {
        var texts: [GlossaryText] = [
            GlossaryText("port", UIText.port), GlossaryText("proto", UIText.proto), GlossaryText("state", UIText.state),
            GlossaryText("security", UIText.security), GlossaryText("tls", UIText.tls),
            GlossaryText("versions", UIText.versions),
            GlossaryText("cipher", UIText.cipher), GlossaryText("certificate", UIText.certificate),
            GlossaryText("daysLeft", UIText.daysLeft),
            GlossaryText("header", UIText.header), GlossaryText("findingsHeader", UIText.findingsHeader),
            GlossaryText("noFindings", UIText.noFindings), GlossaryText("evidence", UIText.evidence),
            GlossaryText("fix", UIText.fix),
            GlossaryText("certificateDetails", UIText.certificateDetails), GlossaryText("subject", UIText.subject),
            GlossaryText("names", UIText.names), GlossaryText("issuer", UIText.issuer),
            GlossaryText("validUntil", UIText.validUntil),
            GlossaryText("key", UIText.key), GlossaryText("chain", UIText.chain),
            GlossaryText("capabilities", UIText.capabilities),
            GlossaryText("beforeTLS", UIText.beforeTLS), GlossaryText("afterTLS", UIText.afterTLS),
            GlossaryText("none", UIText.none),
            GlossaryText("exitLine", UIText.exitLine),
        ]
        texts += Severity.allCases.map { severity in rendered("severity \(severity)") { UIText.severity(severity, $0) }
        }
        texts += [PortState.open, .closed, .filtered, .error].map { state in
            rendered("state \(state)") { UIText.state(state, $0) }
        }
        texts += LoginProbeMethod.allCases.map { method in
            rendered("login probe \(method)") { UIText.loginProbeMethod(method, $0) }
        }
        let inputErrors: [CheckInputError] = [
            .unknownHost("mail.example.test"), .unreadableCAFile(path: "/tmp/ca.pem", reason: "errno=2"),
            .noCertificatesInCAFile(path: "/tmp/ca.pem"),
        ]
        texts += inputErrors.map { error in rendered("input \(error)") { UIText.inputError(error, $0) } }
        let resolverErrors: [DNSError] = [
            .configuration("rcode=2"), .unreadableTrustAnchor(path: "/tmp/root.key"),
            .badResolverAddress("192.0.2.999"), .resolution("rcode=2"), .timeout(seconds: 5),
        ]
        texts += resolverErrors.map { error in rendered("resolver \(error)") { UIText.resolverError(error, $0) } }
        texts.append(rendered("port spec") { UIText.portSpecError(.notANumber("25x"), $0) })
        try expectGood(texts)
    }

    @Test func accountWords() throws {
        var texts: [GlossaryText] = [
            GlossaryText("setupHeader", AccountText.setupHeader), GlossaryText("sources", AccountText.sources),
            GlossaryText("tried", AccountText.tried), GlossaryText("recommended", AccountText.recommended),
            GlossaryText("incoming", AccountText.incoming), GlossaryText("alternative", AccountText.alternative),
            GlossaryText("outgoing", AccountText.outgoing), GlossaryText("host", AccountText.host),
            GlossaryText("port", AccountText.port),
            GlossaryText("security", AccountText.security), GlossaryText("authentication", AccountText.authentication),
            GlossaryText("username", AccountText.username), GlossaryText("devices", AccountText.devices),
            GlossaryText("noSTARTTLSDevice", AccountText.noSTARTTLSDevice),
            GlossaryText("noImplicitTLS", AccountText.noImplicitTLS),
            GlossaryText("legacyAccepted", AccountText.legacyAccepted),
            GlossaryText("legacyRefused", AccountText.legacyRefused),
            GlossaryText("why", AccountText.why), GlossaryText("nothingFound", AccountText.nothingFound),
            GlossaryText("works", AccountText.works), GlossaryText("password", AccountText.password),
            GlossaryText("diagnoseHeader", AccountText.diagnoseHeader),
            GlossaryText("verdictOK", AccountText.verdictOK),
            GlossaryText("cause", AccountText.cause), GlossaryText("fix", AccountText.fix),
            GlossaryText("working", AccountText.working),
            GlossaryText("noneWorking", AccountText.noneWorking),
            GlossaryText("discoveredForAddress", AccountText.discoveredForAddress),
        ]
        let fates: [PasswordFate] = [
            .sentOverVerifiedTLS, .withheldUntrustedCertificate, .withheldWithoutTLS,
            .notReached, .sentDespiteCertificate, .sentWithoutTLS,
        ]
        texts += fates.map { fate in rendered("password \(fate)") { AccountText.passwordFate(fate, $0) ?? "" } }
        texts += DiagnosisStep.Kind.allCases.map { kind in rendered("step \(kind)") { AccountText.step(kind, $0) } }
        texts += [DiagnosisStep.Status.passed, .failed, .skipped].map { status in
            rendered("status \(status)") { AccountText.status(status, $0) }
        }
        texts += DiscoverySource.allCases.map { source in
            rendered("source \(source)") { AccountText.source(source, $0) }
        }
        let details: [SourceOutcome.Detail] = [
            .noSRVRecords, .srvNotOffered(["_imaps._tcp", "_pop3s._tcp"]), .noGuessedHostResolves, .guessingOff,
            .fetch(.hostNotFound(host: "autoconfig.example.test", nameDoesNotExist: true)), .httpStatus(404),
            .fetch(.certificateNameMismatch), .fetch(.timeout(seconds: 5)),
            .badAutoconfig(.tooLarge(byteCount: 2_000_000)), .badAutoconfig(.documentTypeDeclaration),
            .badAutoconfig(.notUTF8), .badAutoconfig(.unsupportedEncoding(declared: "UTF-7")),
            .badAutoconfig(.processingInstruction), .badAutoconfig(.malformedXML(line: 3, detail: "x")),
            .badAutoconfig(.notClientConfig(root: "html")), .badAutoconfig(.missingEmailProvider),
            .badAutoconfig(.missingProviderID),
        ]
        let outcomes: [SourceOutcome.Result] = [.found(2)] + details.flatMap { detail in
            [SourceOutcome.Result.notPublished(detail), .failed(detail), .skipped(detail)]
        }
        texts += outcomes.map { outcome in rendered("outcome \(outcome)") { AccountText.outcome(outcome, $0) } }
        let failures: [CandidateFailure] = [
            .hostNotFound, .transport(.refused), .transport(.noAnswer(.connectTimeout(seconds: 5))),
            .transport(.plaintextOnTLSPort(greeting: "220 mx.example.test")), .transport(.tlsOnPlaintextPort(version: .tls13)),
            .transport(.startTLSNotOffered(keyword: "STARTTLS")),
            .transport(.handshakeFailed(.tlsHandshakeFailed(reason: .library("x"), alert: .handshakeFailure), afterSTARTTLS: false)),
            .transport(.protocolError(.readTimeout(seconds: 10, during: "greeting"))),
            .transport(.unavailable(MailResponse(outcome: .transientFailure, code: "421", lines: ["421 4.7.0 busy"]))),
            .transport(.noAuthenticationAfterTLS),
            .certificate(.expired(notAfter: Date(timeIntervalSince1970: 0), daysAgo: 3)),
            .certificate(.nameMismatch(checkedName: "mx.example.test", names: ["other.example.test"])),
            .plaintextOnly,
        ]
        texts += failures.map { failure in rendered("failure \(failure)") { AccountText.failure(failure, $0) } }
        texts += [AuthenticationKind.passwordCleartext, .passwordEncrypted].map { kind in
            rendered("authentication \(kind)") { AccountText.authentication([kind], $0) }
        }
        texts += [
            rendered("bad address") { AccountErrorText.discovery(.badAddress("user.example.test"), $0) },
            rendered("password file") { AccountErrorText.unreadablePasswordFile("/tmp/pw.txt", $0) },
            rendered("password variable") { AccountErrorText.missingPasswordVariable("MAIL_PASSWORD", $0) },
            rendered("no terminal") { AccountErrorText.noTerminalForPassword($0) },
            rendered("prompt") { AccountErrorText.passwordPrompt($0) },
        ]
        try expectGood(texts)
    }

    @Test func settingsSheetWords() throws {
        typealias Sheet = SettingsSheet.Text
        try expectGood([
            GlossaryText("title", Sheet.title), GlossaryText("address", Sheet.address),
            GlossaryText("name", Sheet.name),
            GlossaryText("incoming", Sheet.incoming), GlossaryText("incomingAlternative", Sheet.incomingAlternative),
            GlossaryText("outgoing", Sheet.outgoing), GlossaryText("noIncoming", Sheet.noIncoming),
            GlossaryText("noOutgoing", Sheet.noOutgoing),
            GlossaryText("hostname", Sheet.hostname), GlossaryText("port", Sheet.port),
            GlossaryText("encryption", Sheet.encryption),
            GlossaryText("authentication", Sheet.authentication), GlossaryText("username", Sheet.username),
            GlossaryText("password", Sheet.password), GlossaryText("accountPassword", Sheet.accountPassword),
            GlossaryText("noUsername", Sheet.noUsername), GlossaryText("noEncryption", Sheet.noEncryption),
            GlossaryText("normalPassword", Sheet.normalPassword),
            GlossaryText("encryptedPassword", Sheet.encryptedPassword),
            GlossaryText("clientAddress", Sheet.clientAddress),
            GlossaryText("clientCertificate", Sheet.clientCertificate),
            GlossaryText("noAuthentication", Sheet.noAuthentication),
            GlossaryText("deviceHeading", Sheet.deviceHeading),
            GlossaryText("withoutSTARTTLS", Sheet.withoutSTARTTLS), GlossaryText("noImplicitTLS", Sheet.noImplicitTLS),
            GlossaryText("oldestTLS", Sheet.oldestTLS), GlossaryText("legacyNeedsRelay", Sheet.legacyNeedsRelay),
            GlossaryText("legacyAccepted", Sheet.legacyAccepted), GlossaryText("why", Sheet.why),
            GlossaryText("notes", Sheet.notes),
            GlossaryText("footer", Sheet.footer),
        ])
    }

    @Test func domainWords() throws {
        var texts: [GlossaryText] = [
            GlossaryText("header", DomainText.header), GlossaryText("mxHeader", DomainText.mxHeader),
            GlossaryText("preference", DomainText.preference), GlossaryText("host", DomainText.host),
            GlossaryText("address", DomainText.address), GlossaryText("starttls", DomainText.starttls),
            GlossaryText("dane", DomainText.dane),
            GlossaryText("mtaSTS", DomainText.mtaSTS), GlossaryText("noMX", DomainText.noMX),
            GlossaryText("tlsa", DomainText.tlsa),
            GlossaryText("noRecord", DomainText.noRecord), GlossaryText("stsRecord", DomainText.stsRecord),
            GlossaryText("stsPolicy", DomainText.stsPolicy), GlossaryText("tlsrptRecord", DomainText.tlsrptRecord),
            GlossaryText("policySummary", DomainText.policySummary),
            GlossaryText("modeMeaning", DomainText.modeMeaning),
            GlossaryText("enforceMeaning", DomainText.enforceMeaning),
            GlossaryText("testingMeaning", DomainText.testingMeaning),
            GlossaryText("noneMeaning", DomainText.noneMeaning),
        ]
        texts += [true, false].map { value in rendered("yesNo \(value)") { DomainText.yesNo(value, $0) } }
        texts += [true, false].map { value in rendered("listed \(value)") { DomainText.listed(value, $0) } }
        texts += [DNSSECStatus.secure, .insecure, .bogus(reason: "rcode=2")].map { status in
            rendered("dnssec \(status)") { DomainText.dnssec(status, $0) }
        }
        let failures: [HTTPSFetcher.Failure] = [
            .hostNotFound(host: "mta-sts.example.test", nameDoesNotExist: true),
            .hostNotFound(host: "mta-sts.example.test", nameDoesNotExist: false),
            .lookupFailed(host: "mta-sts.example.test", .timeout(seconds: 5)),
            .dnssecBogus(host: "mta-sts.example.test", reason: "rcode=2"), .connectionRefused, .connectionClosed,
            .connectionFailed(reason: "errno=113"), .certificateNameMismatch,
            .certificateUntrusted(reason: "CERTIFICATE_VERIFY_FAILED"), .certificateRefused,
            .tlsFailed(reason: "alert=40"), .tlsFailed(reason: nil), .tooLarge(limit: 65536), .timeout(seconds: 5),
            .other("invalidURL"),
        ]
        texts += failures.map { failure in rendered("fetch \(failure)") { DomainText.fetchFailure(failure, $0) } }
        let inputErrors: [DomainInputError] = [.badDomain("example..test"), .domainNotFound("example.test")]
        texts += inputErrors.map { error in rendered("input \(error)") { DomainText.inputError(error, $0) } }
        try expectGood(texts)
    }

    @Test func sandboxWords() throws {
        let json = """
            {"address": "192.0.2.7", "connections": 2, "ports": [587], "offeredVersions": ["1.0"],
             "maximumVersion": "1.0", "negotiatedVersions": ["1.0"], "offeredCipherSuites": [],
             "negotiatedCipherSuites": [], "serverNames": [], "usedSTARTTLS": true, "usedImplicitTLS": false,
             "credentialsInClear": true, "certificateValidation": "does-not-validate",
             "authenticationMechanisms": [], "messagesSent": 1, "advice": [], "recommendedSubmission": "relay"}
            """
        let device = try JSONDecoder().decode(DeviceSummary.self, from: Data(json.utf8))
        let english = SandboxText(language: .en, color: false)
        let japanese = SandboxText(language: .ja, color: false)
        var texts = DeviceSummary.Advice.allCases.map { advice in
            GlossaryText("advice \(advice)", en: english.advice(advice, device), ja: japanese.advice(advice, device))
        }
        texts += [ConnectionReport.Validation.validates, .doesNotValidate, .unknown].map { value in
            GlossaryText("validation \(value)", en: english.validation(value), ja: japanese.validation(value))
        }
        texts += ["465 SSL/TLS", "587 STARTTLS", "relay"].map { value in
            GlossaryText("recommended \(value)", en: english.recommended(value), ja: japanese.recommended(value))
        }
        texts.append(GlossaryText("no devices", en: english.devices([]), ja: japanese.devices([])))
        try expectGood(texts)
    }

    /// The relay's problems as rendered, one of every case (an earlier relay's English text, shown as it is, aside).
    @Test func relayProblems() throws {
        let texts = RelayProblemTextTests.samples.filter { if case .legacy = $0 { false } else { true } }.map { problem in
            GlossaryText("relay problem \(RelayProblemTextTests.sampleName(problem))",
                         en: RelayProblemText.render(problem, .en), ja: RelayProblemText.render(problem, .ja))
        }
        try expectGood(texts)
    }

    /// Every Japanese string literal in the report and command sources, including the sentences composed in code
    /// (`ja ? "…" : "…"`, the sandbox's `t("…", "…")`), with interpolations taken as placeholders.
    @Test(arguments: GlossaryTests.sourceFiles())
    func japaneseLiteralsInSources(file: String) throws {
        let glossary = try Glossary.shared()
        let source = try String(contentsOf: Glossary.packageRoot.appendingPathComponent(file), encoding: .utf8)
        for literal in SwiftLiterals.japanese(in: source) {
            let problems = glossary.problems(inJapanese: literal)
            #expect(problems.isEmpty, "\(file): \(literal)\n\(problems.joined(separator: "\n"))")
        }
    }

    /// The source scan sees the catalogues: one Japanese message and one fix per finding.
    @Test func sourceScanSeesEveryFindingText() throws {
        let url = Glossary.packageRoot.appendingPathComponent("Sources/MailTLSReport/Text/FindingCatalog.swift")
        let literals = SwiftLiterals.japanese(in: try String(contentsOf: url, encoding: .utf8))
        // A fix that is a setting lives in ServerFixCatalog (its general words and each software's setting); the
        // words of a verdict other commands share live in VerdictCatalog, which the scan reads too: its statements,
        // and a fix for each of its two readers.
        let moved = FindingID.allCases.filter { ServerFixCatalog.entry($0) != nil }.count
        let shared = FindingID.allCases.filter { FindingCatalog.sharedVerdict($0) != nil }
        let sharedAndMoved = shared.filter { ServerFixCatalog.entry($0) != nil }.count
        let ownSentences = 1  // starttls-not-supported says what the missing STARTTLS exposes
        #expect(literals.count == 2 * (FindingID.allCases.count - shared.count) - (moved - sharedAndMoved) + ownSentences)
        let verdicts = Glossary.packageRoot.appendingPathComponent("Sources/MailTLSReport/Text/VerdictCatalog.swift")
        let verdictLiterals = SwiftLiterals.japanese(in: try String(contentsOf: verdicts, encoding: .utf8))
        #expect(verdictLiterals.count >= 3 * VerdictCatalog.Verdict.allCases.count)
        #expect(GlossaryTests.sourceFiles().contains("Sources/MailTLSReport/Text/VerdictCatalog.swift"))
        #expect(GlossaryTests.sourceFiles().contains("Sources/mailtls/SandboxMessages.swift"))
    }

    static func sourceFiles() -> [String] {
        let root = Glossary.packageRoot
        var files: [String] = []
        for directory in ["Sources/MailTLSReport", "Sources/mailtls"] {
            let url = root.appendingPathComponent(directory)
            guard let walker = FileManager.default.enumerator(atPath: url.path) else { continue }
            for case let path as String in walker where path.hasSuffix(".swift") {
                files.append("\(directory)/\(path)")
            }
        }
        return files.sorted()
    }

    // MARK: Helpers

    func rendered(_ place: String, _ text: (Language) -> String) -> GlossaryText {
        GlossaryText(place, en: text(.en), ja: text(.ja))
    }

    func expectGood(_ texts: [GlossaryText]) throws {
        let glossary = try Glossary.shared()
        for text in texts {
            let problems = glossary.problems(of: text)
            #expect(problems.isEmpty, "\(text.place): \(text.ja)\n\(problems.joined(separator: "\n"))")
        }
    }
}

/// One message in both languages, as the catalogue holds it (placeholders unfilled) or as rendered.
struct GlossaryText {
    var place: String
    var en: String
    var ja: String

    init(_ place: String, en: String, ja: String) {
        self.place = place
        self.en = en
        self.ja = ja
    }

    init(_ place: String, _ text: LocalizedText) {
        self.init(place, en: text.en, ja: text.ja)
    }
}

/// String literals of Swift source that contain Japanese, with each interpolation replaced by U+FFFC.
enum SwiftLiterals {
    static func japanese(in source: String) -> [String] {
        let characters = Array(source)
        var literals: [String] = []
        var index = 0
        func at(_ offset: Int) -> Character? {
            index + offset < characters.count ? characters[index + offset] : nil
        }
        while index < characters.count {
            let character = characters[index]
            if character == "/", at(1) == "/" {
                while index < characters.count, characters[index] != "\n" { index += 1 }
            } else if character == "/", at(1) == "*" {
                index += 2
                while index < characters.count, !(characters[index] == "*" && at(1) == "/") { index += 1 }
                index += 2
            } else if character == "\"", at(1) == "\"", at(2) == "\"" {
                index += 3
                var text = ""
                while index < characters.count, !(characters[index] == "\"" && at(1) == "\"" && at(2) == "\"") {
                    text.append(characters[index])
                    index += 1
                }
                index += 3
                if text.contains(where: \.isJapaneseGlyph) { literals.append(text) }
            } else if character == "\"" {
                index += 1
                var text = ""
                while index < characters.count, characters[index] != "\"", characters[index] != "\n" {
                    if characters[index] == "\\", at(1) == "(" {
                        index += 2
                        var depth = 1
                        while index < characters.count, depth > 0 {
                            switch characters[index] {
                            case "(": depth += 1
                            case ")": depth -= 1
                            case "\"":
                                index += 1
                                while index < characters.count, characters[index] != "\"" {
                                    if characters[index] == "\\" { index += 1 }
                                    index += 1
                                }
                            default: break
                            }
                            index += 1
                        }
                        text.append("\u{FFFC}")
                    } else if characters[index] == "\\" {
                        if let escaped = at(1) { text.append(escaped == "\"" || escaped == "\\" ? escaped : " ") }
                        index += 2
                    } else {
                        text.append(characters[index])
                        index += 1
                    }
                }
                index += 1
                if text.contains(where: \.isJapaneseGlyph) { literals.append(text) }
            } else {
                index += 1
            }
        }
        return literals
    }
}

extension Glossary {
    func problems(of text: GlossaryText) -> [String] {
        var problems: [String] = []
        if text.ja.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append("missing: no Japanese text")
        } else if text.ja == text.en, !strayEnglish(in: Glossary.placeholdersMarked(text.en)).isEmpty {
            problems.append("untranslated: the Japanese text is the English one")
        }
        if text.ja.contains(where: \.isJapaneseGlyph) {
            problems += self.problems(inJapanese: text.ja)
        }
        return problems
    }
}
