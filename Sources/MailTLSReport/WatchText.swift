import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDomainCheck
import MailTLSWatch

/// `mailtls watch`'s words, in English and Japanese: alert notices (for e-mail, chat and webhooks), the summary of a
/// round, the history of a target. Text a server sent is escaped before it reaches a terminal or a chat.
public struct WatchText: Sendable {
    public let language: Language

    public init(language: Language) {
        self.language = language
    }

    // MARK: Notices

    public func words(_ notice: AlertNotice) -> NoticeWords {
        let kind: String = switch notice.kind {
        case .firing: language == .ja ? "通知" : "ALERT"
        case .reminder: language == .ja ? "継続中" : "STILL FAILING"
        case .resolved: language == .ja ? "解決" : "RESOLVED"
        case .expiry: language == .ja ? "期限間近" : "EXPIRING"
        case .change: language == .ja ? "変更" : "CHANGED"
        }
        let title = "[\(kind)] \(PeerText.escaped(notice.key.description)): \(conditionTitle(notice.condition))"
        var lines: [String] = []
        switch notice.kind {
        case .resolved:
            lines.append(language == .ja
                ? "\(dateText(notice.since)) から続いていた問題が解消しました。"
                : "The problem seen since \(dateText(notice.since)) is gone.")
        case .expiry:
            lines.append(language == .ja
                ? "証明書の有効期限は \(PeerText.escaped(notice.condition.evidence.english)) です。期限が切れる前に更新してください。"
                : "The certificate expires at \(PeerText.escaped(notice.condition.evidence.english)). Renew it before then.")
        case .firing, .reminder, .change:
            lines.append(explanation(notice.condition, key: notice.key))
            lines.append((language == .ja ? "根拠: " : "Evidence: ") + evidenceText(notice.condition))
            if let fix = fix(notice.condition, key: notice.key) {
                lines.append((language == .ja ? "対処: " : "Fix: ") + fix)
            }
            if notice.kind != .change {
                lines.append(language == .ja ? "検出開始: \(dateText(notice.since))" : "Failing since: \(dateText(notice.since))")
            }
        }
        return NoticeWords(title: title, body: lines.joined(separator: "\n"))
    }

    /// A condition's short name: the finding's id, or the monitor's own conditions in words.
    func conditionTitle(_ condition: AlertCondition) -> String {
        if condition.id == AlertCondition.portLost {
            return language == .ja ? "ポートが応答しなくなりました" : "the port stopped answering"
        }
        if condition.id == AlertCondition.versionLowered {
            return language == .ja ? "TLS の最高バージョンが下がりました" : "the best TLS version went down"
        }
        if condition.id == ChangeEvent.Kind.stsPolicyChangedWithoutNewID.rawValue {
            return language == .ja ? "MTA-STS のポリシーが id を変えずに変更されました" : "the MTA-STS policy changed without a new id"
        }
        if condition.id == AlertCondition.settingsNotFound {
            return language == .ja ? "使える設定が見つかりません" : "no working settings found"
        }
        if condition.id.hasPrefix("certificate-expiry-") {
            let threshold = String(condition.id.dropFirst("certificate-expiry-".count))
            return language == .ja ? "証明書の有効期限まで \(thresholdText(threshold))" : "certificate within \(thresholdText(threshold)) of expiry"
        }
        return condition.id
    }

    /// A finding's evidence in the reader's language (the check's own renderer); the monitor's own evidence as it is.
    func evidenceText(_ condition: AlertCondition) -> String {
        if condition.id == AlertCondition.settingsNotFound {
            return Self.missingText(condition.evidence.english, language)
        }
        if condition.id == AlertCondition.portLost, let state = PortState(rawValue: condition.evidence.english) {
            return UIText.state(state, language)
        }
        return switch condition.evidence {
        case .check(let evidence): PeerText.escaped(CheckEvidenceText.render(evidence, language))
        case .domain(let evidence): PeerText.escaped(DomainEvidenceText.render(evidence, language))
        case .text(let text): PeerText.escaped(text)
        }
    }

    /// The check's typed evidence of a condition, else its words as data (a condition read from old history).
    static func checkEvidence(_ condition: AlertCondition) -> Evidence {
        if case .check(let evidence) = condition.evidence { return evidence }
        return .data(condition.evidence.english)
    }

    static func domainEvidence(_ condition: AlertCondition) -> DomainEvidence {
        if case .domain(let evidence) = condition.evidence { return evidence }
        return .data(condition.evidence.english)
    }

    func thresholdText(_ threshold: String) -> String {
        if threshold.hasSuffix("%") {
            return language == .ja ? "有効期間の残り \(threshold)" : "\(threshold) of its lifetime"
        }
        let days = threshold.hasSuffix("d") ? String(threshold.dropLast()) : threshold
        return language == .ja ? "\(days) 日" : "\(days) days"
    }

    /// What the condition means, from the catalogue of the rule that raised it.
    func explanation(_ condition: AlertCondition, key: PortKey) -> String {
        let port = key.port
        switch condition.catalog {
        case .check:
            if let id = FindingID(rawValue: condition.id) {
                return FindingCatalog.message(for: checkFinding(id, condition, key), in: language)
            }
        case .domain:
            if let id = DomainFindingID(rawValue: condition.id) {
                return DomainFindingCatalog.message(for: domainFinding(id, condition, key), domain: key.target, in: language)
            }
        case .watch:
            break
        }
        if condition.id == AlertCondition.portLost {
            return language == .ja
                ? "ポート \(port) は以前は応答していましたが、今は応答しません（\(evidenceText(condition))）。"
                : "Port \(port) used to answer and no longer does (\(evidenceText(condition)))."
        }
        if condition.id == AlertCondition.versionLowered {
            return language == .ja
                ? "ポート \(port) が提供する TLS の最高バージョンが以前より低くなりました。"
                : "The best TLS version port \(port) offers is lower than it used to be."
        }
        if condition.id == AlertCondition.settingsNotFound {
            return language == .ja
                ? "このアドレスの設定（\(Self.missingText(condition.evidence.english, language))）が見つからないか、見つかったサーバーで確認できませんでした。メールソフトや複合機の自動設定も失敗します。"
                : "The settings of this address (\(Self.missingText(condition.evidence.english, language))) could not be found, or the servers found did not work: mail clients' and MFPs' automatic setup fails too."
        }
        if condition.id == ChangeEvent.Kind.stsPolicyChangedWithoutNewID.rawValue {
            return language == .ja
                ? "MTA-STS のポリシーファイルが変わりましたが、_mta-sts の TXT レコードの id は変わっていません。古いポリシーを保存している送信側は、新しいポリシーを読みません。"
                : "The MTA-STS policy file changed but the id in the _mta-sts TXT record did not: senders that cached the old policy keep using it."
        }
        return condition.id
    }

    func fix(_ condition: AlertCondition, key: PortKey) -> String? {
        switch condition.catalog {
        case .check:
            if let id = FindingID(rawValue: condition.id) {
                return FindingCatalog.fix(for: checkFinding(id, condition, key), in: language,
                                          software: Set([condition.software].compactMap { $0 }))
            }
        case .domain:
            if let id = DomainFindingID(rawValue: condition.id) {
                return DomainFindingCatalog.fix(for: domainFinding(id, condition, key), domain: key.target, in: language)
            }
        case .watch:
            break
        }
        if condition.id == AlertCondition.portLost {
            return language == .ja
                ? "サービスが動いているか、ファイアウォールの設定が変わっていないか確認してください。"
                : "Check that the service runs and that no firewall rule changed."
        }
        if condition.id == AlertCondition.versionLowered {
            return language == .ja
                ? "サーバーの TLS の設定（最低・最高バージョン）と、更新で変わった設定を確認してください。"
                : "Check the server's TLS settings (minimum and maximum version) and what an upgrade changed."
        }
        if condition.id == AlertCondition.settingsNotFound {
            return language == .ja
                ? "mailtls setup でこのアドレスを確認し、公開している設定（autoconfig、SRV レコード）とサーバーを直してください。"
                : "Run mailtls setup on this address, then fix the published settings (autoconfig, SRV records) or the servers they name."
        }
        if condition.id == ChangeEvent.Kind.stsPolicyChangedWithoutNewID.rawValue {
            return language == .ja
                ? "ポリシーを変えたら、_mta-sts の TXT レコードの id も新しい値（例: 日時）に変えてください。"
                : "Whenever the policy changes, give the _mta-sts TXT record a new id (a timestamp, for example)."
        }
        return nil
    }

    /// `incoming, outgoing` in words.
    static func missingText(_ evidence: String, _ language: Language) -> String {
        evidence.split(separator: ",").map { part in
            switch part.trimmingCharacters(in: .whitespaces) {
            case "incoming": language == .ja ? "受信" : "incoming"
            case "outgoing": language == .ja ? "送信" : "outgoing"
            default: PeerText.escaped(part)
            }
        }.joined(separator: language == .ja ? "、" : ", ")
    }

    /// The check finding a condition stands for, as the check made it: its evidence and its own values.
    func checkFinding(_ id: FindingID, _ condition: AlertCondition, _ key: PortKey) -> Finding {
        Finding(id, condition.severity, port: key.port, evidence: Self.checkEvidence(condition),
                parameters: condition.parameters)
    }

    func domainFinding(_ id: DomainFindingID, _ condition: AlertCondition, _ key: PortKey) -> DomainFinding {
        let subject = key.port == 0 ? key.address : key.address.replacingOccurrences(of: "/", with: " (") + ")"
        return DomainFinding(id, condition.severity, subject: subject, evidence: Self.domainEvidence(condition),
                             parameters: condition.parameters)
    }

    func dateText(_ date: Date) -> String { ISO8601.format(date) }

    // MARK: Summary of a round

    /// One block per target: a line per port with its state, security, versions and certificate days, then the
    /// conditions it shows now.
    public func summary(_ outcomes: [TargetOutcome], now: Date) -> String {
        var lines: [String] = []
        for outcome in outcomes {
            let worst = outcome.worstSeverity
            lines.append("\(PeerText.escaped(outcome.target)): \(verdict(worst))")
            if let failure = outcome.failure {
                switch failure {
                case .unknownHost(let host):
                    lines.append(language == .ja
                        ? "  サーバー名「\(PeerText.escaped(host))」の IP アドレスが見つかりません。名前と DNS を確認してください。"
                        : "  \(PeerText.escaped(host)) has no address: check the name and its DNS records.")
                case .domain(let error):
                    lines.append("  " + DomainText.inputError(error, language))
                case .address(let error):
                    lines.append("  " + AccountErrorText.discovery(error, language))
                }
                continue
            }
            for snapshot in outcome.snapshots {
                lines.append("  " + portLine(snapshot, now: now))
                for condition in outcome.conditions[snapshot.key] ?? [] {
                    lines.append("    [\(UIText.severity(condition.severity, language))] \(conditionTitle(condition)): \(evidenceText(condition))")
                }
            }
            for notice in outcome.notices {
                lines.append("  → " + words(notice).title)
            }
        }
        return lines.joined(separator: "\n")
    }

    func verdict(_ severity: Severity?) -> String {
        switch severity {
        case .critical: language == .ja ? "重大な問題あり" : "CRITICAL"
        case .warning: language == .ja ? "警告あり" : "WARNING"
        case .info, nil: "OK"
        }
    }

    func portLine(_ snapshot: PortSnapshot, now: Date) -> String {
        if snapshot.key.port == 0, let settings = snapshot.accountSettings {
            return "\(PeerText.escaped(snapshot.key.address))  \(settings.isEmpty ? "-" : PeerText.escaped(settings))"
        }
        if snapshot.key.port == 0 {
            // A domain's own entry: its policies, not a port.
            let mode = snapshot.sts?.mode ?? (language == .ja ? "なし" : "none")
            return "\(PeerText.escaped(snapshot.key.address))  MTA-STS \(PeerText.escaped(mode))"
        }
        var parts = ["\(snapshot.key.address):\(snapshot.key.port)", snapshot.mailProtocol.rawValue.uppercased(),
                     UIText.state(snapshot.state, language)]
        if snapshot.state == .open {
            parts.append(UIText.security(snapshot.security, language))
            if !snapshot.versions.isEmpty { parts.append(snapshot.versions.map(\.rawValue).joined(separator: ",")) }
        }
        if let certificate = snapshot.certificate {
            let days = Int((certificate.notAfter.timeIntervalSince(now) / 86400).rounded(.down))
            parts.append(language == .ja ? "証明書の残り \(days) 日" : "certificate \(days) days")
            if !certificate.verified { parts.append(language == .ja ? "（検証失敗）" : "(not verified)") }
        }
        return parts.joined(separator: "  ")
    }

    // MARK: History

    public func history(_ history: WatchHistory) -> String {
        var lines: [String] = [language == .ja ? "\(PeerText.escaped(history.target)) の履歴（新しい順）" : "History of \(PeerText.escaped(history.target)), newest first"]
        if history.latest.isEmpty {
            lines.append(language == .ja ? "  まだ記録がありません（mailtls watch が一度も確認していません）。"
                                         : "  Nothing recorded yet (mailtls watch has not checked it).")
            return lines.joined(separator: "\n")
        }
        var entries: [(Date, String)] = history.events.map { ($0.at, "\(PeerText.escaped($0.key.description))  \(eventText($0))") }
        entries += history.notices.map { ($0.at, words($0).title) }
        for (date, text) in entries.sorted(by: { $0.0 > $1.0 }) {
            lines.append("  \(dateText(date))  \(text)")
        }
        if entries.isEmpty {
            lines.append(language == .ja ? "  最初の確認以来、変化はありません。" : "  No change since the first check.")
        }
        return lines.joined(separator: "\n")
    }

    func eventText(_ event: ChangeEvent) -> String {
        // States and security modes in the reader's words; the rest (versions, fingerprints, ids) as they are.
        func shown(_ value: String) -> String {
            switch event.kind {
            case .portOpened, .portLost: PortState(rawValue: value).map { UIText.state($0, language) } ?? PeerText.escaped(value)
            case .securityChanged: ObservedSecurity(rawValue: value).map { UIText.security($0, language) } ?? PeerText.escaped(value)
            default: PeerText.escaped(value)
            }
        }
        let before = shown(event.before)
        let after = shown(event.after)
        let mark = event.isRegression ? (language == .ja ? "（悪化）" : " (worse)") : ""
        let text: String = switch (event.kind, language) {
        case (.portOpened, .ja): "ポートが応答するようになりました（\(before) → \(after)）"
        case (.portOpened, _): "port answers now (\(before) → \(after))"
        case (.portLost, .ja): "ポートが応答しなくなりました（\(before) → \(after)）"
        case (.portLost, _): "port stopped answering (\(before) → \(after))"
        case (.securityChanged, .ja): "暗号化の方式が変わりました: \(before) → \(after)"
        case (.securityChanged, _): "security changed: \(before) → \(after)"
        case (.versionAdded, .ja): "\(after) を受け付けるようになりました"
        case (.versionAdded, _): "\(after) is accepted now"
        case (.versionRemoved, .ja): "\(before) を受け付けなくなりました"
        case (.versionRemoved, _): "\(before) is no longer accepted"
        case (.cipherChanged, .ja): "暗号スイートが変わりました: \(before) → \(after)"
        case (.cipherChanged, _): "cipher suite changed: \(before) → \(after)"
        case (.certificateChanged, .ja): "証明書が替わりました（SHA-256 \(after.prefix(16))…）"
        case (.certificateChanged, _): "new certificate (SHA-256 \(after.prefix(16))…)"
        case (.issuerChanged, .ja): "発行者が変わりました: \(before) → \(after)"
        case (.issuerChanged, _): "issuer changed: \(before) → \(after)"
        case (.keyChanged, .ja): "鍵が変わりました: \(before) → \(after)"
        case (.keyChanged, _): "key changed: \(before) → \(after)"
        case (.findingAppeared, .ja): "新しい指摘: \(after)"
        case (.findingAppeared, _): "new finding: \(after)"
        case (.findingCleared, .ja): "解消した指摘: \(before)"
        case (.findingCleared, _): "finding cleared: \(before)"
        case (.daneChanged, .ja): "DANE の結果が変わりました: \(before) → \(after)"
        case (.daneChanged, _): "DANE result changed: \(before) → \(after)"
        case (.stsPolicyChanged, .ja): "MTA-STS のポリシーが変わりました（id \(before) → \(after)）"
        case (.stsPolicyChanged, _): "MTA-STS policy changed (id \(before) → \(after))"
        case (.stsPolicyChangedWithoutNewID, .ja): "MTA-STS のポリシーが id を変えずに変わりました（id \(after)）"
        case (.stsPolicyChangedWithoutNewID, _): "MTA-STS policy changed without a new id (id \(after))"
        case (.settingsChanged, .ja): "設定が変わりました: \(before) → \(after)"
        case (.settingsChanged, _): "settings changed: \(before) → \(after)"
        }
        return text + mark
    }
}
